/* Test support: mock_server/store in the tests of it (see store_fx.h). */
#include "support/store_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

struct ms_store *store_fx_open(const char *path)
{
    struct err e = {{0}};
    struct ms_store *s = ms_store_open(path, &e);
    if (s == NULL) {
        fail_msg("ms_store_open(%s): %s", path ? path : "NULL", e.msg);
    }
    return s;
}

void store_fx_hook(struct ms_webhook *w, int n, uint64_t t)
{
    memset(w, 0, sizeof(*w));
    snprintf(w->id, sizeof(w->id), "00000000-0000-4000-8000-%012d", n);
    snprintf(w->topic, sizeof(w->topic), "message.received");
    snprintf(w->url, sizeof(w->url), "http://r.example/%d", n);
    snprintf(w->secret, sizeof(w->secret), "secret-%d", n);
    w->active = true;
    w->created_ms = t;
    w->updated_ms = t;
}

void store_fx_call(struct ms_call *c, int n, const char *hook, const char *outcome)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "11111111-0000-4000-8000-%012d", n);
    snprintf(c->webhook_id, sizeof(c->webhook_id), "%s", hook);
    snprintf(c->event_id, sizeof(c->event_id), "evt_%d", n / 2);
    snprintf(c->topic, sizeof(c->topic), "message.sent");
    c->outcome = ms_outcome_parse(outcome);
    c->attempt = 1;
    c->duration_ms = -1;
    c->created_ms = 1000 + (uint64_t)n;
}
