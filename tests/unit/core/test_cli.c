/* core/cli: option tables to getopt_long's tables (one table or several),
 * the ids and values read back, the --help option list and its wrapping,
 * and every usage error's message, never with the option's value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)
#define LEAK    "TOPSECRET"

enum { ID_SECRET = 1, ID_PORT, ID_VERBOSE, ID_HELP, ID_SCHEME, ID_RAW, ID_MAX = 300 };

static const struct cli_option base[] = {
    {"secret", 's', required_argument, ID_SECRET, "S", "the secret"},
    {"port", 0, required_argument, ID_PORT, "N", "the port"},
    {"verbose", 'v', no_argument, ID_VERBOSE, NULL, "say more"},
    {"help", 'h', no_argument, ID_HELP, NULL, "show this help"},
};

/* A second table, as vambe-mock serve appends the delivery-policy flags;
 * "raw" takes a value but names none. */
static const struct cli_option more[] = {
    {"scheme", 0, required_argument, ID_SCHEME, "NAME|FILE", "how deliveries are signed"},
    {"raw", 0, required_argument, ID_RAW, NULL, NULL},
    {"max-attempts", 0, required_argument, ID_MAX, "N", "attempts per event"},
};

#define N_BASE (sizeof(base) / sizeof(base[0]))
#define N_MORE (sizeof(more) / sizeof(more[0]))

static void parser_both(struct cli_parser *p, bool in_order)
{
    cli_parser_init(p, in_order);
    assert_int_equal(cli_parser_add(p, base, N_BASE), 0);
    assert_int_equal(cli_parser_add(p, more, N_MORE), 0);
}

static void tables_to_getopt(void **state)
{
    (void)state;
    struct cli_parser p;

    parser_both(&p, false);
    assert_string_equal(p.shorts, ":s:vh");
    assert_int_equal(p.n, N_BASE + N_MORE);
    for (size_t i = 0; i < p.n; i++) {
        const struct cli_option *o = i < N_BASE ? &base[i] : &more[i - N_BASE];
        assert_ptr_equal(p.rows[i], o);
        assert_string_equal(p.longopts[i].name, o->name);
        assert_int_equal(p.longopts[i].has_arg, o->has_arg);
        assert_null(p.longopts[i].flag);
    }
    assert_null(p.longopts[p.n].name);
    assert_int_equal(p.longopts[p.n].val, 0);

    cli_parser_init(&p, true);
    assert_string_equal(p.shorts, "+:");
    assert_int_equal(cli_parser_add(&p, more, N_MORE), 0);
    assert_string_equal(p.shorts, "+:");
    assert_int_equal(cli_parser_add(&p, base, N_BASE), 0);
    assert_string_equal(p.shorts, "+:s:vh");
}

/* Wrong tables are refused whole: nothing of them is added. */
static void bad_tables(void **state)
{
    (void)state;
    static const struct cli_option zero_id[] = {{"a", 0, no_argument, 0, NULL, "a"}};
    static const struct cli_option bad_letter[] = {{"a", '-', no_argument, 1, NULL, "a"}};
    static const struct cli_option twice[] = {{"a", 'x', no_argument, 1, NULL, "a"},
                                              {"b", 'x', no_argument, 2, NULL, "b"}};
    static const struct cli_option taken[] = {{"again", 'v', no_argument, 9, NULL, "v"}};
    static struct cli_option many[CLI_MAX_OPTIONS];
    struct cli_parser p;

    cli_parser_init(&p, false);
    assert_int_equal(cli_parser_add(&p, base, N_BASE), 0);
    assert_int_equal(cli_parser_add(&p, zero_id, 1), -1);
    assert_int_equal(cli_parser_add(&p, bad_letter, 1), -1);
    assert_int_equal(cli_parser_add(&p, twice, 2), -1);
    assert_int_equal(cli_parser_add(&p, taken, 1), -1);
    assert_int_equal(p.n, N_BASE);
    assert_string_equal(p.shorts, ":s:vh");

    for (size_t i = 0; i < CLI_MAX_OPTIONS; i++) {
        many[i] = (struct cli_option){"x", 0, no_argument, (int)i + 1, NULL, "x"};
    }
    assert_int_equal(cli_parser_add(&p, many, CLI_MAX_OPTIONS - N_BASE + 1), -1);
    assert_int_equal(p.n, N_BASE);
    assert_int_equal(cli_parser_add(&p, many, CLI_MAX_OPTIONS - N_BASE), 0);
    assert_int_equal(p.n, CLI_MAX_OPTIONS);
    assert_null(p.longopts[CLI_MAX_OPTIONS].name);
}

/* Both forms of an option give its row's id, whichever table it is in;
 * values attached, separate, glued to a letter, and by abbreviation. */
static void ids_and_values(void **state)
{
    (void)state;
    char *argv[] = {
        "prog", "--secret=a", "-s", "b",      "-sc", "-vh", "--verbose", "--port",    "80", "--max",
        "4",    "--sc",       "x",  "--raw=", "run", "-v",  "--",        "--secret=", NULL};
    static const struct {
        int id;
        const char *value;
    } want[] = {{ID_SECRET, "a"}, {ID_SECRET, "b"},   {ID_SECRET, "c"},  {ID_VERBOSE, NULL},
                {ID_HELP, NULL},  {ID_VERBOSE, NULL}, {ID_PORT, "80"},   {ID_MAX, "4"},
                {ID_SCHEME, "x"}, {ID_RAW, ""},       {ID_VERBOSE, NULL}};
    struct cli_parser p;
    struct err e = {{0}};
    const char *v = NULL;

    parser_both(&p, false);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(cli_parser_next(&p, ARGC(argv), argv, &v, &e), want[i].id);
        if (want[i].value == NULL) {
            assert_null(v);
        } else {
            assert_string_equal(v, want[i].value);
        }
    }
    /* Permuted: the operands after the options, "--" dropped. */
    assert_int_equal(cli_parser_next(&p, ARGC(argv), argv, &v, &e), 0);
    assert_null(v);
    assert_int_equal(ARGC(argv) - optind, 2);
    assert_string_equal(argv[optind], "run");
    assert_string_equal(argv[optind + 1], "--secret=");
}

