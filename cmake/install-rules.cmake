include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HOOKBOX_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/hookbox"
    CACHE STRING "Where hookbox's CMake package files are installed, relative to the prefix")
mark_as_advanced(HOOKBOX_INSTALL_CMAKEDIR)

install(DIRECTORY include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT hookbox_development)
install(TARGETS hookbox EXPORT hookboxTargets INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
if(TARGET hookbox_sqlite)
    install(TARGETS hookbox_sqlite EXPORT hookboxTargets)
endif()
if(TARGET hookbox_signing)
    install(TARGETS hookbox_signing hookbox_http EXPORT hookboxTargets)
endif()

configure_package_config_file(cmake/hookbox-config.cmake.in
    "${PROJECT_BINARY_DIR}/hookbox-config.cmake"
    INSTALL_DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/hookbox-config-version.cmake"
    COMPATIBILITY SameMinorVersion
    ARCH_INDEPENDENT)

install(FILES
    "${PROJECT_BINARY_DIR}/hookbox-config.cmake"
    "${PROJECT_BINARY_DIR}/hookbox-config-version.cmake"
    DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
install(EXPORT hookboxTargets NAMESPACE hookbox::
    DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
