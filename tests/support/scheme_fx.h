/* Test support: the fixture of the mock's scheme tests: a mock (the
 * program or in process) given a scheme one of four ways, a raw receiver
 * (support/raw.h) with a webhook URL on it, and the mock's API driven
 * through support/api.h with KEY. Links the mock's library. */
#ifndef TESTS_SUPPORT_SCHEME_FX_H
#define TESTS_SUPPORT_SCHEME_FX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http_client.h"
#include "core/ids.h"
#include "mock_server/server.h"
#include "support/proc.h"
#include "support/raw.h"
#include "support/want.h"

#define KEY "test-key-schemes-0123"

enum how {
    HOW_PROGRAM_FLAG, /* vambe-mock serve --scheme NAME */
    HOW_INPROC_FLAG,  /* the in-process mock, the flag through ms_policy_set_flag */
    HOW_PUT_CONFIG,   /* PUT /mock/config {"scheme": NAME} */
    HOW_PROGRAM_FILE, /* vambe-mock serve --scheme FILE */
};

/* One delivery test: the scheme expected, how the mock is given it, and
 * for a scheme file its text. */
struct scheme_case {
    const char *label;
    const struct want *w;
    enum how how;
    const char *file_text;
};

struct scheme_fx {
    const struct scheme_case *sc; /* NULL for the tests that are not one */
    char scheme_file[64];         /* "" when none was written */
    struct ms_server *srv;        /* in process, or NULL */
    struct proc proc;             /* the program, when proc.pid > 0 */
    struct http_client *client;
    unsigned port;
    struct raw_rx *rx;
    char hook_url[256]; /* with a query of its own */
};

/* A fixture with a client and a raw receiver (no mock yet); *state may
 * hold the scheme_case of the test, or NULL. */
int scheme_fx_setup(void **state);
/* Stops the mock (the program's log must not hold the secret) and the
 * receiver, removes a scheme file written. */
int scheme_fx_teardown(void **state);
/* Starts the mock under scheme, chosen as how says. */
void scheme_fx_mock_start(struct scheme_fx *fx, const char *scheme, enum how how);
/* Makes a message.received webhook to url with secret; its id in id. */
void scheme_fx_create_hook(struct scheme_fx *fx, const char *url, const char *secret,
                           char id[IDS_UUID_LEN + 1]);
/* Triggers one message.received; returns its event id (out: 128 bytes). */
void scheme_fx_trigger(struct scheme_fx *fx, size_t deliveries, char *event_id);
/* Waits (bounded, polling) until the call log holds n records matching
 * query; returns the "data" array (caller decrefs). */
json_t *scheme_fx_calls_wait(struct scheme_fx *fx, const char *query, size_t n);
/* obj[key] as a string, "" when absent or not a string. */
const char *scheme_fx_jstr(const json_t *obj, const char *key);
/* The wall clock, in ms. */
uint64_t scheme_fx_wall_ms(void);

#endif
