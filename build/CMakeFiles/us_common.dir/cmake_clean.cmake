file(REMOVE_RECURSE
  "CMakeFiles/us_common.dir/common/us_args.c.o"
  "CMakeFiles/us_common.dir/common/us_args.c.o.d"
  "CMakeFiles/us_common.dir/common/us_catalog.c.o"
  "CMakeFiles/us_common.dir/common/us_catalog.c.o.d"
  "CMakeFiles/us_common.dir/common/us_codec.c.o"
  "CMakeFiles/us_common.dir/common/us_codec.c.o.d"
  "CMakeFiles/us_common.dir/common/us_csv.c.o"
  "CMakeFiles/us_common.dir/common/us_csv.c.o.d"
  "CMakeFiles/us_common.dir/common/us_db.c.o"
  "CMakeFiles/us_common.dir/common/us_db.c.o.d"
  "CMakeFiles/us_common.dir/common/us_error.c.o"
  "CMakeFiles/us_common.dir/common/us_error.c.o.d"
  "CMakeFiles/us_common.dir/common/us_hlc.c.o"
  "CMakeFiles/us_common.dir/common/us_hlc.c.o.d"
  "CMakeFiles/us_common.dir/common/us_keys.c.o"
  "CMakeFiles/us_common.dir/common/us_keys.c.o.d"
  "CMakeFiles/us_common.dir/common/us_log.c.o"
  "CMakeFiles/us_common.dir/common/us_log.c.o.d"
  "CMakeFiles/us_common.dir/common/us_period.c.o"
  "CMakeFiles/us_common.dir/common/us_period.c.o.d"
  "CMakeFiles/us_common.dir/common/us_report.c.o"
  "CMakeFiles/us_common.dir/common/us_report.c.o.d"
  "CMakeFiles/us_common.dir/common/us_text.c.o"
  "CMakeFiles/us_common.dir/common/us_text.c.o.d"
  "CMakeFiles/us_common.dir/us_default_catalog.c.o"
  "CMakeFiles/us_common.dir/us_default_catalog.c.o.d"
  "libus_common.a"
  "libus_common.pdb"
  "us_default_catalog.c"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/us_common.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
