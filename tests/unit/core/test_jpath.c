/* harness/jpath: formatting paths, and finding them in a JSON text with
 * strings that hold brackets, quotes and multi-byte characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <string.h>

#include "core/jpath.h"

static void format(void **state)
{
    (void)state;
    struct jpath p = {{{NULL, 0}}, 0};
    char out[64];

    jpath_format(&p, out, sizeof(out));
    assert_string_equal(out, "(top level)");
    jpath_push_key(&p, "steps");
    jpath_push_index(&p, 2);
    jpath_push_key(&p, "expect");
    jpath_push_key(&p, "status");
    jpath_push_index(&p, 0);
    jpath_format(&p, out, sizeof(out));
    assert_string_equal(out, "steps[2].expect.status[0]");
    jpath_format(&p, out, 8);
    assert_string_equal(out, "steps[2");
    jpath_pop(&p);
    jpath_pop(&p);
    jpath_format(&p, out, sizeof(out));
    assert_string_equal(out, "steps[2].expect");
}

static void locate(void **state)
{
    (void)state;
    static const char text[] = "{\n"
                               "  \"a\": \"x]}\\\"{[\",\n"
                               "  \"ñandú\": [1, {\"b\": [true, null]}],\n"
                               "  \"list\": [\n"
                               "    {\"k\": 1},\n"
                               "    {\"k\": 2, \"deep\": {\"z\": 0}}\n"
                               "  ]\n"
                               "}\n";
    struct jpath p = {{{NULL, 0}}, 0};
    int line = 0, col = 0;

    jpath_locate(text, strlen(text), &p, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);

    jpath_push_key(&p, "list");
    jpath_push_index(&p, 1);
    jpath_push_key(&p, "deep");
    jpath_push_key(&p, "z");
    jpath_locate(text, strlen(text), &p, &line, &col);
    assert_int_equal(line, 6);
    assert_int_equal(col, 23);

    /* A missing key stops at the deepest part found (here list[1]). */
    jpath_pop(&p);
    jpath_pop(&p);
    jpath_push_key(&p, "nope");
    jpath_locate(text, strlen(text), &p, &line, &col);
    assert_int_equal(line, 6);
    assert_int_equal(col, 5);

    /* Columns count characters: "ñandú" is 5 of them, 7 bytes. */
    struct jpath q = {{{NULL, 0}}, 0};
    jpath_push_key(&q, "ñandú");
    jpath_push_index(&q, 1);
    jpath_push_key(&q, "b");
    jpath_push_index(&q, 1);
    jpath_locate(text, strlen(text), &q, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 29);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format),
        cmocka_unit_test(locate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
