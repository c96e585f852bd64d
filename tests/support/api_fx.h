/* Test support: the fixture of the mock's API tests: a fresh in-process
 * mock (in-memory store) on 127.0.0.1 port 0 per test, with API key KEY,
 * and the kit's client to drive it over HTTP through support/api.h.
 * Links the mock's library. */
#ifndef TESTS_SUPPORT_API_FX_H
#define TESTS_SUPPORT_API_FX_H

#include <jansson.h>
#include <stdbool.h>

#include "core/http_client.h"
#include "core/ids.h"
#include "mock_server/server.h"
#include "support/api.h"

#define KEY       "test-key-0123456789"
#define JSON_TYPE "application/json"

struct api_fx {
    struct ms_server *srv;
    struct http_client *client;
    unsigned port;
};

int api_fx_setup(void **state);
int api_fx_teardown(void **state);
/* With the right key; a body is sent as JSON. Returns the status. */
long api_fx_send(struct api_fx *fx, const char *method, const char *path, const char *body,
                 struct api_reply *out);
/* Asserts the kit's error shape with this status and a message containing
 * want (e.g. the field's name). */
void api_fx_assert_error(const struct api_reply *r, long status, const char *want);
/* obj[key] as a string; NULL when absent or not a string. */
const char *api_fx_jstr(const json_t *j, const char *key);
/* Creates a webhook and returns its id in id_out. */
void api_fx_create_hook(struct api_fx *fx, const char *topic, const char *url, const char *secret,
                        char id_out[IDS_UUID_LEN + 1]);
/* Whether the reply's headers hold line (any case). */
bool api_fx_header_has(const struct api_reply *r, const char *line);
/* A create body of these three members (the caller frees it). */
char *api_fx_body_with(const char *topic, const char *url, const char *secret);

#endif
