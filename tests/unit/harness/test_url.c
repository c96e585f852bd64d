/* harness/url: target parsing, loopback detection, redaction of query
 * values and user information. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness/url.h"

static void parse(void **state)
{
    (void)state;
    struct hn_url u;
    struct err e = {{0}};

    assert_int_equal(hn_url_parse("http://127.0.0.1:8080/hook?x=1", &u, &e), 0);
    assert_false(u.https);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 8080);
    assert_true(hn_url_is_loopback(&u));

    assert_int_equal(hn_url_parse("https://hooks.example.com/vambe", &u, &e), 0);
    assert_true(u.https);
    assert_string_equal(u.host, "hooks.example.com");
    assert_int_equal(u.port, 443);
    assert_false(hn_url_is_loopback(&u));

    assert_int_equal(hn_url_parse("HTTP://user:pw@[::1]:9000", &u, &e), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 9000);
    assert_true(hn_url_is_loopback(&u));

    assert_int_equal(hn_url_parse("http://localhost/", &u, &e), 0);
    assert_int_equal(u.port, 80);
    assert_true(hn_url_is_loopback(&u));
    assert_int_equal(hn_url_parse("http://api.localhost/", &u, &e), 0);
    assert_true(hn_url_is_loopback(&u));
    assert_int_equal(hn_url_parse("http://10.0.0.5/", &u, &e), 0);
    assert_false(hn_url_is_loopback(&u));

    static const struct {
        const char *url;
        const char *msg;
    } bad[] = {
        {"ftp://x/", "must be an http:// or https:// URL"},
        {"127.0.0.1:80", "must be an http:// or https:// URL"},
        {"http:///path", "no host"},
        {"http://[::1/", "unclosed IPv6"},
        {"http://h:99999/", "out of range"},
        {"http://h:abc/", "not an integer"},
        {"http://h:/", "bad port"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hn_url_parse(bad[i].url, &u, &e), -1);
        assert_non_null(strstr(e.msg, bad[i].msg));
    }
}

static void redact(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"http://h/hook", "http://h/hook"},
        {"http://h/hook?token=abc", "http://h/hook?token=***"},
        {"http://h/hook?a=1&b=&flag&c=x%20y#frag", "http://h/hook?a=***&b=***&flag&c=***#frag"},
        {"https://user:pw@h:1/p?=v", "https://***@h:1/p?=***"},
        {"http://h/p/{event_id}?k=s", "http://h/p/{event_id}?k=***"},
        /* A probe template's placeholder stays: the re-run line runs. */
        {"http://h/probe?id={event_id}&key=s", "http://h/probe?id={event_id}&key=***"},
        {"http://h/probe?id={event_id}x", "http://h/probe?id=***"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *r = hn_url_redact(cases[i].in);
        assert_string_equal(r, cases[i].out);
        free(r);
    }
}

/* --resolve entries: curl's HOST:PORT:ADDRESS, checked and looked up. */
static void resolve(void **state)
{
    static const char *const good[] = {"receiver.test:443:127.0.0.1", "h:1:::1", "h:65535:[::1]",
                                       "h.example.com:8443:10.0.0.7"};
    static const char *const bad[] = {
        "",
        "h",
        "h:443",
        ":443:127.0.0.1",
        "h::127.0.0.1",
        "h:0:127.0.0.1",
        "h:65536:127.0.0.1",
        "h:-1:127.0.0.1",
        "h:44a:127.0.0.1",
        "h:443:",
        "h:443:localhost",
        "h:443:[]",
        "h:443:1.2.3",
        "h:1234567:1.2.3.4",
    };
    const char *const entries[] = {"a.test:443:10.0.0.1", "B.test:8443:[::1]",
                                   "b.test:443:1.2.3.4"};
    struct err e = {{0}};
    char addr[64];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(hn_resolve_check(good[i], &e), 0);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hn_resolve_check(bad[i], &e), -1);
        assert_non_null(strstr(e.msg, "is not HOST:PORT:ADDRESS"));
    }
    assert_true(hn_resolve_find(entries, 3, "b.test", 8443, addr, sizeof(addr)));
    assert_string_equal(addr, "::1");
    assert_true(hn_resolve_find(entries, 3, "b.test", 443, addr, sizeof(addr)));
    assert_string_equal(addr, "1.2.3.4");
    assert_false(hn_resolve_find(entries, 3, "a.test", 80, addr, sizeof(addr)));
    assert_false(hn_resolve_find(entries, 3, "c.test", 443, addr, sizeof(addr)));
    assert_false(hn_resolve_find(NULL, 0, "a.test", 443, addr, sizeof(addr)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse),
        cmocka_unit_test(redact),
        cmocka_unit_test(resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
