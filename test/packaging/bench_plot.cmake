# Runs bench/plot.sh on a small sitting (bench_results/medians.txt: W1, W2 without PostgreSQL and
# without ObjectStack's default preset, W3 without its batch figures) and checks that:
#   - it draws w1.svg, w2.svg and w3.svg, and nothing for the workloads without figures;
#   - each is well-formed XML with an <svg> root, names hookbox and each peer present, and states its unit;
#   - a peer without figures is left out of its chart;
#   - a folder without medians.txt is refused with a message naming the file.
# Run: cmake -DSOURCE_DIR=... -DWORK_DIR=... -DPYTHON=... -P bench_plot.cmake
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/consumer.cmake")
file(REMOVE_RECURSE "${WORK_DIR}")
file(COPY "${CMAKE_CURRENT_LIST_DIR}/bench_results/medians.txt" DESTINATION "${WORK_DIR}/sitting")

consumer_run("bench/plot.sh" "${SOURCE_DIR}/bench/plot.sh" "${WORK_DIR}/sitting")
foreach(absent IN ITEMS w1sqlite w1scale w2lat)
    if(EXISTS "${WORK_DIR}/sitting/${absent}.svg")
        message(FATAL_ERROR "plot.sh drew ${absent}.svg without any of its figures")
    endif()
endforeach()

# chart | text that must be in it (series names, units) | text that must not
foreach(rule IN ITEMS
        "w1|hookbox memory_storage;ObjectStack outbox (memory);operations/s;enqueue;claim + ack|"
        "w2|nginx alone (wrk, W0);hookbox memory;hookbox SQLite;ObjectStack tuned;deliveries/s|hookbox PostgreSQL;ObjectStack default"
        "w3|hookbox postgres;pg-boss;graphile-worker;jobs/s;enqueue one;claim 256 + ack|batches of 1000")
    string(REPLACE "|" ";" parts "${rule}")
    list(GET parts 0 chart)
    string(REGEX MATCH "^[^|]*\\|([^|]*)\\|(.*)$" _ "${rule}")
    string(REPLACE ";" "|" present "${CMAKE_MATCH_1}")
    string(REPLACE ";" "|" absent "${CMAKE_MATCH_2}")
    set(svg "${WORK_DIR}/sitting/${chart}.svg")
    if(NOT EXISTS "${svg}")
        message(FATAL_ERROR "plot.sh drew no ${chart}.svg")
    endif()
    consumer_run("parsing ${chart}.svg as XML" "${PYTHON}" -c
        "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.documentElement.tagName == 'svg', d.documentElement.tagName"
        "${svg}")
    file(READ "${svg}" text)
    string(REPLACE "&amp;" "&" text "${text}")
    string(REPLACE "|" ";" present "${present}")
    string(REPLACE "|" ";" absent "${absent}")
    foreach(want IN LISTS present)
        string(FIND "${text}" "${want}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "${chart}.svg does not show '${want}'")
        endif()
    endforeach()
    foreach(unwanted IN LISTS absent)
        string(FIND "${text}" "${unwanted}" at)
        if(NOT at EQUAL -1)
            message(FATAL_ERROR "${chart}.svg shows '${unwanted}', whose figures the sitting does not have")
        endif()
    endforeach()
    message(STATUS "${chart}.svg: ok")
endforeach()

# A folder without medians.txt.
file(MAKE_DIRECTORY "${WORK_DIR}/empty")
execute_process(COMMAND "${SOURCE_DIR}/bench/plot.sh" "${WORK_DIR}/empty" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc OR NOT err MATCHES "no .*/empty/medians\\.txt")
    message(FATAL_ERROR "plot.sh on a folder without medians.txt: exit status ${rc}, message '${err}'")
endif()
message(STATUS "a folder without medians.txt refused: ok")
