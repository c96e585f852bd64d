/* Test support: the fixture of the control API's tests: a fresh in-process
 * mock on 127.0.0.1 port 0 per test, with API key KEY, the kit's client to
 * drive it through support/api.h, and a port nothing listens on. Links the
 * mock's library. */
#ifndef TESTS_SUPPORT_CONTROL_FX_H
#define TESTS_SUPPORT_CONTROL_FX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http_client.h"
#include "mock_server/server.h"

#define KEY     "test-key-control-0123"
#define WAIT_MS 10000

struct control_fx {
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
    char server_url[64];
    unsigned dead_port; /* a port nothing listens on */
};

int control_fx_setup(void **state);
int control_fx_teardown(void **state);
/* obj[key] as a string, "" when absent or not a string. */
const char *control_fx_jstr(const json_t *obj, const char *key);
/* Makes a webhook of topic to url; its id in id (IDS_UUID_LEN + 1 bytes). */
void control_fx_create_hook(struct control_fx *fx, const char *topic, const char *url, char *id);
/* Whether s (len bytes) is an event id: "evt_" and hex digits. */
bool control_fx_is_event_id(const char *s, size_t len);

#endif
