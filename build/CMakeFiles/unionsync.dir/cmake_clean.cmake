file(REMOVE_RECURSE
  "CMakeFiles/unionsync.dir/client/unionsync.c.o"
  "CMakeFiles/unionsync.dir/client/unionsync.c.o.d"
  "unionsync"
  "unionsync.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/unionsync.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
