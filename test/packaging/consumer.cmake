# Steps shared by the consumer tests (run with cmake -P): configure, build and run a separate project.
# Callers define SOURCE_DIR, BINARY_DIR, WORK_DIR, GENERATOR and CXX_COMPILER.

# Runs a command; stops the test with `what` and the command's output when it fails.
function(consumer_run what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(rc)
        message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
    endif()
    message(STATUS "${what}: ok")
    set(consumer_output "${out}" PARENT_SCOPE)
endfunction()

# Configures project `source` into `build` with the extra cache arguments given, then builds it.
function(consumer_build source build)
    file(REMOVE_RECURSE "${build}")
    consumer_run("configuring ${source}" "${CMAKE_COMMAND}" -S "${source}" -B "${build}" -G "${GENERATOR}"
        -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Debug
        -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON ${ARGN})
    consumer_run("building ${source}" "${CMAKE_COMMAND}" --build "${build}")
endfunction()

# Runs a built program and checks that its output matches `expect` (a regular expression).
function(consumer_expect program expect)
    consumer_run("running ${program}" "${program}")
    if(NOT consumer_output MATCHES "${expect}")
        message(FATAL_ERROR "${program} printed:\n${consumer_output}\nexpected it to match: ${expect}")
    endif()
endfunction()
