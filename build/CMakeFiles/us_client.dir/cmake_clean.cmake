file(REMOVE_RECURSE
  "CMakeFiles/us_client.dir/client/us_dstore.c.o"
  "CMakeFiles/us_client.dir/client/us_dstore.c.o.d"
  "CMakeFiles/us_client.dir/client/us_sync.c.o"
  "CMakeFiles/us_client.dir/client/us_sync.c.o.d"
  "libus_client.a"
  "libus_client.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/us_client.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