/* In order, the first operand ends the options; init restarts the scan. */
static void in_order(void **state)
{
    (void)state;
    char *argv[] = {"prog", "-v", "serve", "--port", "1", NULL};
    struct cli_parser p;
    struct err e = {{0}};
    const char *v = NULL;

    for (int round = 0; round < 2; round++) {
        parser_both(&p, true);
        assert_int_equal(cli_parser_next(&p, ARGC(argv), argv, &v, &e), ID_VERBOSE);
        assert_int_equal(cli_parser_next(&p, ARGC(argv), argv, &v, &e), 0);
        assert_int_equal(optind, 2);
        assert_string_equal(argv[3], "--port");
    }
}

/* Every form of usage error, with the message each gives, the value of a
 * mistyped option never in it. */
static void usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *msg;
    } cases[] = {
        {{"--secrt=" LEAK}, "unknown option '--secrt'"},
        {{"--secrt", LEAK}, "unknown option '--secrt'"},
        {{"-Z" LEAK}, "unknown option '-Z'"},
        {{"-Z"}, "unknown option '-Z'"},
        /* After a long switch, in a bundle: the letter, not the switch. */
        {{"--verbose", "-vZ" LEAK}, "unknown option '-Z'"},
        /* --s: --secret or --scheme. */
        {{"--s=" LEAK}, "unknown option '--s'"},
        {{"--help=" LEAK}, "option '--help' takes no value"},
        {{"--verb=" LEAK}, "option '--verbose' takes no value"},
        {{"--port"}, "option '--port' needs a value (N)"},
        {{"--po"}, "option '--port' needs a value (N)"},
        {{"--max-attempts"}, "option '--max-attempts' needs a value (N)"},
        {{"--scheme"}, "option '--scheme' needs a value (NAME|FILE)"},
        {{"--raw"}, "option '--raw' needs a value"},
        {{"-s"}, "option '-s' needs a value (S)"},
        {{"-vs"}, "option '-s' needs a value (S)"},
        {{"run", "--port"}, "option '--port' needs a value (N)"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[5] = {"prog"};
        int argc = 1;
        struct cli_parser p;
        struct err e = {{0}};
        const char *v = NULL;
        int c;

        for (size_t k = 0; k < 3 && cases[i].args[k] != NULL; k++) {
            argv[argc++] = (char *)cases[i].args[k];
        }
        parser_both(&p, false);
        while ((c = cli_parser_next(&p, argc, argv, &v, &e)) > 0) {
        }
        if (c != -1 || strcmp(e.msg, cases[i].msg) != 0) {
            fail_msg("case %zu: returned %d, '%s', want '%s'", i, c, e.msg, cases[i].msg);
        }
        assert_null(strstr(e.msg, LEAK));
    }
}

/* Prints rows with a layout; returns the text (caller frees). */
static char *help_text(const struct cli_option *rows, size_t n, int column, int width)
{
    struct cli_help_layout l = {column, width};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    cli_help_options(f, rows, n, &l);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void help_list(void **state)
{
    (void)state;
    char *text = help_text(base, N_BASE, 16, 0);

    assert_string_equal(text, "  -s, --secret S   the secret\n"
                              "      --port N     the port\n"
                              "  -v, --verbose    say more\n"
                              "  -h, --help       show this help\n");
    free(text);

    /* A row without help is not listed; a longer option has its own line,
     * with no space at its end when the list is not wrapped. */
    text = help_text(more, N_MORE, 16, 0);
    assert_string_equal(text, "      --scheme NAME|FILE\n"
                              "                   how deliveries are signed\n"
                              "      --max-attempts N\n"
                              "                   attempts per event\n");
    free(text);
}

/* Wrapped at spaces to the width; a word longer than a line is cut; a
 * wrapped list keeps the space after a longer option (as vambe-harness's
 * --help always had it). */
static void help_wrapping(void **state)
{
    (void)state;
    static const struct cli_option rows[] = {
        {"target", 't', required_argument, 1, "URL",
         "the receiver's webhook URL, sent as given to it"},
        {"state-probe-url", 0, required_argument, 2, "TEMPLATE", "a URL with {entity_id}"},
        {"word", 0, no_argument, 3, NULL, "abcdefghijklmnopqrstuvwxyz end"},
        {"fits", 0, no_argument, 4, NULL, "exactly twenty chars"},
    };
    /* 2 + 18 + 1 = 21 columns before the text, 20 for it: 41 in all. */
    char *text = help_text(rows, 4, 18, 41);

    assert_string_equal(text, "  -t, --target URL   the receiver's\n"
                              "                     webhook URL, sent as\n"
                              "                     given to it\n"
                              "      --state-probe-url TEMPLATE \n"
                              "                     a URL with\n"
                              "                     {entity_id}\n"
                              "      --word         abcdefghijklmnopqrst\n"
                              "                     uvwxyz end\n"
                              "      --fits         exactly twenty chars\n");
    for (const char *p = text; *p != '\0';) {
        size_t n = strcspn(p, "\n");
        assert_true(n <= 41);
        p += n + 1;
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables_to_getopt), cmocka_unit_test(bad_tables),
        cmocka_unit_test(ids_and_values),   cmocka_unit_test(in_order),
        cmocka_unit_test(usage_errors),     cmocka_unit_test(help_list),
        cmocka_unit_test(help_wrapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
