file(REMOVE_RECURSE
  "CMakeFiles/us-faultproxy.dir/tests/faultproxy/us_faultproxy.c.o"
  "CMakeFiles/us-faultproxy.dir/tests/faultproxy/us_faultproxy.c.o.d"
  "us-faultproxy"
  "us-faultproxy.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/us-faultproxy.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
