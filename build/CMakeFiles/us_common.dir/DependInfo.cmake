
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/common/us_args.c" "CMakeFiles/us_common.dir/common/us_args.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_args.c.o.d"
  "/work/main/common/us_catalog.c" "CMakeFiles/us_common.dir/common/us_catalog.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_catalog.c.o.d"
  "/work/main/common/us_codec.c" "CMakeFiles/us_common.dir/common/us_codec.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_codec.c.o.d"
  "/work/main/common/us_csv.c" "CMakeFiles/us_common.dir/common/us_csv.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_csv.c.o.d"
  "/work/main/common/us_db.c" "CMakeFiles/us_common.dir/common/us_db.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_db.c.o.d"
  "/work/main/common/us_error.c" "CMakeFiles/us_common.dir/common/us_error.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_error.c.o.d"
  "/work/main/common/us_hlc.c" "CMakeFiles/us_common.dir/common/us_hlc.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_hlc.c.o.d"
  "/work/main/common/us_keys.c" "CMakeFiles/us_common.dir/common/us_keys.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_keys.c.o.d"
  "/work/main/common/us_log.c" "CMakeFiles/us_common.dir/common/us_log.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_log.c.o.d"
  "/work/main/common/us_period.c" "CMakeFiles/us_common.dir/common/us_period.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_period.c.o.d"
  "/work/main/common/us_report.c" "CMakeFiles/us_common.dir/common/us_report.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_report.c.o.d"
  "/work/main/common/us_text.c" "CMakeFiles/us_common.dir/common/us_text.c.o" "gcc" "CMakeFiles/us_common.dir/common/us_text.c.o.d"
  "/work/main/build/us_default_catalog.c" "CMakeFiles/us_common.dir/us_default_catalog.c.o" "gcc" "CMakeFiles/us_common.dir/us_default_catalog.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/us_proto.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
