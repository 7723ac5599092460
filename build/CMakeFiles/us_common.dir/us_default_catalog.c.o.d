CMakeFiles/us_common.dir/us_default_catalog.c.o: \
 /work/main/build/us_default_catalog.c /usr/include/stdc-predef.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
