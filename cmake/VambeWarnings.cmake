# vambe_warnings: an INTERFACE target carrying the kit's warning, sanitizer
# and coverage flags. Every kit target links it; nothing touches
# CMAKE_C_FLAGS.
add_library(vambe_warnings INTERFACE)
target_compile_options(vambe_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla -Wpointer-arith -Wundef
    -Wimplicit-fallthrough)
if(VAMBE_WERROR)
    target_compile_options(vambe_warnings INTERFACE -Werror)
endif()
target_compile_definitions(vambe_warnings INTERFACE _GNU_SOURCE)

if(VAMBE_SANITIZERS)
    string(REPLACE ";" "," _vambe_san "${VAMBE_SANITIZERS}")
    target_compile_options(vambe_warnings INTERFACE
        -fsanitize=${_vambe_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(vambe_warnings INTERFACE -fsanitize=${_vambe_san})
endif()

if(VAMBE_COVERAGE)
    target_compile_options(vambe_warnings INTERFACE --coverage -O0)
    target_link_options(vambe_warnings INTERFACE --coverage)
endif()
