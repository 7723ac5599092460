file(REMOVE_RECURSE
  "CMakeFiles/unionsync-server.dir/server/unionsync_server.c.o"
  "CMakeFiles/unionsync-server.dir/server/unionsync_server.c.o.d"
  "unionsync-server"
  "unionsync-server.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/unionsync-server.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
