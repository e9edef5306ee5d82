# Packs the source tree into an archive the way a release is packed, then configures, builds and
# runs a project that fetches that archive with FetchContent (checking its SHA-256).
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/../packaging/consumer.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(archive "${WORK_DIR}/hookbox-source.tar.gz")
# The tree a release archive holds: the library, its CMake files and the licence (no build folders).
consumer_run("packing ${archive}" "${CMAKE_COMMAND}" -E chdir "${SOURCE_DIR}"
    "${CMAKE_COMMAND}" -E tar czf "${archive}" --
    CMakeLists.txt LICENSE README.md cmake include tools test/cmake_install_test)
file(SHA256 "${archive}" sha256)

consumer_build("${SOURCE_DIR}/test/fetchcontent_test" "${WORK_DIR}/build"
    -DHOOKBOX_ARCHIVE=${archive} -DHOOKBOX_ARCHIVE_SHA256=${sha256})
consumer_expect("${WORK_DIR}/build/consumer" "consumer: delivery [0-9a-f-]+ acked with hookbox")
