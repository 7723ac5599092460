
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/server/us_audit.c" "CMakeFiles/us_server.dir/server/us_audit.c.o" "gcc" "CMakeFiles/us_server.dir/server/us_audit.c.o.d"
  "/work/main/server/us_handler.c" "CMakeFiles/us_server.dir/server/us_handler.c.o" "gcc" "CMakeFiles/us_server.dir/server/us_handler.c.o.d"
  "/work/main/server/us_merge.c" "CMakeFiles/us_server.dir/server/us_merge.c.o" "gcc" "CMakeFiles/us_server.dir/server/us_merge.c.o.d"
  "/work/main/server/us_pstore.c" "CMakeFiles/us_server.dir/server/us_pstore.c.o" "gcc" "CMakeFiles/us_server.dir/server/us_pstore.c.o.d"
  "/work/main/server/us_service.c" "CMakeFiles/us_server.dir/server/us_service.c.o" "gcc" "CMakeFiles/us_server.dir/server/us_service.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/us_common.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/us_proto.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
