# Installs the configured hookbox build to a fresh prefix, then configures, builds and runs the
# consumer project against that prefix alone.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}"
    RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/test/cmake_install_test" -B "${WORK_DIR}/build"
        -G "${GENERATOR}" -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()

foreach(program IN ITEMS consumer consumer_sqlite)
    execute_process(COMMAND "${WORK_DIR}/build/${program}" RESULT_VARIABLE rc)
    if(rc)
        message(FATAL_ERROR "${program} failed: ${rc}")
    endif()
endforeach()

# The consumer must have used the installed headers, not the source tree's.
if(NOT EXISTS "${prefix}/include/hookbox/outbox.hpp" OR NOT EXISTS "${prefix}/share/hookbox/hookbox-config.cmake")
    message(FATAL_ERROR "the package is missing files under ${prefix}")
endif()
