# Install rules: the headers, and a CONFIG package with one export set per component, so that a
# consumer of the core library needs neither SQLite nor OpenSSL.
#
#   find_package(hookbox CONFIG REQUIRED)                        -> hookbox::hookbox
#   find_package(hookbox CONFIG REQUIRED COMPONENTS sqlite)      -> + hookbox::sqlite
#   find_package(hookbox CONFIG REQUIRED COMPONENTS postgres)    -> + hookbox::postgres
#   find_package(hookbox CONFIG REQUIRED COMPONENTS signing)     -> + hookbox::signing
#   find_package(hookbox CONFIG REQUIRED COMPONENTS http)        -> + hookbox::http (and signing)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HOOKBOX_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/hookbox"
    CACHE STRING "Where hookbox's CMake package files are installed, relative to the prefix")
mark_as_advanced(HOOKBOX_INSTALL_CMAKEDIR)

install(DIRECTORY include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT hookbox_development
    FILES_MATCHING PATTERN "*.hpp" PATTERN "*.ipp")
install(TARGETS hookbox EXPORT hookboxTargets INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT hookboxTargets NAMESPACE hookbox::
    DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)

# The components this build has; the package config offers exactly these.
set(HOOKBOX_INSTALLED_COMPONENTS "")
if(TARGET hookbox_sqlite)
    install(TARGETS hookbox_sqlite EXPORT hookboxSqliteTargets)
    install(EXPORT hookboxSqliteTargets NAMESPACE hookbox::
        DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
    list(APPEND HOOKBOX_INSTALLED_COMPONENTS sqlite)
endif()
if(TARGET hookbox_postgres)
    install(TARGETS hookbox_postgres EXPORT hookboxPostgresTargets)
    install(EXPORT hookboxPostgresTargets NAMESPACE hookbox::
        DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
    list(APPEND HOOKBOX_INSTALLED_COMPONENTS postgres)
endif()
if(TARGET hookbox_signing)
    install(TARGETS hookbox_signing EXPORT hookboxSigningTargets)
    install(EXPORT hookboxSigningTargets NAMESPACE hookbox::
        DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
    list(APPEND HOOKBOX_INSTALLED_COMPONENTS signing)
endif()
if(TARGET hookbox_http)
    install(TARGETS hookbox_http EXPORT hookboxHttpTargets)
    install(EXPORT hookboxHttpTargets NAMESPACE hookbox::
        DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
    list(APPEND HOOKBOX_INSTALLED_COMPONENTS http)
endif()

configure_package_config_file(cmake/hookbox-config.cmake.in
    "${PROJECT_BINARY_DIR}/hookbox-config.cmake"
    INSTALL_DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}")
# 0.x releases: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/hookbox-config-version.cmake"
    COMPATIBILITY SameMinorVersion
    ARCH_INDEPENDENT)

install(FILES
    "${PROJECT_BINARY_DIR}/hookbox-config.cmake"
    "${PROJECT_BINARY_DIR}/hookbox-config-version.cmake"
    DESTINATION "${HOOKBOX_INSTALL_CMAKEDIR}" COMPONENT hookbox_development)
