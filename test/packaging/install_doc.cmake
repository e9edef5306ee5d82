# Runs doc/install.md's install commands as the page gives them, then builds a consumer of the result.
# The page marks what this test runs with a line `<!-- install-test -->` before a fenced block: the
# ```sh blocks are run in order by bash (stopping at the first failing command) in an empty folder,
# with two substitutions only: the source folder `hookbox` of `-S hookbox` becomes SOURCE_DIR, and
# the prefix `/opt/hookbox` a folder of the test's own. The ```cmake block is the body of the
# consumer's CMakeLists.txt, whose `app` is test/cmake_install_test/main.cpp. Then:
#   - the configured build holds no test, example or benchmark target, and builds only the tool and
#     the compiled parts it links;
#   - the installed tool runs and reports this version;
#   - the consumer configures against the prefix alone, builds and runs.
# Run: cmake -DSOURCE_DIR=... -DWORK_DIR=... -DVERSION=... -P install_doc.cmake
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/consumer.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

# The marked blocks of the page, in order.
# Backslashes (line continuations) and semicolons are kept out of CMake's list handling.
file(READ "${SOURCE_DIR}/doc/install.md" page)
string(REPLACE "\\" "@backslash@" page "${page}")
string(REPLACE ";" "@semicolon@" page "${page}")
string(REPLACE "\n" ";" lines "${page}")
set(state "text")   # text -> marked (after the marker) -> in_sh / in_cmake -> text
set(sh_script "")
set(cmake_block "")
set(sh_blocks 0)
foreach(line IN LISTS lines)
    if(state STREQUAL "text")
        if(line STREQUAL "<!-- install-test -->")
            set(state "marked")
        endif()
    elseif(state STREQUAL "marked")
        if(line STREQUAL "```sh")
            set(state "in_sh")
            math(EXPR sh_blocks "${sh_blocks} + 1")
        elseif(line STREQUAL "```cmake")
            set(state "in_cmake")
        else()
            message(FATAL_ERROR "doc/install.md: a line `<!-- install-test -->` must be followed by a ```sh or "
                                "```cmake block, found: ${line}")
        endif()
    elseif(line STREQUAL "```")
        set(state "text")
    elseif(state STREQUAL "in_sh")
        string(APPEND sh_script "${line}\n")
    else()
        string(APPEND cmake_block "${line}\n")
    endif()
endforeach()
if(NOT state STREQUAL "text")
    message(FATAL_ERROR "doc/install.md: a marked block is not closed")
endif()
if(sh_blocks EQUAL 0 OR cmake_block STREQUAL "")
    message(FATAL_ERROR "doc/install.md marks no ```sh block or no ```cmake block with <!-- install-test -->")
endif()

# The two substitutions, each of which must apply.
foreach(pair IN ITEMS "-S hookbox |-S ${SOURCE_DIR} " "/opt/hookbox|${prefix}")
    string(REPLACE "|" ";" pair "${pair}")
    list(GET pair 0 from)
    list(GET pair 1 to)
    string(FIND "${sh_script}" "${from}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "doc/install.md's install commands no longer contain `${from}`, which this test "
                            "replaces by `${to}`:\n${sh_script}")
    endif()
    string(REPLACE "${from}" "${to}" sh_script "${sh_script}")
endforeach()
foreach(text IN ITEMS sh_script cmake_block)
    string(REPLACE "@backslash@" "\\" ${text} "${${text}}")
    string(REPLACE "@semicolon@" ";" ${text} "${${text}}")
endforeach()
file(WRITE "${WORK_DIR}/install.sh" "set -eux\n${sh_script}")

# Two jobs at most: the machines that run the suite are small.
string(TIMESTAMP started "%s")
consumer_run("running doc/install.md's commands" "${CMAKE_COMMAND}" -E env CMAKE_BUILD_PARALLEL_LEVEL=2
    bash "${WORK_DIR}/install.sh" WORKING_DIRECTORY "${WORK_DIR}")
string(TIMESTAMP finished "%s")
math(EXPR seconds "${finished} - ${started}")
message(STATUS "the documented install took ${seconds} s")

# The build has the tool and the libraries it links, and no test, example or benchmark target.
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" --target help
    OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "listing the targets of ${WORK_DIR}/build failed")
endif()
string(REPLACE "\n" ";" help "${help}")
set(targets "")
foreach(line IN LISTS help)
    if(line MATCHES "^(\\.\\.\\. )?(hookbox[A-Za-z0-9_]*)( |:|$)")
        list(APPEND targets "${CMAKE_MATCH_2}")
    endif()
endforeach()
foreach(target IN LISTS targets)
    if(NOT target MATCHES "^hookbox_(cli|cli_completion|compiled|compiled_[a-z]+)$")
        message(FATAL_ERROR "the documented build (tests, examples and benchmarks off) has the target ${target}")
    endif()
endforeach()
if(NOT "hookbox_cli" IN_LIST targets)
    message(FATAL_ERROR "the documented build has no hookbox_cli target; its targets: ${targets}")
endif()
# Of the compiled parts, only those the tool links were built.
foreach(unneeded IN ITEMS hookbox_compiled_signing hookbox_compiled_http)
    file(GLOB_RECURSE built "${WORK_DIR}/build/*${unneeded}.a" "${WORK_DIR}/build/*${unneeded}.lib")
    if(built)
        message(FATAL_ERROR "the documented build compiled ${unneeded}, which the tool does not link: ${built}")
    endif()
endforeach()

# The prefix holds the tool, which runs.
consumer_run("running the installed tool" "${prefix}/bin/hookbox" --version)
if(NOT consumer_output MATCHES "${VERSION}")
    message(FATAL_ERROR "hookbox --version printed '${consumer_output}', expected ${VERSION}")
endif()

# A consumer made of the page's ```cmake block, against the prefix alone.
set(app "${WORK_DIR}/app")
file(MAKE_DIRECTORY "${app}")
file(COPY "${SOURCE_DIR}/test/cmake_install_test/main.cpp" DESTINATION "${app}")
file(WRITE "${app}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.20)
project(install_doc_consumer LANGUAGES CXX)
add_executable(app main.cpp)
${cmake_block}")
consumer_build("${app}" "${WORK_DIR}/app-build" -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
consumer_expect("${WORK_DIR}/app-build/app" "consumer: delivery [0-9a-f-]+ acked with hookbox ${VERSION}")
