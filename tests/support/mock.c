/* Test support: an in-process vambe-mock (see mock.h). */
#include "support/mock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include "core/err.h"

void test_mock_options(struct ms_options *o, const char *key)
{
    ms_options_init(o);
    o->port = 0;
    o->api_key = key;
    o->threads = 2;
    o->access_log = false;
}

struct ms_server *test_mock_start(const struct ms_options *o, unsigned *port)
{
    struct err e = {{0}};
    struct ms_server *srv = ms_server_start(o, &e);

    if (srv == NULL) {
        fail_msg("ms_server_start: %s", e.msg);
    }
    *port = ms_server_port(srv);
    assert_true(*port > 0);
    return srv;
}
