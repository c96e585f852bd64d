/* mock_server/wire: the headers of a delivery (DESIGN §4), the
 * signature over "<timestamp>.<body>", and the call log's JSON views of
 * request and response headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scheme.h"
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
                                  1727690400123ull,
                                  NULL};
}

static void every_header_is_there(void **state)
{
    (void)state;
    struct ms_wire w;
    struct ms_wire_input in = input(true, SIGNATURE_UNIT_MS);

    assert_int_equal(ms_wire_build(&w, &in, NULL), 0);
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

    assert_int_equal(ms_wire_build(&w, &in, NULL), 0);
    assert_string_equal(header(&w, "x-vambe-timestamp"), "1727690400");
    assert_int_equal(signature_verify(SECRET, "1727690400", header(&w, "x-vambe-signature"), BODY,
                                      strlen(BODY), 1727690400123ull, SIGNATURE_UNIT_S, 300),
                     SIGNATURE_OK);

    in = input(false, SIGNATURE_UNIT_MS);
    assert_int_equal(ms_wire_build(&w, &in, NULL), 0);
    assert_int_equal(w.n, 8);
    assert_null(header(&w, "x-vambe-signature"));
    assert_non_null(header(&w, "x-vambe-timestamp"));
}

/* A call record keeps the timestamp as sent and the signature as shown;
 * the headers rebuilt from it are the ones sent, by name and value, but
 * for the signature, which appears as a prefix and its length only. */
static void record_rebuilds_the_headers(void **state)
{
    (void)state;
    for (int sign = 0; sign <= 1; sign++) {
        struct ms_wire w;
        struct ms_wire_input in = input(sign == 1, SIGNATURE_UNIT_MS);
        const char *sig;
        struct ms_call c;
        json_t *j;

        memset(&c, 0, sizeof(c));
        assert_int_equal(ms_wire_build(&w, &in, NULL), 0);
        sig = header(&w, "x-vambe-signature");
        ms_wire_record(&w, c.request_timestamp, c.request_signature, c.scheme);
        assert_string_equal(c.scheme, "vambe");
        assert_string_equal(c.request_timestamp, "1727690400123");
        snprintf(c.id, sizeof(c.id), "%s", in.delivery_id);
        snprintf(c.webhook_id, sizeof(c.webhook_id), "%s", in.webhook_id);
        snprintf(c.event_id, sizeof(c.event_id), "%s", in.event_id);
        snprintf(c.topic, sizeof(c.topic), "%s", in.topic);
        c.attempt = in.attempt;
        j = ms_wire_record_headers(&c, NULL);
        assert_non_null(j);
        assert_int_equal(json_object_size(j), w.n);
        for (size_t i = 0; i < w.n; i++) {
            char name[64];
            size_t len = strcspn(w.ptrs[i], ":");
            const char *got;

            for (size_t k = 0; k < len; k++) {
                name[k] = (char)tolower((unsigned char)w.ptrs[i][k]);
            }
            name[len] = '\0';
            got = json_string_value(json_object_get(j, name));
            assert_non_null(got);
            if (strcmp(name, "x-vambe-signature") == 0) {
                assert_string_equal(got, c.request_signature);
                assert_non_null(strstr(got, "(64 chars)"));
                assert_null(strstr(got, sig));
            } else {
                assert_string_equal(got, w.ptrs[i] + len + 2);
            }
        }
        if (sign == 0) {
            assert_null(sig);
            assert_string_equal(c.request_signature, "");
            assert_null(json_object_get(j, "x-vambe-signature"));
        }
        json_decref(j);
    }
}

/* Under every built-in scheme the record rebuilds the headers that were
 * sent but the signature or token, which shows as a prefix and a length; a
 * query token is in neither the headers nor the record. */
static void every_scheme_records_and_rebuilds(void **state)
{
    (void)state;
    size_t n = 0;
    const struct scheme *all = scheme_builtins(&n);

    for (size_t k = 0; k < n; k++) {
        struct ms_wire w;
        struct ms_wire_input in = input(true, all[k].unit);
        struct ms_call c;
        struct err e = {{0}};
        json_t *j;

        in.scheme = &all[k];
        in.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        memset(&c, 0, sizeof(c));
        assert_int_equal(ms_wire_build(&w, &in, &e), 0);
        ms_wire_record(&w, c.request_timestamp, c.request_signature, c.scheme);
        assert_string_equal(c.scheme, all[k].name);
        assert_null(strstr(c.request_signature, in.secret));
        snprintf(c.id, sizeof(c.id), "%s", in.delivery_id);
        snprintf(c.webhook_id, sizeof(c.webhook_id), "%s", in.webhook_id);
        snprintf(c.event_id, sizeof(c.event_id), "%s", in.event_id);
        snprintf(c.topic, sizeof(c.topic), "%s", in.topic);
        c.attempt = in.attempt;
        j = ms_wire_record_headers(&c, NULL);
        assert_non_null(j);
        assert_int_equal(json_object_size(j), w.n);
        if (all[k].kind == SCHEME_TOKEN && all[k].token.place == SCHEME_PLACE_QUERY) {
            assert_string_equal(w.sw.query_name, "token");
            assert_string_equal(w.sw.query_value, in.secret);
            assert_null(w.signature);
        }
        if (w.signature != NULL) {
            char name[SCHEME_HEADER_NAME_MAX + 1];
            const char *hdr =
                all[k].kind == SCHEME_TOKEN ? all[k].token.name : all[k].signature_header;
            for (size_t i = 0; i <= strlen(hdr); i++) {
                name[i] = (char)tolower((unsigned char)hdr[i]);
            }
            assert_string_equal(json_string_value(json_object_get(j, name)), c.request_signature);
        }
        json_decref(j);
    }
    /* A record under a scheme that is gone rebuilds nothing. */
    struct ms_call gone;
    memset(&gone, 0, sizeof(gone));
    snprintf(gone.request_timestamp, sizeof(gone.request_timestamp), "1727690400");
    snprintf(gone.scheme, sizeof(gone.scheme), "my-own");
    assert_null(ms_wire_record_headers(&gone, NULL));
}

/* A standard-webhooks secret that is not base64 after whsec_ fails the
 * attempt with the reason, never with the secret. */
static void unusable_secret_is_an_error(void **state)
{
    (void)state;
    struct ms_wire w;
    struct ms_wire_input in = input(true, SIGNATURE_UNIT_S);
    struct err e = {{0}};

    in.scheme = scheme_builtin("standard-webhooks");
    in.secret = "whsec_not*base64!";
    assert_int_equal(ms_wire_build(&w, &in, &e), -1);
    assert_string_equal(e.msg, "a standard-webhooks secret is 'whsec_' followed by base64 (this "
                               "one is not base64 after the prefix)");
}

static void record_without_a_request(void **state)
{
    (void)state;
    struct ms_call c;

    memset(&c, 0, sizeof(c));
    assert_null(ms_wire_record_headers(&c, NULL));
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
        cmocka_unit_test(record_rebuilds_the_headers),
        cmocka_unit_test(every_scheme_records_and_rebuilds),
        cmocka_unit_test(unusable_secret_is_an_error),
        cmocka_unit_test(record_without_a_request),
        cmocka_unit_test(response_json_merges_and_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
