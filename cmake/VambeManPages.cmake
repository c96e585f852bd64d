# Man pages of the three programs, written at build time by help2man from
# each program's --help and its commands' (cmake/man_help.py), gzipped with
# -9n as Debian wants (no name or time stamp in the .gz, so a rebuild gives
# the same bytes), installed into share/man/man1. Included from
# cmake/VambePackaging.cmake; a sanitizer build makes none (it is never
# packaged).
include_guard(GLOBAL)

if(VAMBE_SANITIZERS)
    return()
endif()
find_program(VAMBE_HELP2MAN help2man)
find_program(VAMBE_GZIP gzip)
find_package(Python3 COMPONENTS Interpreter)
if(NOT VAMBE_HELP2MAN OR NOT VAMBE_GZIP OR NOT Python3_Interpreter_FOUND)
    message(WARNING "help2man, gzip or python3 not found: no man pages "
                    "(bash scripts/deps.sh installs them)")
    return()
endif()

# Columns: program target, the one line of its NAME section.
set(_vambe_man_pages
    "vambe-harness|test a Vambe webhook receiver against the conformance suite"
    "vambe-mock|mock Vambe webhook server: management API, signed deliveries, retries"
    "vambe-receiver|reference Vambe webhook receiver, with flaws to switch on")
set(_vambe_man_dir ${PROJECT_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${_vambe_man_dir})
set(_vambe_man_outputs "")
set(_vambe_man_programs "")
foreach(entry IN LISTS _vambe_man_pages)
    string(REPLACE "|" ";" kv "${entry}")
    list(GET kv 0 prog)
    list(GET kv 1 name)
    if(NOT TARGET ${prog})
        continue()
    endif()
    set(page ${_vambe_man_dir}/${prog}.1)
    # help2man runs "<EXECUTABLE> --help" through the shell: the wrapper
    # and the program go in as one quoted string.
    add_custom_command(
        OUTPUT ${page}.gz
        COMMAND ${VAMBE_HELP2MAN} --no-info --section=1 "--name=${name}"
                "--source=${PROJECT_NAME} ${PROJECT_VERSION}"
                "--manual=Vambe Webhook Conformance Kit"
                --help-option=--help --version-option=--version --output=${page}
                "'${Python3_EXECUTABLE}' '${PROJECT_SOURCE_DIR}/cmake/man_help.py' '$<TARGET_FILE:${prog}>'"
        COMMAND ${VAMBE_GZIP} -9nf ${page}
        DEPENDS ${prog} ${PROJECT_SOURCE_DIR}/cmake/man_help.py
        COMMENT "Writing the man page of ${prog}"
        VERBATIM)
    list(APPEND _vambe_man_outputs ${page}.gz)
    list(APPEND _vambe_man_programs $<TARGET_FILE:${prog}>)
endforeach()
add_custom_target(vambe-man-pages ALL DEPENDS ${_vambe_man_outputs})
install(FILES ${_vambe_man_outputs} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

if(BUILD_TESTING)
    add_test(NAME install.man_flags
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/install/test_man_flags.py
                     ${_vambe_man_dir} ${_vambe_man_programs})
    set_tests_properties(install.man_flags PROPERTIES LABELS install TIMEOUT 60)
endif()
