/* mock_server/render: secret masking and the JSON views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_server/render.h"

static void masking(void **state)
{
    (void)state;
    char out[MS_RENDER_MASK_MAX];

    ms_render_mask_secret("", out);
    assert_string_equal(out, "****");
    ms_render_mask_secret(NULL, out);
    assert_string_equal(out, "****");
    ms_render_mask_secret("abcd", out);
    assert_string_equal(out, "****");
    ms_render_mask_secret("abcdefghijk", out); /* 11: too short to show a tail */
    assert_string_equal(out, "****");
    ms_render_mask_secret("abcdefghijkl", out);
    assert_string_equal(out, "****ijkl");
    char big[300];
    memset(big, 'x', sizeof(big));
    memcpy(big + 295, "WXYZ", 4);
    big[299] = '\0';
    ms_render_mask_secret(big, out);
    assert_string_equal(out, "****WXYZ");
    /* Characters, not bytes: twelve euro signs (36 bytes) show the last
     * four whole; eleven (33 bytes) are too short to show any. */
    ms_render_mask_secret(
        "\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac", out);
    assert_string_equal(out, "****\u20ac\u20ac\u20ac\u20ac");
    ms_render_mask_secret("\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac",
                          out);
    assert_string_equal(out, "****");
    ms_render_mask_secret("abcdefghijk\xf0\x9f\x94\x91", out); /* 12 characters, a key emoji last */
    assert_string_equal(out, "****ijk\xf0\x9f\x94\x91");
}

static void webhook_view(void **state)
{
    (void)state;
    struct ms_webhook w;

    memset(&w, 0, sizeof(w));
    snprintf(w.id, sizeof(w.id), "00000000-0000-4000-8000-000000000001");
    snprintf(w.topic, sizeof(w.topic), "message.sent");
    snprintf(w.url, sizeof(w.url), "http://r.example/");
    snprintf(w.secret, sizeof(w.secret), "the-whole-secret-9876");
    w.active = false;
    w.created_ms = 1727690400000ull;
    w.updated_ms = 1727690400001ull;
    json_t *j = ms_render_webhook(&w);
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"id\":\"00000000-0000-4000-8000-000000000001\","
                              "\"topic\":\"message.sent\",\"url\":\"http://r.example/\","
                              "\"secret\":\"****9876\",\"active\":false,"
                              "\"created_at\":\"2024-09-30T10:00:00.000Z\","
                              "\"updated_at\":\"2024-09-30T10:00:00.001Z\",\"deleted_at\":null}");
    free(text);
    json_decref(j);
}

static void call_view(void **state)
{
    (void)state;
    struct ms_call c;

    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "c1");
    c.outcome = MS_OUTCOME_FAILED;
    c.attempt = 3;
    c.duration_ms = -1;
    c.request_headers = "{\"x-vambe-attempt\":\"3\"}";
    c.response_headers = "not json";
    c.response_body = "caf\xc3\xa9 \xff\xfe end"; /* invalid UTF-8 */
    c.error = "timeout";
    json_t *j = ms_render_call(&c, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "attempt")), 3);
    assert_true(json_is_null(json_object_get(j, "response_status")));
    assert_true(json_is_null(json_object_get(j, "duration_ms")));
    assert_true(json_is_null(json_object_get(j, "url")));
    assert_true(json_is_null(json_object_get(j, "sent_at")));
    assert_string_equal(json_string_value(json_object_get(j, "error")), "timeout");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "request_headers"),
                                                          "x-vambe-attempt")),
                        "3");
    assert_string_equal(json_string_value(json_object_get(j, "response_headers")), "not json");
    assert_string_equal(json_string_value(json_object_get(j, "response_body")), "caf?? ?? end");
    json_decref(j);
}

/* A response body is shown whole: a NUL byte is kept (\u0000 in the JSON
 * text) and invalid UTF-8 around it still becomes '?'. Before the fix the
 * body stopped at the first NUL. */
static void call_body_keeps_nul_bytes(void **state)
{
    (void)state;
    struct ms_call c;
    json_t *j;
    json_t *body;
    char *text;

    memset(&c, 0, sizeof(c));
    c.duration_ms = -1;
    c.response_body = "ab\0cd";
    c.response_body_len = 5;
    j = ms_render_call(&c, NULL);
    body = json_object_get(j, "response_body");
    assert_int_equal(json_string_length(body), 5);
    assert_memory_equal(json_string_value(body), "ab\0cd", 6);
    text = json_dumps(body, JSON_ENCODE_ANY);
    assert_string_equal(text, "\"ab\\u0000cd\"");
    free(text);
    json_decref(j);

    c.response_body = "\xff\0x\xc3\xa9";
    c.response_body_len = 5;
    j = ms_render_call(&c, NULL);
    body = json_object_get(j, "response_body");
    assert_int_equal(json_string_length(body), 5);
    assert_memory_equal(json_string_value(body), "?\0x??", 6);
    json_decref(j);
}

/* The sizes of the bodies as they came, and whether the record keeps less. */
static void call_body_sizes(void **state)
{
    (void)state;
    struct ms_call c;
    json_t *j;

    memset(&c, 0, sizeof(c));
    c.duration_ms = -1;
    j = ms_render_call(&c, NULL);
    assert_true(json_is_null(json_object_get(j, "request_body_size")));
    assert_true(json_is_false(json_object_get(j, "request_body_truncated")));
    assert_true(json_is_null(json_object_get(j, "response_body_size")));
    assert_true(json_is_false(json_object_get(j, "response_body_truncated")));
    json_decref(j);

    c.request_body = "{\"id\":1}";
    c.request_body_size = 204800;
    c.response_body = "ok";
    c.response_body_len = 2;
    j = ms_render_call(&c, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "request_body_size")), 204800);
    assert_true(json_is_true(json_object_get(j, "request_body_truncated")));
    assert_int_equal(json_integer_value(json_object_get(j, "response_body_size")), 2);
    assert_true(json_is_false(json_object_get(j, "response_body_truncated")));
    json_decref(j);

    c.request_body_size = 0; /* 0: nothing cut */
    c.response_body_size = 10 * 1024 * 1024;
    j = ms_render_call(&c, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "request_body_size")), 8);
    assert_true(json_is_false(json_object_get(j, "request_body_truncated")));
    assert_int_equal(json_integer_value(json_object_get(j, "response_body_size")), 10485760);
    assert_true(json_is_true(json_object_get(j, "response_body_truncated")));
    json_decref(j);
}

static void topics_view(void **state)
{
    (void)state;
    json_t *j = ms_render_topics();
    assert_int_equal(json_array_size(j), 8);
    assert_string_equal(json_string_value(json_array_get(j, 0)), "message.received");
    for (size_t i = 0; i < json_array_size(j); i++) {
        assert_string_not_equal(json_string_value(json_array_get(j, i)), "ticket.opened");
    }
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masking),         cmocka_unit_test(webhook_view),
        cmocka_unit_test(call_view),       cmocka_unit_test(call_body_keeps_nul_bytes),
        cmocka_unit_test(call_body_sizes), cmocka_unit_test(topics_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
