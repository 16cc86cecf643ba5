# `cmake --install` and the Debian package (CPack). Included last from the
# top-level CMakeLists.txt, once every target exists.
include(GNUInstallDirs)

install(TARGETS camoufleet aistudio-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The driver's site knowledge: the installed binary finds it at
# <prefix>/share/camoufleet/site/ relative to itself.
install(FILES ${CAMOUFLEET_SITE_DIR}/aistudio.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/camoufleet/site)
install(FILES README.md docs/guide.md docs/profiles.md docs/reliability.md docs/aistudio-site.md
              docs/install.md docs/nodes.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES auth_profiles/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/auth_profiles)
# The service: the unit, and the configuration postinst copies to
# /etc/camoufleet/camoufleet.env when there is none yet (relative paths
# only, so `cmake --install --prefix ~/x` never writes outside the prefix).
install(FILES packaging/camoufleet.service DESTINATION lib/systemd/system)
install(FILES packaging/camoufleet.env DESTINATION ${CMAKE_INSTALL_DATADIR}/camoufleet)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "camoufleet")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "camoufleet maintainers <camoufleet@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "OpenAI-compatible API over a fleet of logged-in browsers (Google AI Studio)")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
# Library dependencies come from the linked binaries (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
# A browser is recommended, not required: attach mode (CAMOUFOX_WS_ENDPOINT)
# drives a browser that runs elsewhere, and users pick chromium, its
# lighter headless shell (--browser /usr/bin/chromium-headless-shell) or Firefox.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "chromium | chromium-headless-shell | firefox-esr")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "xvfb, xauth")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/postinst;${PROJECT_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES TRUE)
include(CPack)
