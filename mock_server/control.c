/* The control API's handlers. */
#include "mock_server/control.h"

#include <jansson.h>

#include "mock_server/context.h"

/* No key: readiness probes (scripts, CI, container health checks) must not
 * need a secret, and the answer reveals nothing but the version. */
static void control_health(void *arg, const struct http_server_request *req,
                           struct http_server_reply *rep)
{
    (void)arg;
    (void)req;
    http_reply_json(rep, 200, json_pack("{s:s, s:s}", "status", "ok", "version", VAMBE_VERSION));
}

/* The route table. Columns: method, pattern ("{}" captures a segment),
 * handler. */
static const struct http_route control_routes[] = {
    {"GET", "/mock/health", control_health},
};

const struct http_route *ms_control_routes(size_t *n)
{
    *n = sizeof(control_routes) / sizeof(control_routes[0]);
    return control_routes;
}
