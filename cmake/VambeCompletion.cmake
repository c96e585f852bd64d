# Bash completion of the three programs, written at build time from the
# built programs' own --help and their commands' (scripts/gen-completion.py,
# whose runtime is scripts/completion-runtime.bash): --help is printed from
# the option table in each cli.c, so the completion follows the tables with
# no second list to keep in step, and relinking a program writes it again.
# Installed as share/bash-completion/completions/<program>, one file per
# program, where bash-completion loads it the first time the program is
# completed; the files need only bash itself. Tested by completion.bash.
# Included from the root CMakeLists.txt once every program target exists.
include_guard(GLOBAL)

option(VAMBE_COMPLETION "Write and install the bash completion of the programs" ON)
if(NOT VAMBE_COMPLETION)
    return()
endif()
if(CMAKE_CROSSCOMPILING)
    message(STATUS "bash completion: none (the programs' --help cannot run on this host)")
    return()
endif()
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
    message(WARNING "python3 not found: no bash completion (bash scripts/deps.sh installs it)")
    return()
endif()

set(_vambe_completion_dir ${PROJECT_BINARY_DIR}/completion)
set(_vambe_completion_outputs "")
set(_vambe_completion_args "")
set(_vambe_completion_env "")
# Columns: program target, the variable the test finds its binary in.
foreach(entry "vambe-harness|VAMBE_HARNESS_BIN" "vambe-mock|VAMBE_MOCK_BIN"
              "vambe-receiver|VAMBE_RECEIVER_BIN")
    string(REPLACE "|" ";" kv "${entry}")
    list(GET kv 0 prog)
    list(GET kv 1 var)
    if(NOT TARGET ${prog})
        continue()
    endif()
    list(APPEND _vambe_completion_outputs ${_vambe_completion_dir}/${prog})
    list(APPEND _vambe_completion_args --program ${prog}=$<TARGET_FILE:${prog}>)
    list(APPEND _vambe_completion_env ${var}=$<TARGET_FILE:${prog}>)
endforeach()
if(NOT _vambe_completion_outputs)
    return()
endif()

# One run writes every program's file: the scheme names come from
# vambe-harness schemes and serve the other two programs' --scheme as well.
# DEPENDS on the targets: a relinked program means a new --help.
list(TRANSFORM _vambe_completion_outputs REPLACE "^.*/" "" OUTPUT_VARIABLE _vambe_completion_progs)
list(JOIN _vambe_completion_progs ", " _vambe_completion_names)
add_custom_command(
    OUTPUT ${_vambe_completion_outputs}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/gen-completion.py
            --runtime ${PROJECT_SOURCE_DIR}/scripts/completion-runtime.bash
            --out-dir ${_vambe_completion_dir} ${_vambe_completion_args}
    DEPENDS ${_vambe_completion_progs} ${PROJECT_SOURCE_DIR}/scripts/gen-completion.py
            ${PROJECT_SOURCE_DIR}/scripts/completion-runtime.bash
    COMMENT "Writing the bash completion of ${_vambe_completion_names} from their --help"
    VERBATIM)
add_custom_target(vambe-completion ALL DEPENDS ${_vambe_completion_outputs})
install(FILES ${_vambe_completion_outputs}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

if(BUILD_TESTING)
    find_program(VAMBE_BASH bash)
    list(LENGTH _vambe_completion_outputs _vambe_completion_n)
    if(VAMBE_BASH AND _vambe_completion_n EQUAL 3)
        add_test(NAME completion.bash
                 COMMAND ${VAMBE_BASH} ${PROJECT_SOURCE_DIR}/tests/completion/test_completion.sh
                         ${PROJECT_BINARY_DIR})
        set_tests_properties(completion.bash PROPERTIES LABELS completion TIMEOUT 120
                             ENVIRONMENT "${_vambe_completion_env}")
    endif()
endif()
