# Installation and the Debian package.
#
# `cmake --install BUILD` puts the two programs in bin/ (and the office
# program's sheets and desk, and the server's service and desk, in
# libexec/unionsync/), their man pages
# (written at build time by `PROGRAM --help-man` from the command tables)
# in share/man/man1/, their bash completion (`PROGRAM completion bash`) in
# share/bash-completion/completions/, the default catalog and the demo
# province in share/unionsync/, and the province's systemd units (the
# server, its nightly backup and the backup's timer) in lib/systemd/system/. `cpack -G DEB` in a build directory makes a .deb of
# the same files; its library dependencies are read from the binaries.

include (GNUInstallDirs)

set (US_GENERATED ${CMAKE_BINARY_DIR}/generated)
file (MAKE_DIRECTORY ${US_GENERATED})
set (US_GENERATED_FILES)
foreach (prog unionsync unionsync-server)
    add_custom_command (
        OUTPUT ${US_GENERATED}/${prog}.1
        COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${prog}> -DARGS=--help-man
                -DOUT=${US_GENERATED}/${prog}.1 -P ${CMAKE_SOURCE_DIR}/cmake/capture.cmake
        DEPENDS ${prog} ${CMAKE_SOURCE_DIR}/cmake/capture.cmake
        COMMENT "man page of ${prog}")
    add_custom_command (
        OUTPUT ${US_GENERATED}/${prog}.bash
        COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${prog}> "-DARGS=completion\\;bash"
                -DOUT=${US_GENERATED}/${prog}.bash -P ${CMAKE_SOURCE_DIR}/cmake/capture.cmake
        DEPENDS ${prog} ${CMAKE_SOURCE_DIR}/cmake/capture.cmake
        COMMENT "bash completion of ${prog}")
    list (APPEND US_GENERATED_FILES ${US_GENERATED}/${prog}.1 ${US_GENERATED}/${prog}.bash)
    install (FILES ${US_GENERATED}/${prog}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    install (FILES ${US_GENERATED}/${prog}.bash
             DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${prog})
endforeach ()
add_custom_target (us_docs ALL DEPENDS ${US_GENERATED_FILES})

install (TARGETS unionsync unionsync-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# What `unionsync import`, `template` and `ui` run (client/unionsync.c finds
# it at ../libexec/unionsync/ from the program, or beside it in a build).
install (TARGETS unionsync-office RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/unionsync)
# What `unionsync-server serve` and `ui` run (server/unionsync_server.c
# finds it the same way).
install (TARGETS unionsync-province RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/unionsync)
install (FILES ${CMAKE_SOURCE_DIR}/data/indicators.csv ${CMAKE_SOURCE_DIR}/data/quangtri-units.csv
         DESTINATION ${CMAKE_INSTALL_DATADIR}/unionsync)
install (FILES ${CMAKE_SOURCE_DIR}/data/systemd/unionsync-server.service
               ${CMAKE_SOURCE_DIR}/data/systemd/unionsync-backup.service
               ${CMAKE_SOURCE_DIR}/data/systemd/unionsync-backup.timer
         DESTINATION lib/systemd/system)

set (CPACK_GENERATOR DEB)
set (CPACK_PACKAGE_NAME unionsync)
set (CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set (CPACK_PACKAGE_VENDOR "unionsync")
set (CPACK_PACKAGE_DESCRIPTION_SUMMARY
     "union report figures synced from district offices to the province")
set (CPACK_PACKAGE_DESCRIPTION "unionsync carries the periodic report figures of Vietnam's \
trade unions from the district and sector union offices to their provincial federation. \
The package holds the office's command (unionsync), the province's server \
(unionsync-server) with its systemd unit, man pages and bash completion.")
set (CPACK_PACKAGING_INSTALL_PREFIX /usr)
set (CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set (CPACK_DEBIAN_PACKAGE_MAINTAINER "unionsync maintainers <unionsync@localhost>")
set (CPACK_DEBIAN_PACKAGE_SECTION misc)
set (CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set (CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Beyond what the symbols say: SQLite's RETURNING (3.35) and libzmq's
# handshake events (4.3), which the stores and the probe rely on.
set (CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libsqlite3-0 (>= 3.35), libzmq5 (>= 4.3)")
set (CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
     ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
     ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
     ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set (CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include (CPack)
