/* The web console's routes: the files of mock_server/ui/ and the OpenAPI
 * document, built into the binary (ui_priv.h), served with the headers
 * that keep a page full of receiver-controlled text inert. */
#include "mock_server/ui.h"

#include <stdio.h>
#include <string.h>

#include "mock_server/ui_priv.h"

#define UI_NAME_MAX 128

/* Scripts and styles only from the mock's own files (so no inline script,
 * no eval: a receiver's body shown in the page can never run), requests
 * only to the mock, no plugins, no forms posted elsewhere, no framing. */
#define UI_CSP                                                                                     \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* A file's media type from its name's extension; NULL for one not served. */
static const char *ui_content_type(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');

    if (dot == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return NULL;
}

static const struct ms_ui_file *ui_find(const char *name)
{
    for (size_t i = 0; i < ms_ui_files_count; i++) {
        if (strcmp(ms_ui_files[i].name, name) == 0) {
            return &ms_ui_files[i];
        }
    }
    return NULL;
}

static void ui_headers(struct http_server_reply *rep)
{
    http_reply_header(rep, "Content-Security-Policy", UI_CSP);
    http_reply_header(rep, "X-Content-Type-Options", "nosniff");
    http_reply_header(rep, "Referrer-Policy", "no-referrer");
    http_reply_header(rep, "Cache-Control", "no-store");
}

/* Answers the embedded file name (a name of ui_priv.h's table), or 404. */
static void ui_send(struct http_server_reply *rep, const char *name)
{
    const struct ms_ui_file *f = ui_find(name);
    const char *type = ui_content_type(name);

    if (f == NULL || type == NULL) {
        http_reply_error(rep, 404, "no console file '%s'", name);
    } else {
        http_reply_text(rep, 200, type, f->text, f->len);
    }
    ui_headers(rep);
}

static void ui_index(void *arg, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    (void)arg;
    (void)req;
    ui_send(rep, "ui/index.html");
}

/* GET /ui/{name}: the page's scripts and style sheet. */
static void ui_asset(void *arg, const struct http_server_request *req,
                     struct http_server_reply *rep)
{
    char name[UI_NAME_MAX];

    (void)arg;
    if (strlen(req->params[0]) >= sizeof(name) - 3) {
        http_reply_error(rep, 404, "no console file with so long a name");
        ui_headers(rep);
        return;
    }
    snprintf(name, sizeof(name), "ui/%s", req->params[0]);
    ui_send(rep, name);
}

static void ui_openapi(void *arg, const struct http_server_request *req,
                       struct http_server_reply *rep)
{
    (void)arg;
    (void)req;
    ui_send(rep, "openapi.json");
}

static const struct http_route ui_routes[] = {
    {"GET", "/ui", ui_index},
    {"GET", "/ui/", ui_index},
    {"GET", "/ui/{}", ui_asset},
    {"GET", "/openapi.json", ui_openapi},
};

const struct http_route *ms_ui_routes(size_t *n)
{
    *n = sizeof(ui_routes) / sizeof(ui_routes[0]);
    return ui_routes;
}
