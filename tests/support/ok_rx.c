/* Test support: a receiver that answers 200 (see ok_rx.h). */
#include "support/ok_rx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <string.h>

#include "core/err.h"

static void receiver_ok(void *ctx, const struct http_server_request *req,
                        struct http_server_reply *rep)
{
    (void)ctx;
    (void)req;
    http_reply_text(rep, 200, "text/plain", "ok", 2);
}

struct http_server *ok_rx_start(void)
{
    static const struct http_route routes[] = {{"POST", "/hook", receiver_ok}};
    struct http_server_opts o;
    struct http_server *s;
    struct err e = {{0}};

    memset(&o, 0, sizeof(o));
    o.routes = routes;
    o.n_routes = 1;
    s = http_server_start(&o, &e);
    if (s == NULL) {
        fail_msg("receiver: %s", e.msg);
    }
    return s;
}
