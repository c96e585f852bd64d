/* mock_server/wire: the headers of a delivery (DESIGN §4), the
 * signature over "<timestamp>.<body>", and the call log's JSON views of
 * request and response headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/signature.h"
#include "mock_server/wire.h"

#define SECRET "whsec_0123456789abcdef"
#define BODY   "{\"id\":\"evt_1\",\"event\":\"message.received\"}"

static const char *header(const struct ms_wire *w, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < w->n; i++) {
        if (strncmp(w->ptrs[i], name, len) == 0 && w->ptrs[i][len] == ':') {
            return w->ptrs[i] + len + 2;
        }
    }
    return NULL;
}

static struct ms_wire_input input(bool sign, enum signature_unit unit)
{
    return (struct ms_wire_input){"message.received",
                                  "evt_1",
                                  "6f1d0c9e-3b7a-4d52-9e0f-2c8a1b4e7d30",
                                  "d3758406-2681-4ff5-8de9-85003bc78067",
                                  SECRET,
                                  3,
                                  BODY,
                                  strlen(BODY),
                                  sign,
                                  unit,
                                  1727690400123ull};
}

static void every_header_is_there(void **state)
{
    (void)state;
    struct ms_wire w;
    struct ms_wire_input in = input(true, SIGNATURE_UNIT_MS);

    assert_int_equal(ms_wire_build(&w, &in), 0);
    assert_int_equal(w.n, 9);
    assert_string_equal(header(&w, "Content-Type"), "application/json");
    assert_string_equal(header(&w, "User-Agent"), "Vambe-Webhooks/1.0");
    assert_string_equal(header(&w, "x-vambe-event"), "message.received");
    assert_string_equal(header(&w, "x-vambe-event-id"), "evt_1");
    assert_string_equal(header(&w, "x-vambe-delivery-id"), "6f1d0c9e-3b7a-4d52-9e0f-2c8a1b4e7d30");
    assert_string_equal(header(&w, "x-vambe-attempt"), "3");
    assert_string_equal(header(&w, "x-vambe-webhook-id"), "d3758406-2681-4ff5-8de9-85003bc78067");
    assert_string_equal(header(&w, "x-vambe-timestamp"), "1727690400123");
    /* The signature verifies with the secret, at that time, in ms. */
    assert_int_equal(signature_verify(SECRET, header(&w, "x-vambe-timestamp"),
                                      header(&w, "x-vambe-signature"), BODY, strlen(BODY),
                                      1727690400123ull, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_OK);
    assert_int_equal(signature_verify("another-secret", header(&w, "x-vambe-timestamp"),
                                      header(&w, "x-vambe-signature"), BODY, strlen(BODY),
                                      1727690400123ull, SIGNATURE_UNIT_MS, 300),
                     SIGNATURE_MISMATCH);
}

static void seconds_and_unsigned(void **state)
{
    (void)state;
    struct ms_wire w;
    struct ms_wire_input in = input(true, SIGNATURE_UNIT_S);

    assert_int_equal(ms_wire_build(&w, &in), 0);
    assert_string_equal(header(&w, "x-vambe-timestamp"), "1727690400");
    assert_int_equal(signature_verify(SECRET, "1727690400", header(&w, "x-vambe-signature"), BODY,
                                      strlen(BODY), 1727690400123ull, SIGNATURE_UNIT_S, 300),
                     SIGNATURE_OK);

    in = input(false, SIGNATURE_UNIT_MS);
    assert_int_equal(ms_wire_build(&w, &in), 0);
    assert_int_equal(w.n, 8);
    assert_null(header(&w, "x-vambe-signature"));
    assert_non_null(header(&w, "x-vambe-timestamp"));
}

static void request_json_redacts_the_signature(void **state)
{
    (void)state;
    struct ms_wire w;
    struct ms_wire_input in = input(true, SIGNATURE_UNIT_MS);
    char *text;
    json_t *j;
    const char *shown;

    assert_int_equal(ms_wire_build(&w, &in), 0);
    text = ms_wire_request_json(&w);
    j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 9);
    assert_string_equal(json_string_value(json_object_get(j, "content-type")), "application/json");
    assert_string_equal(json_string_value(json_object_get(j, "x-vambe-attempt")), "3");
    shown = json_string_value(json_object_get(j, "x-vambe-signature"));
    assert_non_null(shown);
    assert_non_null(strstr(shown, "(64 chars)"));
    assert_null(strstr(text, header(&w, "x-vambe-signature")));
    json_decref(j);
    free(text);
}

/* A call record keeps the timestamp and the shown signature; the headers
 * rebuilt from it are the ones request_json gives for what was sent. */
static void record_rebuilds_the_same_headers(void **state)
{
    (void)state;
    for (int sign = 0; sign <= 1; sign++) {
        struct ms_wire w;
        struct ms_wire_input in = input(sign == 1, SIGNATURE_UNIT_MS);
        struct ms_call c;
        char *sent;
        char *rebuilt;

        memset(&c, 0, sizeof(c));
        assert_int_equal(ms_wire_build(&w, &in), 0);
        ms_wire_record(&w, c.request_timestamp, c.request_signature);
        assert_string_equal(c.request_timestamp, "1727690400123");
        if (sign == 1) {
            assert_non_null(strstr(c.request_signature, "(64 chars)"));
            assert_null(strstr(c.request_signature, header(&w, "x-vambe-signature")));
        } else {
            assert_string_equal(c.request_signature, "");
        }
        snprintf(c.id, sizeof(c.id), "%s", in.delivery_id);
        snprintf(c.webhook_id, sizeof(c.webhook_id), "%s", in.webhook_id);
        snprintf(c.event_id, sizeof(c.event_id), "%s", in.event_id);
        snprintf(c.topic, sizeof(c.topic), "%s", in.topic);
        c.attempt = in.attempt;
        sent = ms_wire_request_json(&w);
        rebuilt = ms_wire_record_json(&c);
        assert_non_null(rebuilt);
        assert_string_equal(rebuilt, sent);
        free(sent);
        free(rebuilt);
    }
}

static void record_without_a_request(void **state)
{
    (void)state;
    struct ms_call c;

    memset(&c, 0, sizeof(c));
    assert_null(ms_wire_record_json(&c));
}

static void response_json_merges_and_escapes(void **state)
{
    (void)state;
    const char raw[] = "HTTP/1.1 503 Service Unavailable\r\n"
                       "Content-Type: text/plain\r\n"
                       "Retry-After: 1\r\n"
                       "Set-Cookie: a=1\r\n"
                       "set-cookie: b=\"2\"\r\n"
                       "X-Odd: tab\there\r\n"
                       "malformed line\r\n";
    char *text = ms_wire_response_json(raw, strlen(raw));
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);

    assert_non_null(j);
    assert_int_equal(json_object_size(j), 4);
    assert_string_equal(json_string_value(json_object_get(j, "content-type")), "text/plain");
    assert_string_equal(json_string_value(json_object_get(j, "retry-after")), "1");
    assert_string_equal(json_string_value(json_object_get(j, "set-cookie")), "a=1, b=\"2\"");
    assert_string_equal(json_string_value(json_object_get(j, "x-odd")), "tab\there");
    json_decref(j);
    free(text);

    text = ms_wire_response_json(NULL, 0);
    assert_string_equal(text, "{}");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_header_is_there),
        cmocka_unit_test(seconds_and_unsigned),
        cmocka_unit_test(request_json_redacts_the_signature),
        cmocka_unit_test(record_rebuilds_the_same_headers),
        cmocka_unit_test(record_without_a_request),
        cmocka_unit_test(response_json_merges_and_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
