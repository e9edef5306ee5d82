# Checks the logic of the vcpkg port (ports/hookbox) without vcpkg: the manifest is valid JSON; its
# features and the CMake switches of the portfile's vcpkg_check_features correspond one to one; the
# features depend on what their targets need (http on Beast and on Asio with TLS, not on a bare
# OpenSSL; tools on sqlite); and the project, configured as the portfile configures it for each
# feature (that feature's switch and those of the features it brings ON, every other OFF), offers
# exactly that feature's targets: its `cmake --install` writes the export files of those components
# alone, and the tool's target exists only with `tools`.
# HOOKBOX_WITH_HTTP=ON without hookbox::signing fails with a message naming the switch and what is missing.
# Run: cmake -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX_COMPILER=... -P vcpkg_port.cmake
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/consumer.cmake")
file(REMOVE_RECURSE "${WORK_DIR}")

file(READ "${SOURCE_DIR}/ports/hookbox/vcpkg.json" manifest)
string(JSON name ERROR_VARIABLE invalid GET "${manifest}" name)
if(invalid)
    message(FATAL_ERROR "ports/hookbox/vcpkg.json is not valid JSON: ${invalid}")
endif()

# The features of the manifest, and the dependencies of each: <feature>_deps holds "name" or
# "name[feature,...]" entries.
string(JSON count LENGTH "${manifest}" features)
set(features "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
    string(JSON feature MEMBER "${manifest}" features ${i})
    list(APPEND features ${feature})
    set(${feature}_deps "")
    string(JSON n LENGTH "${manifest}" features ${feature} dependencies)
    math(EXPR last_dep "${n} - 1")
    foreach(j RANGE ${last_dep})
        string(JSON dep GET "${manifest}" features ${feature} dependencies ${j} name)
        string(JSON dep_features ERROR_VARIABLE none GET "${manifest}" features ${feature} dependencies ${j} features)
        if(NOT none)
            string(REGEX REPLACE "[][\" ]" "" dep_features "${dep_features}")
            string(REPLACE "," ";" dep_features "${dep_features}")
            list(JOIN dep_features "," dep_features)
            set(dep "${dep}[${dep_features}]")
        endif()
        list(APPEND ${feature}_deps "${dep}")
    endforeach()
endforeach()
string(JSON n LENGTH "${manifest}" default-features)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
    string(JSON feature GET "${manifest}" default-features ${i})
    if(NOT feature IN_LIST features)
        message(FATAL_ERROR "vcpkg.json: default feature '${feature}' is not a feature")
    endif()
endforeach()

# The portfile: the FEATURES pairs of vcpkg_check_features, and the fixed -D options of vcpkg_cmake_configure.
file(READ "${SOURCE_DIR}/ports/hookbox/portfile.cmake" portfile)
if(NOT portfile MATCHES "vcpkg_check_features\\([^)]*FEATURES([^)]*)\\)")
    message(FATAL_ERROR "portfile.cmake: no vcpkg_check_features(... FEATURES ...) found")
endif()
string(REGEX MATCHALL "[a-z]+[ \t]+[A-Z_]+" pairs "${CMAKE_MATCH_1}")
set(switched "")
foreach(pair IN LISTS pairs)
    string(REGEX MATCH "([a-z]+)[ \t]+([A-Z_]+)" _ "${pair}")
    set(switch_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
    list(APPEND switched ${CMAKE_MATCH_1})
    if(NOT CMAKE_MATCH_1 IN_LIST features)
        message(FATAL_ERROR "portfile.cmake maps '${CMAKE_MATCH_1}' to ${CMAKE_MATCH_2}, and vcpkg.json has no such feature")
    endif()
endforeach()
foreach(feature IN LISTS features)
    if(NOT feature IN_LIST switched)
        message(FATAL_ERROR "vcpkg.json's feature '${feature}' has no CMake switch in portfile.cmake's vcpkg_check_features")
    endif()
endforeach()
if(NOT portfile MATCHES "vcpkg_cmake_configure\\(([^)]*)\\)")
    message(FATAL_ERROR "portfile.cmake: no vcpkg_cmake_configure(...) found")
endif()
string(REGEX MATCHALL "-D[A-Z_]+=[A-Z]+" fixed_options "${CMAKE_MATCH_1}")

# What each feature must depend on.
foreach(rule IN ITEMS "sqlite:sqlite3" "postgres:libpq" "signing:openssl" "http:boost-beast"
        "http:boost-asio[ssl]" "http:hookbox[signing]" "tools:hookbox[sqlite]")
    string(REPLACE ":" ";" rule "${rule}")
    list(GET rule 0 feature)
    list(GET rule 1 dep)
    if(NOT dep IN_LIST ${feature}_deps)
        message(FATAL_ERROR "vcpkg.json: feature '${feature}' must depend on ${dep}; it has: ${${feature}_deps}")
    endif()
endforeach()
if("openssl" IN_LIST http_deps)
    message(FATAL_ERROR "vcpkg.json: feature 'http' takes TLS from boost-asio[ssl], not from a bare openssl")
endif()

# Configures the project as the port does with the features given, and checks what it offers.
# expect: the components whose export files `cmake --install` must write; tool: ON or OFF.
function(check_features label features_on expect tool)
    set(options ${fixed_options})
    foreach(feature IN LISTS features)
        if(feature IN_LIST features_on)
            list(APPEND options -D${switch_${feature}}=ON)
        else()
            list(APPEND options -D${switch_${feature}}=OFF)
        endif()
    endforeach()
    set(build "${WORK_DIR}/${label}")
    consumer_run("configuring as hookbox[${label}]" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${build}/build"
        -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release ${options})
    execute_process(COMMAND "${CMAKE_COMMAND}" --build "${build}/build" --target help OUTPUT_VARIABLE help)
    if(tool AND NOT help MATCHES "hookbox_cli")
        message(FATAL_ERROR "hookbox[${label}] has no target for the tool")
    elseif(NOT tool AND help MATCHES "hookbox_cli")
        message(FATAL_ERROR "hookbox[${label}] builds the tool, which only feature tools asks for")
    endif()
    if(NOT tool)
        # Header-only: nothing to build before installing.
        consumer_run("installing hookbox[${label}]" "${CMAKE_COMMAND}" --install "${build}/build"
            --prefix "${build}/prefix")
        foreach(component IN ITEMS Sqlite Postgres Signing Http)
            string(TOLOWER "${component}" lower)
            set(file "${build}/prefix/share/hookbox/hookbox${component}Targets.cmake")
            if(lower IN_LIST expect AND NOT EXISTS "${file}")
                message(FATAL_ERROR "hookbox[${label}] installs no hookbox::${lower}")
            elseif(NOT lower IN_LIST expect AND EXISTS "${file}")
                message(FATAL_ERROR "hookbox[${label}] installs hookbox::${lower}, which it did not ask for")
            endif()
        endforeach()
    endif()
    message(STATUS "hookbox[${label}]: components '${expect}', tool ${tool}: ok")
endfunction()

check_features(core "" "" OFF)
check_features(sqlite "sqlite" "sqlite" OFF)
check_features(postgres "postgres" "postgres" OFF)
check_features(signing "signing" "signing" OFF)
check_features(http "http;signing" "http;signing" OFF)
check_features(tools "tools;sqlite" "sqlite" ON)

# HOOKBOX_WITH_HTTP=ON without what hookbox::http needs fails, naming the switch and what is missing;
# AUTO leaves hookbox::http out instead.
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/http-without-signing"
        -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${fixed_options}
        -DHOOKBOX_WITH_OPENSSL=OFF -DHOOKBOX_WITH_HTTP=ON
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[ \n]+" " " err_flat "${err}")  # CMake wraps its messages
if(NOT rc OR NOT err_flat MATCHES "HOOKBOX_WITH_HTTP is ON, and hookbox::http needs what was not found: hookbox::signing")
    message(FATAL_ERROR "HOOKBOX_WITH_HTTP=ON with HOOKBOX_WITH_OPENSSL=OFF: exit status ${rc}, expected an error "
                        "naming HOOKBOX_WITH_HTTP and hookbox::signing:\n${err}")
endif()
message(STATUS "HOOKBOX_WITH_HTTP=ON without signing refused: ok")
consumer_run("configuring with HOOKBOX_WITH_OPENSSL=OFF and HOOKBOX_WITH_HTTP=AUTO" "${CMAKE_COMMAND}"
    -S "${SOURCE_DIR}" -B "${WORK_DIR}/http-auto/build" -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    ${fixed_options} -DHOOKBOX_BUILD_TOOLS=OFF -DHOOKBOX_WITH_OPENSSL=OFF)
consumer_run("installing it" "${CMAKE_COMMAND}" --install "${WORK_DIR}/http-auto/build" --prefix "${WORK_DIR}/http-auto/prefix")
foreach(component IN ITEMS Signing Http)
    if(EXISTS "${WORK_DIR}/http-auto/prefix/share/hookbox/hookbox${component}Targets.cmake")
        message(FATAL_ERROR "HOOKBOX_WITH_OPENSSL=OFF with HOOKBOX_WITH_HTTP=AUTO installs hookbox${component}Targets.cmake")
    endif()
endforeach()
message(STATUS "HOOKBOX_WITH_HTTP=AUTO without signing leaves hookbox::http out: ok")
