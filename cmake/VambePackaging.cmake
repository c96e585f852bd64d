# The kit as a Debian package: `cmake --build <dir> --target package` (or
# scripts/package.sh) writes <dir>/vambe-kit_<version>_<arch>.deb with
# every install rule of the project: the three programs (stripped), the
# built-in suite and schemes, the man pages (cmake/VambeManPages.cmake),
# the documentation, the changelog and the copyright file. The version is
# project()'s, the one the programs print with --version. Included from the
# root CMakeLists.txt once every program target exists.
include_guard(GLOBAL)

include(VambeManPages)

set(VAMBE_PACKAGE_MAINTAINER "Vambe Webhook Conformance Kit maintainers <vambe-kit@example.com>"
    CACHE STRING "The .deb's Maintainer and changelog signature: Name <address>")

# Documentation, in /usr/share/doc/vambe-kit; docs/ keeps its folder so the
# README's links (docs/checks.md, ...) still lead somewhere.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/cmake/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md")

# changelog.gz, the Debian changelog of a native package, written from
# CHANGELOG.md (whose newest release must be this version: the build says
# so otherwise) and gzipped with -9n.
find_package(Python3 COMPONENTS Interpreter)
find_program(VAMBE_GZIP gzip)
if(Python3_Interpreter_FOUND AND VAMBE_GZIP)
    set(_vambe_changelog ${PROJECT_BINARY_DIR}/debian/changelog)
    add_custom_command(
        OUTPUT ${_vambe_changelog}.gz
        COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/debian
        COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/debian_changelog.py
                ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${_vambe_changelog} ${PROJECT_NAME}
                ${PROJECT_VERSION} ${VAMBE_PACKAGE_MAINTAINER}
        COMMAND ${VAMBE_GZIP} -9nf ${_vambe_changelog}
        DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${PROJECT_SOURCE_DIR}/cmake/debian_changelog.py
        COMMENT "Writing the Debian changelog from CHANGELOG.md"
        VERBATIM)
    add_custom_target(vambe-changelog ALL DEPENDS ${_vambe_changelog}.gz)
    install(FILES ${_vambe_changelog}.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
else()
    message(WARNING "python3 or gzip not found: no changelog.gz in the package "
                    "(bash scripts/deps.sh installs them)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${PROJECT_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${VAMBE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "conformance tests, mock server and reference for Vambe webhooks")
# The extended description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "The Vambe Webhook Conformance Kit makes a receiver of Vambe webhooks
correct before it meets production, offline and in CI, without a Vambe
account. vambe-harness runs the conformance suite (latency, status codes,
idempotency, signatures, ordering) against a receiver's URL, writes JUnit
XML, JSON, Markdown and HTML reports, and exits non-zero when the receiver
does not conform. vambe-mock is a mock Vambe server: the webhook
management API, signed topic events, retries with backoff, duplicates and
a call log. vambe-receiver is a reference receiver that does everything
right, with --flaw switches that break it on purpose.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # vambe-kit_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the programs link, by dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Folders in the package are 0755 whatever the umask of whoever builds it.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Strips the programs as they are installed into the package.
set(CPACK_STRIP_FILES ON)
# Only the binary package: no source archive of the working tree.
set(CPACK_SOURCE_GENERATOR "")
include(CPack)

# install.deb builds the package, unpacks it and runs it from there. Not in
# a sanitizer or coverage build: neither is packaged, and a coverage build's
# programs carry the build folder's path on purpose (for their .gcda files).
if(BUILD_TESTING AND NOT VAMBE_SANITIZERS AND NOT VAMBE_COVERAGE)
    add_test(NAME install.deb
             COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install/test_deb.sh ${PROJECT_BINARY_DIR}
                     ${PROJECT_SOURCE_DIR} ${PROJECT_VERSION})
    set_tests_properties(install.deb PROPERTIES
        LABELS install TIMEOUT 900 RESOURCE_LOCK vambe_package)
endif()
