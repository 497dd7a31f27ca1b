# `cmake --install` and the Debian package (cpack -G DEB).
#   /usr/bin/manufactory-agent
#   /usr/lib/systemd/system/manufactory-agent.{service,socket}
#   /usr/lib/tmpfiles.d/manufactory-agent.conf   (the runtime directory, the service's)
#   /etc/manufactory-agent/config.yaml        (package only; a conffile)
#   /usr/share/doc/manufactory-agent/         README, docs/, example configs, copyright, changelog
#   /usr/share/man/man1/manufactory-agent.1.gz, man5/manufactory-agent.yaml.5.gz
include(GNUInstallDirs)

install(TARGETS manufactory-agent RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES systemd/manufactory-agent.service systemd/manufactory-agent.socket
        DESTINATION lib/systemd/system)
install(FILES systemd/manufactory-agent.tmpfiles DESTINATION lib/tmpfiles.d RENAME manufactory-agent.conf)
set(MF_DOC_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/manufactory-agent)
install(FILES README.md DESTINATION ${MF_DOC_DIR})
file(GLOB _docs ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${_docs} DESTINATION ${MF_DOC_DIR}/docs)
install(FILES config/manufactory-agent.yaml DESTINATION ${MF_DOC_DIR}/examples RENAME config.yaml)
install(DIRECTORY config/examples/ DESTINATION ${MF_DOC_DIR}/examples)

# The packaged config: the example with the three required keys commented
# out, so a fresh install stays down until someone fills them in.
file(READ ${PROJECT_SOURCE_DIR}/config/manufactory-agent.yaml _example)
string(REGEX REPLACE "\n(org_id|project_id|project_key):" "\n# \\1:" _packaged "${_example}")
string(PREPEND _packaged "# For Manufactory: fill in org_id, project_id and project_key below. For\n"
                         "# SAMA, OISP or MobiusFlow: see the commented sections at the end.\n"
                         "# Check with\n"
                         "#   manufactory-agent check-config\n"
                         "# then: systemctl start manufactory-agent\n\n")
# Every other platform's example, commented, at the end: what to write instead
# of the Manufactory keys (platform:, its section, its collector).
file(GLOB _other_examples ${PROJECT_SOURCE_DIR}/config/examples/*.yaml)
list(SORT _other_examples)
foreach(_example ${_other_examples})
  get_filename_component(_platform ${_example} NAME_WE)
  file(READ ${_example} _other)
  string(REGEX REPLACE "\n$" "" _other "${_other}")
  string(REGEX REPLACE "\n" "\n#   " _other "${_other}")
  string(APPEND _packaged "\n# ===== platform: ${_platform} ==========================================\n"
                          "# Instead of the Manufactory keys (org_id, project_id, project_key, session,\n"
                          "# schema) and the collector and actor sections above:\n#   ${_other}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/packaging/config.yaml "${_packaged}")

# Debian's changelog and copyright, where lintian looks for them.
set(_pkgdoc ${CMAKE_BINARY_DIR}/packaging/doc)
file(MAKE_DIRECTORY ${_pkgdoc})
add_custom_command(OUTPUT ${_pkgdoc}/changelog.Debian.gz
  COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/packaging/debian/changelog > ${_pkgdoc}/changelog.Debian.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog)
# The man pages, gzipped as Debian wants them. The key list in the yaml(5)
# page is generated from the key declarations (tools/update-docs.sh; a test
# keeps it equal), so building it needs no target binary: cross builds too.
set(_man_pages manufactory-agent.1 manufactory-agent.yaml.5)
set(_man_outputs)
foreach(_page ${_man_pages})
  add_custom_command(OUTPUT ${_pkgdoc}/${_page}.gz
    COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/docs/man/${_page} > ${_pkgdoc}/${_page}.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${_page})
  list(APPEND _man_outputs ${_pkgdoc}/${_page}.gz)
endforeach()
add_custom_target(mf_package_docs ALL DEPENDS ${_pkgdoc}/changelog.Debian.gz ${_man_outputs})
install(FILES ${_pkgdoc}/manufactory-agent.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${_pkgdoc}/manufactory-agent.yaml.5.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# Never over an operator's config: a by-hand `cmake --install` keeps an existing one.
# It holds no secret yet; postinst (or the README, by hand) makes it root:manufactory 0640.
install(CODE "
  set(_config \"\$ENV{DESTDIR}/etc/manufactory-agent/config.yaml\")
  if(EXISTS \"\${_config}\")
    message(STATUS \"Keeping existing: \${_config}\")
  else()
    file(INSTALL \"${CMAKE_BINARY_DIR}/packaging/config.yaml\" DESTINATION /etc/manufactory-agent)
  endif()")
install(FILES ${_pkgdoc}/changelog.Debian.gz packaging/debian/copyright DESTINATION ${MF_DOC_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME manufactory-agent)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "manufactory-agent maintainers <maintainers@manufactory-agent.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "edge agent delivering local events to Manufactory, SAMA, OISP or MobiusFlow")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "A small daemon for gateways and devices. Local programs hand it actor events
 over a Unix socket; it keeps them in a bounded buffer (memory or disk) and
 delivers them, each confirmed by the server, at least once and in order per
 actor, to one platform: the Manufactory collector (WebSocket), a SAMA chat
 server (WebSocket), the Open IoT Service Platform (REST batches) or the
 MobiusFlow Engine API (REST writes). It renews its credentials before they
 expire. Runs sandboxed under systemd with socket activation.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://manufactory-agent.invalid/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
if(CMAKE_CROSSCOMPILING)
  # dpkg-shlibdeps knows only the host's libraries; a cross build links
  # everything but libc and libmosquitto statically (MF_STATIC_DEPS).
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libmosquitto1 (>= 2.0), adduser")
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
endif()
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
