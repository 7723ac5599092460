file(REMOVE_RECURSE
  "CMakeFiles/us_server.dir/server/us_audit.c.o"
  "CMakeFiles/us_server.dir/server/us_audit.c.o.d"
  "CMakeFiles/us_server.dir/server/us_handler.c.o"
  "CMakeFiles/us_server.dir/server/us_handler.c.o.d"
  "CMakeFiles/us_server.dir/server/us_merge.c.o"
  "CMakeFiles/us_server.dir/server/us_merge.c.o.d"
  "CMakeFiles/us_server.dir/server/us_pstore.c.o"
  "CMakeFiles/us_server.dir/server/us_pstore.c.o.d"
  "CMakeFiles/us_server.dir/server/us_service.c.o"
  "CMakeFiles/us_server.dir/server/us_service.c.o.d"
  "libus_server.a"
  "libus_server.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/us_server.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
