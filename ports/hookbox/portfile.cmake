# vcpkg overlay port for hookbox. It installs the checkout it lives in:
#   vcpkg install hookbox --overlay-ports=<hookbox checkout>/ports
# Features, each one CMake switch (the test vcpkg_port checks that they correspond):
#   sqlite (hookbox::sqlite), postgres (hookbox::postgres), signing (hookbox::signing),
#   http (hookbox::http), tools (the `hookbox` command-line tool); sqlite, signing and http by default.
# Without tools the port is header-only.
set(VCPKG_BUILD_TYPE release)

get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(NOT EXISTS "${SOURCE_PATH}/include/hookbox/version.hpp")
    message(FATAL_ERROR "ports/hookbox must stay inside a hookbox checkout (looked in ${SOURCE_PATH})")
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        sqlite   HOOKBOX_WITH_SQLITE
        postgres HOOKBOX_WITH_POSTGRES
        signing  HOOKBOX_WITH_OPENSSL
        http     HOOKBOX_WITH_HTTP
        tools    HOOKBOX_BUILD_TOOLS
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DHOOKBOX_INSTALL=ON
        -DHOOKBOX_BUILD_TESTS=OFF
        -DHOOKBOX_BUILD_EXAMPLES=OFF
        -DHOOKBOX_BUILD_BENCHMARKS=OFF
)

vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME hookbox CONFIG_PATH share/hookbox)
if("tools" IN_LIST FEATURES)
    vcpkg_copy_tools(TOOL_NAMES hookbox AUTO_CLEAN)
endif()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/lib")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
