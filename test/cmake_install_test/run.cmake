# Installs the configured hookbox build to a fresh prefix, then configures, builds and runs
# projects against that prefix alone:
#   1. the core consumer (this folder), with SQLite and OpenSSL hidden from CMake;
#   2. the Conan test_package/, with every component the build has;
#   3. a project asking for an unknown component, which must fail with a clear message.
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/../packaging/consumer.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
consumer_run("installing to ${prefix}" "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}")

# The package holds the headers, the CMake files and the tool, and nothing of the tests or examples.
foreach(file IN ITEMS include/hookbox.hpp include/hookbox/outbox.hpp include/hookbox/version.hpp
        include/hookbox/src.hpp include/hookbox/impl/error.ipp
        share/hookbox/hookbox-config.cmake share/hookbox/hookbox-config-version.cmake
        share/hookbox/hookboxTargets.cmake)
    if(NOT EXISTS "${prefix}/${file}")
        message(FATAL_ERROR "the package is missing ${file}")
    endif()
endforeach()
file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
foreach(file IN LISTS installed)
    if(NOT file MATCHES "^(include/hookbox\\.hpp|include/hookbox/.*\\.(hpp|ipp)|share/hookbox/[A-Za-z-]+\\.cmake|share/bash-completion/completions/hookbox|bin/hookbox)$")
        message(FATAL_ERROR "the package installs a file a consumer has no use for: ${file}")
    endif()
endforeach()

# 1. The core library, with neither SQLite nor OpenSSL to be found.
consumer_build("${SOURCE_DIR}/test/cmake_install_test" "${WORK_DIR}/core" -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON)
consumer_expect("${WORK_DIR}/core/consumer" "consumer: delivery [0-9a-f-]+ acked with hookbox [0-9.]+")

# 2. The test package, with the components this build installed.
consumer_build("${SOURCE_DIR}/test_package" "${WORK_DIR}/test_package" -DCMAKE_PREFIX_PATH=${prefix})
set(expect "memory outbox: ok")
if(EXISTS "${prefix}/share/hookbox/hookboxSqliteTargets.cmake")
    string(APPEND expect ".*sqlite outbox: ok")
endif()
if(EXISTS "${prefix}/share/hookbox/hookboxHttpTargets.cmake")
    string(APPEND expect ".*signature verified: ok.*forged body refused: ok.*dispatcher constructed: ok")
endif()
consumer_expect("${WORK_DIR}/test_package/test_package" "${expect}")
if(EXISTS "${WORK_DIR}/test_package/test_package_compiled")
    consumer_expect("${WORK_DIR}/test_package/test_package_compiled" "${expect}")
endif()

# 3. An unknown component fails the configuration and is named.
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/test/cmake_install_test/unknown_component"
        -B "${WORK_DIR}/unknown_component" -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc)
    message(FATAL_ERROR "asking for COMPONENTS nosuch configured without an error")
endif()
if(NOT "${out}${err}" MATCHES "unknown component 'nosuch'")
    message(FATAL_ERROR "the error for COMPONENTS nosuch does not name it:\n${out}\n${err}")
endif()
message(STATUS "unknown component refused: ok")
