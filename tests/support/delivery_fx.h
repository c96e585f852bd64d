/* Test support: the fixture of the delivery engine's tests: an in-process
 * mock (ms_server on 127.0.0.1 port 0) started with `serve` policy flags,
 * delivering to a scripted receiver (support/rx.h), and its API driven
 * through support/api.h with KEY. Links the mock's library. */
#ifndef TESTS_SUPPORT_DELIVERY_FX_H
#define TESTS_SUPPORT_DELIVERY_FX_H

#include <jansson.h>
#include <stddef.h>

#include "core/http_client.h"
#include "core/ids.h"
#include "mock_server/server.h"
#include "support/rx.h"

#define KEY     "test-key-delivery-0123"
#define SECRET  "whsec_delivery_secret_0123456789"
#define WAIT_MS 10000

struct delivery_fx {
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
    struct rx *rx;
    char hook_url[128];
};
/* Starts the mock with policy flags given as {"flag", "value", ...} pairs
 * (any value for a switch; the list ends with NULL). */
void delivery_fx_mock_start(struct delivery_fx *fx, const char *const *flags);
/* A client and a receiver, the mock not started yet. */
int delivery_fx_setup(void **state);
int delivery_fx_teardown(void **state);
/* Makes a message.received webhook to url with SECRET; its id in id. */
void delivery_fx_create_hook(struct delivery_fx *fx, const char *url, char id[IDS_UUID_LEN + 1]);
/* Triggers count message.received events; returns the 202 answer. */
json_t *delivery_fx_trigger(struct delivery_fx *fx, unsigned count);
/* The i-th event id of a trigger's answer. */
const char *delivery_fx_event_id(const json_t *trig, size_t i);
/* Waits (bounded, polling) until the call log holds n records matching
 * query ("event_id=..."), and returns them oldest first (caller decrefs). */
json_t *delivery_fx_calls_wait(struct delivery_fx *fx, const char *query, size_t n);
/* obj[key] as a string, "" when absent or not a string. */
const char *delivery_fx_jstr(const json_t *obj, const char *key);

#endif
