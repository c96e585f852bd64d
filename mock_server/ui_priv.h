/* The console's files, generated into the build tree from mock_server/ui/
 * and docs/openapi.yaml (cmake/EmbedFiles.cmake). Internal to
 * mock_server/ui.c. */
#ifndef MOCK_SERVER_UI_PRIV_H
#define MOCK_SERVER_UI_PRIV_H

#include <stddef.h>

struct ms_ui_file {
    const char *name; /* the file's name: "index.html", "app.js", "openapi.json" */
    const char *text; /* NUL-terminated */
    size_t len;
};

extern const struct ms_ui_file ms_ui_files[];
extern const size_t ms_ui_files_count;

#endif
