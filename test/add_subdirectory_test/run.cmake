# Configures, builds and runs a project that adds hookbox's source tree with add_subdirectory.
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/../packaging/consumer.cmake")
consumer_build("${SOURCE_DIR}/test/add_subdirectory_test" "${WORK_DIR}/build" -DHOOKBOX_SOURCE_DIR=${SOURCE_DIR})
consumer_expect("${WORK_DIR}/build/consumer" "consumer: delivery [0-9a-f-]+ acked with hookbox")
