file(REMOVE_RECURSE
  "CMakeFiles/us_proto.dir/proto/unionsync.pb-c.c.o"
  "CMakeFiles/us_proto.dir/proto/unionsync.pb-c.c.o.d"
  "libus_proto.a"
  "libus_proto.pdb"
  "proto/unionsync.pb-c.c"
  "proto/unionsync.pb-c.h"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/us_proto.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
