/* The built-in scheme files' text, generated into the build tree from
 * schemes/<name>.json (cmake/EmbedFiles.cmake). Internal to core/scheme*.c. */
#ifndef CORE_SCHEME_TEXTS_H
#define CORE_SCHEME_TEXTS_H

#include <stddef.h>

struct scheme_text {
    const char *name; /* the file's name without ".json" */
    const char *text; /* NUL-terminated */
    size_t len;
};

extern const struct scheme_text scheme_texts[];
extern const size_t scheme_texts_count;

#endif
