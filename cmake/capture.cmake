# Runs EXE with ARGS (a ;-list) and writes its standard output to OUT; fails
# the build when the program fails. Used to make the man pages and the bash
# completion from the programs' own command tables.
execute_process (COMMAND ${EXE} ${ARGS} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if (NOT rc EQUAL 0)
    file (REMOVE ${OUT}.tmp)
    message (FATAL_ERROR "${EXE} ${ARGS} failed: ${rc}")
endif ()
file (RENAME ${OUT}.tmp ${OUT})
