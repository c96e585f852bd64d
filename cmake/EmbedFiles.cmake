# Writes OUT, a C file holding the bytes of FILES, so that a program needs
# none of them at run time. Run with cmake -P from a CMakeLists.txt:
#
#   cmake -DOUT=<file.c> -DHEADER=<dir/header.h> -DTYPE=<struct tag>
#         -DTABLE=<symbol> -DFILES=<a,b,...> [-DNAMES=<a,b,...>]
#         [-DSOURCE=<what to name in the "generated from" line>]
#         -P cmake/EmbedFiles.cmake
#
# HEADER defines `struct TYPE { const char *name; const char *text; size_t
# len; }` (members in that order) and declares the two symbols written here:
#
#   const struct TYPE TABLE[];   one row per file, in the order of FILES
#   const size_t TABLE_count;
#
# Each file's bytes are followed by a NUL that len does not count, so text
# files can be used as C strings. NAMES (a comma list, one per file) gives
# each row's name; without it the name is the file's own name (app.js).
# Lists are comma-separated because a ';' would split the -D argument.
string(REPLACE "," ";" files "${FILES}")
if(DEFINED NAMES AND NOT NAMES STREQUAL "")
    string(REPLACE "," ";" names "${NAMES}")
else()
    set(names "")
    foreach(path IN LISTS files)
        get_filename_component(base "${path}" NAME)
        list(APPEND names "${base}")
    endforeach()
endif()
list(LENGTH files n_files)
list(LENGTH names n_names)
if(NOT n_files EQUAL n_names)
    message(FATAL_ERROR "EmbedFiles: ${n_files} files but ${n_names} names")
endif()
if(NOT DEFINED SOURCE OR SOURCE STREQUAL "")
    set(SOURCE "${FILES}")
endif()

set(body "/* Generated from ${SOURCE} by cmake/EmbedFiles.cmake: do not edit. */\n")
string(APPEND body "#include \"${HEADER}\"\n\n")
set(table "")
set(i 0)
foreach(path IN LISTS files)
    list(GET names ${i} name)
    file(READ "${path}" hex HEX)
    string(LENGTH "${hex}" hex_len)
    math(EXPR len "${hex_len} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    # unsigned char: bytes over 0x7f (UTF-8) would overflow a plain char.
    string(APPEND body "static const unsigned char text_${i}[] = {${bytes}0x00};\n")
    string(APPEND table "    {\"${name}\", (const char *)text_${i}, ${len}},\n")
    math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\nconst struct ${TYPE} ${TABLE}[] = {\n${table}};\n")
string(APPEND body "const size_t ${TABLE}_count = ${i};\n")
# Written to a temporary file and copied only when it changed, so that an
# unchanged result does not rebuild what depends on it.
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
