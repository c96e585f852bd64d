/* core/scheme (scheme_wire.c): the built-in schemes' exact bytes (known
 * answers in support/kat.c), the signature alone as scheme_sign gives it
 * and the header values around signatures and tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/scheme.h"
#include "support/kat.h"

static void builtins_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KATS; i++) {
        const struct kat *k = &kats[i];
        struct scheme_wire w;
        size_t n = 0;

        kat_build(k, &w);
        while (k->lines[n] != NULL) {
            n++;
        }
        print_message("%s\n", k->scheme);
        assert_int_equal(w.n, n);
        for (size_t l = 0; l < n; l++) {
            assert_string_equal(w.lines[l], k->lines[l]);
            assert_ptr_equal(w.ptrs[l], w.lines[l]);
        }
        assert_string_equal(w.timestamp, k->ts);
        assert_string_equal(w.query_name, k->query_name);
        assert_string_equal(w.query_value, k->query_value);
        if (k->query_name[0] != '\0') {
            /* a query token goes in the URL, not in a header */
            assert_null(w.signature);
        } else {
            /* the value of the last line, the signature or token header */
            assert_non_null(w.signature);
            assert_string_equal(w.signature, strstr(k->lines[n - 1], ": ") + 2);
        }
    }
}

/* A record rebuilt with the signature it shows; a sender that does not sign. */
static void shown_and_no_auth(void **state)
{
    (void)state;
    const struct kat *k = &kats[0]; /* vambe */
    struct scheme_input in = {.secret = k->secret,
                              .id = k->id,
                              .type = k->type,
                              .delivery_id = k->delivery_id,
                              .webhook_id = k->webhook_id,
                              .attempt = k->attempt,
                              .timestamp = k->ts,
                              .body = k->body,
                              .body_len = strlen(k->body),
                              .shown = "12ccd9cb..."};
    struct scheme_wire w;
    struct err e = {{0}};

    assert_int_equal(scheme_build(kat_builtin("vambe"), &in, &w, &e), 0);
    assert_int_equal(w.n, 9);
    assert_string_equal(w.lines[8], "x-vambe-signature: 12ccd9cb...");
    assert_string_equal(w.signature, "12ccd9cb...");
    in.shown = NULL;
    in.no_auth = true;
    assert_int_equal(scheme_build(kat_builtin("vambe"), &in, &w, &e), 0);
    assert_int_equal(w.n, 8);
    assert_string_equal(w.lines[7], "x-vambe-timestamp: " T_MS);
    assert_null(w.signature);
}

/* The encoded signature alone, as scheme_sign gives it. */
static void published_vectors_through_scheme_sign(void **state)
{
    (void)state;
    char sig[SCHEME_SIG_MAX + 1];
    struct err e = {{0}};

    assert_int_equal(scheme_sign(kat_builtin("standard-webhooks"), SW_SECRET, SW_ID, SW_TS, SW_BODY,
                                 strlen(SW_BODY), sig, &e),
                     0);
    assert_string_equal(sig, SW_MAC);
    assert_int_equal(scheme_sign(kat_builtin("github"), GH_SECRET, "ignored", "ignored", GH_BODY,
                                 strlen(GH_BODY), sig, &e),
                     0);
    assert_string_equal(sig, GH_MAC);
    assert_int_equal(scheme_sign(kat_builtin("shopify"), RAW_SECRET, "x", "x", SHOPIFY_BODY,
                                 strlen(SHOPIFY_BODY), sig, &e),
                     0);
    assert_string_equal(sig, SHOPIFY_MAC);
}

static void signature_and_token_values(void **state)
{
    (void)state;
    const char *const two[] = {"aa", "bb"};
    char out[SCHEME_WIRE_LINE];

    assert_int_equal(scheme_signature_value(kat_builtin("stripe"), T_S, two, 2, out, sizeof(out)),
                     0);
    assert_string_equal(out, "t=" T_S ",v1=aa,v1=bb");
    /* no timestamp: the "t=" part goes */
    assert_int_equal(scheme_signature_value(kat_builtin("stripe"), NULL, two, 2, out, sizeof(out)),
                     0);
    assert_string_equal(out, "v1=aa,v1=bb");
    assert_int_equal(
        scheme_signature_value(kat_builtin("standard-webhooks"), SW_TS, two, 2, out, sizeof(out)),
        0);
    assert_string_equal(out, "v1,aa v1,bb");
    assert_int_equal(scheme_signature_value(kat_builtin("github"), NULL, two, 1, out, sizeof(out)),
                     0);
    assert_string_equal(out, "sha256=aa");
    /* a single-signature scheme takes one */
    assert_int_equal(scheme_signature_value(kat_builtin("github"), NULL, two, 2, out, sizeof(out)),
                     -1);
    assert_int_equal(scheme_signature_value(kat_builtin("github"), NULL, two, 1, out, 8), -1);
    assert_int_equal(
        scheme_token_value(kat_builtin("vambe-token-header"), TOKEN_SECRET, out, sizeof(out)), 0);
    assert_string_equal(out, TOKEN_SECRET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtins_known_answers),
        cmocka_unit_test(shown_and_no_auth),
        cmocka_unit_test(published_vectors_through_scheme_sign),
        cmocka_unit_test(signature_and_token_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
