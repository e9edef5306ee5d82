# Configures, builds and runs a project that adds hookbox's source tree with add_subdirectory; then
# installs that project: hookbox adds no file to its install unless the parent sets HOOKBOX_INSTALL=ON.
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/../packaging/consumer.cmake")
file(REMOVE_RECURSE "${WORK_DIR}")
consumer_build("${SOURCE_DIR}/test/add_subdirectory_test" "${WORK_DIR}/build" -DHOOKBOX_SOURCE_DIR=${SOURCE_DIR})
consumer_expect("${WORK_DIR}/build/consumer" "consumer: delivery [0-9a-f-]+ acked with hookbox")

# Returns in <out> the files under <prefix>, relative to it.
function(installed_files out prefix)
    file(GLOB_RECURSE files RELATIVE "${prefix}" "${prefix}/*")
    set(${out} "${files}" PARENT_SCOPE)
endfunction()

# By default the parent's install holds the parent's file alone.
consumer_run("installing the parent project" "${CMAKE_COMMAND}" --install "${WORK_DIR}/build"
    --prefix "${WORK_DIR}/prefix")
installed_files(files "${WORK_DIR}/prefix")
if(NOT files STREQUAL "share/parent/main.cpp")
    message(FATAL_ERROR "the parent's install holds more than its own share/parent/main.cpp: ${files}")
endif()

# Asked for, hookbox installs its headers and its package files with the parent's.
consumer_run("configuring the parent project with HOOKBOX_INSTALL=ON" "${CMAKE_COMMAND}"
    -S "${SOURCE_DIR}/test/add_subdirectory_test" -B "${WORK_DIR}/build-install" -G "${GENERATOR}"
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DHOOKBOX_SOURCE_DIR=${SOURCE_DIR} -DHOOKBOX_INSTALL=ON)
consumer_run("installing the parent project with HOOKBOX_INSTALL=ON" "${CMAKE_COMMAND}"
    --install "${WORK_DIR}/build-install" --prefix "${WORK_DIR}/prefix-install")
installed_files(files "${WORK_DIR}/prefix-install")
foreach(file IN ITEMS share/parent/main.cpp include/hookbox.hpp include/hookbox/outbox.hpp
        share/hookbox/hookbox-config.cmake share/hookbox/hookboxTargets.cmake)
    if(NOT file IN_LIST files)
        message(FATAL_ERROR "with HOOKBOX_INSTALL=ON the parent's install lacks ${file}")
    endif()
endforeach()
