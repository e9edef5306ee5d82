# Writes the completion script of one shell, as the built tool prints it:
#   cmake -DTOOL=<hookbox> -DSHELL_NAME=bash|zsh|fish -DOUTPUT=<file> -P write_completion.cmake
get_filename_component(dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
execute_process(COMMAND "${TOOL}" completion "${SHELL_NAME}"
                OUTPUT_FILE "${OUTPUT}.tmp" ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    file(REMOVE "${OUTPUT}.tmp")
    message(FATAL_ERROR "'${TOOL} completion ${SHELL_NAME}' failed (${rc}): ${err}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
