# Turns a text file into a C source defining us_default_catalog[] and its length.
file (READ ${IN} HEXDATA HEX)
string (LENGTH "${HEXDATA}" HEXLEN)
math (EXPR LEN "${HEXLEN} / 2")
string (REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEXDATA}")
file (WRITE ${OUT} "#include <stddef.h>\nconst char us_default_catalog [] = {${BYTES} 0};\nconst size_t us_default_catalog_len = ${LEN};\n")
