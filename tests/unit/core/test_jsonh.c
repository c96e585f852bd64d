/* core/jsonh: the jansson helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/jsonh.h"

/* Valid text is kept byte for byte, NUL bytes included; invalid UTF-8
 * loses only its non-ASCII bytes; NULL is null. */
static void stringn_lossy(void **state)
{
    json_t *j;

    (void)state;
    j = jsonh_stringn_lossy("caf\xc3\xa9 \xe2\x82\xac", 9);
    assert_string_equal(json_string_value(j), "caf\xc3\xa9 \xe2\x82\xac");
    json_decref(j);

    j = jsonh_stringn_lossy("a\0b", 3);
    assert_int_equal(json_string_length(j), 3);
    assert_memory_equal(json_string_value(j), "a\0b", 3);
    json_decref(j);

    j = jsonh_stringn_lossy("ok \xff\xfe<\0>\xe2\x82", 10);
    assert_int_equal(json_string_length(j), 10);
    assert_memory_equal(json_string_value(j),
                        "ok ?"
                        "?<\0>?"
                        "?",
                        10);
    json_decref(j);

    j = jsonh_stringn_lossy(NULL, 4);
    assert_true(json_is_null(j));
    json_decref(j);
}

static void dump_and_parse(void **state)
{
    struct err e = {{0}};
    size_t len = 0;
    json_t *j;
    char *text;

    (void)state;
    j = jsonh_parse("{\"b\":1,\"a\":[2]}", 15, &e);
    assert_non_null(j);
    assert_int_equal(jsonh_depth(j), 2);
    text = jsonh_dump(j, &len);
    assert_string_equal(text, "{\"b\":1,\"a\":[2]}"); /* insertion order kept */
    assert_int_equal(len, 15);
    free(text);
    json_decref(j);
    assert_null(jsonh_parse("{\"a\":", 5, &e));
    assert_non_null(strstr(e.msg, "line 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stringn_lossy),
        cmocka_unit_test(dump_and_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
