/* harness/suite: finding the built-in suite, walking a folder, duplicate
 * ids, selection by --only/--skip/--tags (and its errors), the checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/suite.h"

static char dir[] = "/tmp/vambe-suite-XXXXXX";

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *scenario(const char *id, const char *tags)
{
    static char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"format\": 1, \"id\": \"%s\", \"title\": \"t\", \"level\": \"MUST\", "
             "\"reference\": \"r\", \"tags\": [%s], \"steps\": [{\"step\": \"wait\", "
             "\"duration\": \"1ms\"}]}\n",
             id, tags);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    char sub[512];
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(sub, sizeof(sub), "%s/B", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof(sub), "%s/.hidden", dir);
    mkdir(sub, 0700);
    put("B/BBB-001-x.json", scenario("BBB-001", "\"beta\", \"shared\""));
    put("AAA-002-y.json", scenario("AAA-002", "\"alpha\""));
    put("AAA-001-z.json", scenario("AAA-001", "\"alpha\", \"shared\""));
    put("notes.txt", "not a scenario");
    put(".hidden/CCC-001.json", "not even JSON");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void walk_and_load(void **state)
{
    (void)state;
    char **paths = NULL;
    size_t n = 0;
    struct err e = {{0}};
    char want[512];

    assert_int_equal(hn_suite_list_files(dir, &paths, &n, &e), 0);
    assert_int_equal(n, 3);
    snprintf(want, sizeof(want), "%s/AAA-001-z.json", dir);
    assert_string_equal(paths[0], want);
    snprintf(want, sizeof(want), "%s/B/BBB-001-x.json", dir);
    assert_string_equal(paths[2], want);
    for (size_t i = 0; i < n; i++) {
        free(paths[i]);
    }
    free(paths);

    struct hn_suite s = {NULL, 0};
    assert_int_equal(hn_suite_add_dir(&s, dir, &e), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.items[0]->id, "AAA-001");
    assert_string_equal(s.items[1]->id, "AAA-002");
    /* The same id twice is an error naming both files. */
    snprintf(want, sizeof(want), "%s/AAA-002-y.json", dir);
    assert_int_equal(hn_suite_add_file(&s, want, &e), -1);
    assert_non_null(strstr(e.msg, "id AAA-002 is already defined by"));
    assert_int_equal(s.n, 3);
    hn_suite_cleanup(&s);

    assert_int_equal(hn_suite_list_files("/nonexistent-folder", &paths, &n, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent-folder: cannot open folder"));
}

/* A FIFO among the scenario files (or given as one) is refused at once
 * with what it is: opening it would wait for a writer forever. */
static void fifo_refused(void **state)
{
    (void)state;
    char fifo_dir[600], fifo[700], want[800];
    struct hn_suite s = {NULL, 0};
    struct err e = {{0}};

    snprintf(fifo_dir, sizeof(fifo_dir), "%s-fifo", dir);
    assert_int_equal(mkdir(fifo_dir, 0700), 0);
    snprintf(fifo, sizeof(fifo), "%s/AAA-009-pipe.json", fifo_dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(want, sizeof(want), "%s: cannot open: is a FIFO, not a regular file", fifo);
    assert_int_equal(hn_suite_add_file(&s, fifo, &e), -1);
    assert_string_equal(e.msg, want);
    assert_int_equal(hn_suite_add_dir(&s, fifo_dir, &e), -1);
    assert_string_equal(e.msg, want);
    assert_int_equal(s.n, 0);
    hn_suite_cleanup(&s);
    unlink(fifo);
    rmdir(fifo_dir);
}

/* Loads the folder and applies a selection; returns the ids kept, joined. */
static int pick(const char *only, const char *skip, const char *tags, char *out, size_t size,
                struct err *e)
{
    struct hn_suite s = {NULL, 0};
    assert_int_equal(hn_suite_add_dir(&s, dir, e), 0);
    int rc = hn_suite_select(&s, only, skip, tags, e);
    out[0] = '\0';
    for (size_t i = 0; i < s.n && rc == 0; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s ", s.items[i]->id);
    }
    hn_suite_cleanup(&s);
    return rc;
}

static void selection(void **state)
{
    (void)state;
    char got[256];
    struct err e = {{0}};

    assert_int_equal(pick(NULL, NULL, NULL, got, sizeof(got), &e), 0);
    assert_string_equal(got, "AAA-001 AAA-002 BBB-001 ");
    assert_int_equal(pick("BBB-001, AAA-001", NULL, NULL, got, sizeof(got), &e), 0);
    assert_string_equal(got, "AAA-001 BBB-001 ");
    assert_int_equal(pick(NULL, "AAA-002", NULL, got, sizeof(got), &e), 0);
    assert_string_equal(got, "AAA-001 BBB-001 ");
    assert_int_equal(pick(NULL, NULL, "beta,nope", got, sizeof(got), &e), 0);
    assert_string_equal(got, "BBB-001 ");
    assert_int_equal(pick(NULL, "AAA-001", "shared", got, sizeof(got), &e), 0);
    assert_string_equal(got, "BBB-001 ");

    assert_int_equal(pick("AAA-001,XYZ-123", NULL, NULL, got, sizeof(got), &e), -1);
    assert_string_equal(e.msg, "--only: no case 'XYZ-123' in the suite (see: vambe-harness list)");
    assert_int_equal(pick(NULL, "AAA-00", NULL, got, sizeof(got), &e), -1);
    assert_non_null(strstr(e.msg, "--skip: no case 'AAA-00'"));
    /* A selection that leaves nothing is an error, never an empty pass. */
    assert_int_equal(pick(NULL, NULL, "gamma", got, sizeof(got), &e), -1);
    assert_non_null(strstr(e.msg, "no case selected"));
    assert_int_equal(pick("AAA-001", "AAA-001", NULL, got, sizeof(got), &e), -1);
    assert_non_null(strstr(e.msg, "no case selected"));

    struct hn_suite empty = {NULL, 0};
    assert_int_equal(hn_suite_select(&empty, NULL, NULL, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "the suite has no scenarios"));
}

static void checksum(void **state)
{
    (void)state;
    struct hn_suite s = {NULL, 0};
    struct err e = {{0}};
    char path[512];

    snprintf(path, sizeof(path), "%s/AAA-001-z.json", dir);
    assert_int_equal(hn_suite_add_file(&s, path, &e), 0);
    /* The checksum is over the files' bytes: rewrite the file as "abc"
     * after loading, and it must be SHA-256("abc"). */
    put("AAA-001-z.json", "abc");
    char *sum = hn_suite_checksum(&s);
    assert_non_null(sum);
    assert_string_equal(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    free(sum);
    put("AAA-001-z.json", scenario("AAA-001", "\"alpha\", \"shared\""));
    hn_suite_cleanup(&s);
}

static void builtin_found(void **state)
{
    (void)state;
    char found[4096];
    struct stat st;

    assert_int_equal(hn_suite_default_dir(found, sizeof(found)), 0);
    assert_int_equal(stat(found, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_non_null(strstr(found, "scenarios"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_and_load), cmocka_unit_test(selection),    cmocka_unit_test(checksum),
        cmocka_unit_test(builtin_found), cmocka_unit_test(fifo_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
