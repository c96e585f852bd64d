/* examples/receiver/journal: the --state file. Replaying a text (counts,
 * an A without a P to process again), every kind of garbage refused with
 * file:line and what is wrong, a record cut short by a crash, ids that
 * must be escaped, appending and reading back, the file refused or in use;
 * and the server replaying a journal at start. */
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

#include "examples/receiver/journal.h"
#include "examples/receiver/server.h"

#define WANT " (want 'A <event id>', 'P <event id>' or 'U <entity id> <ms>')"

struct fixture {
    char dir[64];
    char path[128]; /* dir/state, absent at start */
};

static int fx_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/vambe-journal-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/state", f->dir);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* The file's bytes, NUL-terminated, into buf. */
static size_t read_file(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return n;
}

static const struct rcv_journal_event *find(const struct rcv_journal_replay *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->events[i].id, id) == 0) {
            return &r->events[i];
        }
    }
    return NULL;
}

static void replay_counts(void **state)
{
    (void)state;
    static const char text[] = "A evt_1\nP evt_1\nA evt_2\nA evt_3\nP evt_3\nP evt_3\n"
                               "P evt_4\nA evt_5\nA evt_5\n";
    struct rcv_journal_replay r;
    struct err e = {{0}};

    assert_int_equal(rcv_journal_parse(text, strlen(text), "st", &r, &e), 0);
    assert_int_equal(r.records, 9);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.valid_len, strlen(text));
    assert_int_equal(r.torn_line, 0);
    /* in the order of their first record */
    assert_string_equal(r.events[0].id, "evt_1");
    assert_string_equal(r.events[1].id, "evt_2");
    assert_string_equal(r.events[4].id, "evt_5");
    /* accepted and processed: done */
    assert_int_equal(find(&r, "evt_1")->accepted, 1);
    assert_int_equal(find(&r, "evt_1")->processed, 1);
    assert_false(rcv_journal_pending(find(&r, "evt_1")));
    /* accepted, never processed: to be queued again */
    assert_int_equal(find(&r, "evt_2")->processed, 0);
    assert_true(rcv_journal_pending(find(&r, "evt_2")));
    /* each P counts */
    assert_int_equal(find(&r, "evt_3")->processed, 2);
    assert_false(rcv_journal_pending(find(&r, "evt_3")));
    /* a P alone is counted, never queued */
    assert_int_equal(find(&r, "evt_4")->accepted, 0);
    assert_int_equal(find(&r, "evt_4")->processed, 1);
    assert_false(rcv_journal_pending(find(&r, "evt_4")));
    /* two A (a retry after a 503): still one event to process */
    assert_int_equal(find(&r, "evt_5")->accepted, 2);
    assert_true(rcv_journal_pending(find(&r, "evt_5")));
    assert_null(find(&r, "evt_6"));
    assert_int_equal(r.n_updates, 0);
    rcv_journal_replay_cleanup(&r);
    assert_null(r.events);
    assert_int_equal(r.n, 0);
}

/* U records: each entity change in the file's order, apart from the
 * events; a torn U at the end is dropped like any torn record. */
static void replay_updates(void **state)
{
    (void)state;
    static const char text[] = "A evt_1\nU con%201 1733400000000\nP evt_1\nU tkt_2 5\n"
                               "U con%201 1733300000000\nU con_3 17";
    struct rcv_journal_replay r;
    struct err e = {{0}};

    assert_int_equal(rcv_journal_parse(text, strlen(text), "st", &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.records, 5);
    assert_int_equal(r.torn_line, 6);
    assert_int_equal(r.n_updates, 3);
    assert_string_equal(r.updates[0].entity, "con 1");
    assert_int_equal(r.updates[0].at_ms, 1733400000000ull);
    assert_string_equal(r.updates[1].entity, "tkt_2");
    assert_int_equal(r.updates[1].at_ms, 5);
    assert_int_equal(r.updates[2].at_ms, 1733300000000ull);
    rcv_journal_replay_cleanup(&r);
    assert_null(r.updates);
}

/* Many ids: the index grows and every count stays with its id. */
static void replay_many(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    struct rcv_journal_replay r;
    struct err e = {{0}};

    assert_non_null(mem);
    for (int i = 0; i < 5000; i++) {
        fprintf(mem, "A evt_%d\n", i);
        if (i % 3 == 0) {
            fprintf(mem, "P evt_%d\n", i);
        }
    }
    fclose(mem);
    assert_int_equal(rcv_journal_parse(text, len, "st", &r, &e), 0);
    assert_int_equal(r.n, 5000);
    size_t pending = 0;
    for (size_t i = 0; i < r.n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "evt_%zu", i);
        assert_string_equal(r.events[i].id, id);
        assert_int_equal(r.events[i].processed, i % 3 == 0 ? 1 : 0);
        pending += rcv_journal_pending(&r.events[i]);
    }
    assert_int_equal(pending, 5000 - 1667);
    rcv_journal_replay_cleanup(&r);
    free(text);
}

static void garbage_refused(void **state)
{
    (void)state;
    char longest[RCV_ID_MAX + 4] = "A ";
    char too_long[RCV_ID_MAX + 5] = "A ";
    memset(longest + 2, 'x', RCV_ID_MAX);
    longest[RCV_ID_MAX + 2] = '\n';
    memset(too_long + 2, 'x', RCV_ID_MAX + 1);
    too_long[RCV_ID_MAX + 3] = '\n';
    static const char nul[] = "A evt_1\nA ev\0t_2\n";
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        const char *message;
    } cases[] = {
        {"A evt_1\nX evt_2\n", 0, "st:2: unknown record 'X'" WANT},
        {"A evt_1\nAP evt_2\n", 0, "st:2: unknown record 'AP'" WANT},
        {"a evt_1\n", 0, "st:1: unknown record 'a'" WANT},
        {"\x01 evt_1\n", 0, "st:1: unknown record '\\x01'" WANT},
        {"{\"not\": \"a journal\"}\n", 0, "st:1: unknown record '{\"not\":'" WANT},
        {"A evt_1\nA\n", 0, "st:2: 'A' record without an event id"},
        {"P \n", 0, "st:1: 'P' record without an event id"},
        {"A evt_1\n\nP evt_1\n", 0, "st:2: an empty line" WANT},
        {NULL, 0, "st:1: event id longer than 128 bytes"}, /* too_long */
        {nul, sizeof(nul) - 1, "st:2: a NUL byte in the record" WANT},
        {"A evt 1\n", 0, "st:1: byte 0x20 in the event id: it must be written %20"},
        {"A evt_1\r\n", 0, "st:1: byte 0x0d in the event id: it must be written %0D"},
        {"A evt_1\nA evt_\xc3\xa9\n", 0, "st:2: byte 0xc3 in the event id: it must be written %C3"},
        {"A evt%zz\n", 0, "st:1: bad escape '%zz' in the event id (want %XX, two hex digits)"},
        {"A evt%2\n", 0, "st:1: bad escape '%2' in the event id (want %XX, two hex digits)"},
        {"A evt%\n", 0, "st:1: bad escape '%' in the event id (want %XX, two hex digits)"},
        {"A evt%00\n", 0, "st:1: an escaped NUL (%00) in the event id"},
        /* a last line cut short, but not the start of a record */
        {"A evt_1\nhello", 0, "st:2: unknown record 'hello'" WANT},
        {"A evt_1\nA evt%G", 0, "st:2: bad escape '%G' in the event id (want %XX, two hex digits)"},
        /* U records: an entity, a space, milliseconds */
        {"U con_1\n", 0, "st:1: 'U' record without its time (want 'U <entity id> <ms>')"},
        {"U con_1 \n", 0, "st:1: 'U' record without its time (want 'U <entity id> <ms>')"},
        {"U con_1 12x\n", 0, "st:1: 'U' record with a bad time (want milliseconds, digits only)"},
        {"U con_1 -5\n", 0, "st:1: 'U' record with a bad time (want milliseconds, digits only)"},
        {"U con_1 99999999999999999999\n", 0,
         "st:1: 'U' record with a bad time (want milliseconds, digits only)"},
        {"U con%zz 5\n", 0, "st:1: bad escape '%zz' in the event id (want %XX, two hex digits)"},
        {"U \n", 0, "st:1: 'U' record without an event id"},
    };
    struct rcv_journal_replay r;
    struct err e = {{0}};

    /* 128 bytes: the longest id, accepted */
    assert_int_equal(rcv_journal_parse(longest, strlen(longest), "st", &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(strlen(r.events[0].id), RCV_ID_MAX);
    rcv_journal_replay_cleanup(&r);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *text = cases[i].text != NULL ? cases[i].text : too_long;
        size_t len = cases[i].len > 0 ? cases[i].len : strlen(text);
        memset(&e, 0, sizeof(e));
        assert_int_equal(rcv_journal_parse(text, len, "st", &r, &e), -1);
        print_message("%s\n", e.msg);
        assert_string_equal(e.msg, cases[i].message);
        rcv_journal_replay_cleanup(&r);
    }
}

static void empty_text(void **state)
{
    (void)state;
    struct rcv_journal_replay r;
    struct err e = {{0}};

    assert_int_equal(rcv_journal_parse("", 0, "st", &r, &e), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.valid_len, 0);
    assert_int_equal(r.torn_line, 0);
    rcv_journal_replay_cleanup(&r);
}

/* A last line without its newline that starts like a record: a write a
 * crash cut short, dropped. */
static void torn_tail(void **state)
{
    (void)state;
    static const char *const tails[] = {"A", "P ", "A evt_2", "A evt%2", "A evt%"};
    struct rcv_journal_replay r;
    struct err e = {{0}};

    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        char text[64];
        snprintf(text, sizeof(text), "A evt_1\nP evt_1\n%s", tails[i]);
        assert_int_equal(rcv_journal_parse(text, strlen(text), "st", &r, &e), 0);
        assert_int_equal(r.torn_line, 3);
        assert_int_equal(r.valid_len, strlen("A evt_1\nP evt_1\n"));
        assert_int_equal(r.records, 2);
        assert_int_equal(r.n, 1);
        assert_null(find(&r, "evt_2"));
        rcv_journal_replay_cleanup(&r);
    }
}

/* Every byte but NUL survives the trip through the file, and none of them
 * ever shows in it as a space, a newline or a non-ASCII byte. */
static void escape_round_trip(void **state)
{
    (void)state;
    char id[RCV_ID_MAX + 1];
    char esc[RCV_JOURNAL_ID_MAX + 1];
    char line[RCV_JOURNAL_ID_MAX + 8];
    struct rcv_journal_replay r;
    struct err e = {{0}};

    for (int start = 1; start < 256; start += RCV_ID_MAX) {
        size_t n = 0;
        for (int c = start; c < 256 && n < RCV_ID_MAX; c++) {
            id[n++] = (char)c;
        }
        id[n] = '\0';
        size_t len = rcv_journal_escape(id, esc, sizeof(esc));
        assert_int_equal(len, strlen(esc));
        for (size_t k = 0; k < len; k++) {
            assert_true(esc[k] > ' ' && esc[k] <= '~');
        }
        int w = snprintf(line, sizeof(line), "A %s\n", esc);
        assert_int_equal(rcv_journal_parse(line, (size_t)w, "st", &r, &e), 0);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.events[0].id, id);
        rcv_journal_replay_cleanup(&r);
    }
    rcv_journal_escape("evt 1\nP evil%", esc, sizeof(esc));
    assert_string_equal(esc, "evt%201%0AP%20evil%25");
    rcv_journal_escape("evt_\xc3\xa9", esc, sizeof(esc));
    assert_string_equal(esc, "evt_%C3%A9");
    /* lower-case hex digits are read too */
    assert_int_equal(rcv_journal_parse("A a%2fb\n", 8, "st", &r, &e), 0);
    assert_string_equal(r.events[0].id, "a/b");
    rcv_journal_replay_cleanup(&r);
}

static void append_and_read_back(void **state)
{
    struct fixture *f = *state;
    struct rcv_journal_replay r;
    struct err e = {{0}};
    char text[1024];
    char too_long[RCV_ID_MAX + 2];

    /* absent: created, empty */
    struct rcv_journal *j = rcv_journal_open(f->path, &r, &e);
    assert_non_null(j);
    assert_int_equal(r.n, 0);
    rcv_journal_replay_cleanup(&r);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_ACCEPTED, "evt_1", true, &e), 0);
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_PROCESSED, "evt_1", false, &e), 0);
    assert_int_equal(
        rcv_journal_append(j, RCV_JOURNAL_ACCEPTED | RCV_JOURNAL_PROCESSED, "evt_2", false, &e), 0);
    /* an id that would break a line, or forge a record, is escaped */
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_ACCEPTED, "evt 3\nP evil%", true, &e), 0);
    /* refused: nothing written */
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_ACCEPTED, "", true, &e), -1);
    assert_string_equal(e.msg, "event id of 0 bytes: not written (1 to 128)");
    memset(too_long, 'x', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_ACCEPTED, too_long, true, &e), -1);
    assert_string_equal(e.msg, "event id of 129 bytes: not written (1 to 128)");
    rcv_journal_close(j);
    read_file(f->path, text, sizeof(text));
    assert_string_equal(text, "A evt_1\nP evt_1\nA evt_2\nP evt_2\nA evt%203%0AP%20evil%25\n");

    /* read back */
    j = rcv_journal_open(f->path, &r, &e);
    assert_non_null(j);
    assert_int_equal(r.records, 5);
    assert_int_equal(r.n, 3);
    assert_int_equal(find(&r, "evt_1")->processed, 1);
    assert_int_equal(find(&r, "evt_2")->processed, 1);
    const struct rcv_journal_event *ev = find(&r, "evt 3\nP evil%");
    assert_non_null(ev);
    assert_true(rcv_journal_pending(ev));
    assert_null(find(&r, "evil%"));
    rcv_journal_replay_cleanup(&r);
    /* appending goes on at the end */
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_PROCESSED, "evt 3\nP evil%", false, &e), 0);
    /* an entity change, escaped like an id */
    assert_int_equal(rcv_journal_append_update(j, "con 9", 1733400000123ull, &e), 0);
    assert_int_equal(rcv_journal_append_update(j, "", 1, &e), -1);
    assert_string_equal(e.msg, "entity id of 0 bytes: not written (1 to 128)");
    rcv_journal_close(j);
    read_file(f->path, text, sizeof(text));
    assert_non_null(strstr(text, "%25\nP evt%203%0AP%20evil%25\nU con%209 1733400000123\n"));
    j = rcv_journal_open(f->path, &r, &e);
    assert_non_null(j);
    assert_int_equal(r.n_updates, 1);
    assert_string_equal(r.updates[0].entity, "con 9");
    assert_int_equal(r.updates[0].at_ms, 1733400000123ull);
    rcv_journal_replay_cleanup(&r);
    rcv_journal_close(j);
}

/* An empty file (a receiver that never accepted anything) replays to
 * nothing and stays as it is until the first record. */
static void empty_file(void **state)
{
    struct fixture *f = *state;
    struct rcv_journal_replay r;
    struct err e = {{0}};
    char text[64];

    write_file(f->path, "", 0);
    struct rcv_journal *j = rcv_journal_open(f->path, &r, &e);
    assert_non_null(j);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.torn_line, 0);
    rcv_journal_replay_cleanup(&r);
    assert_int_equal(read_file(f->path, text, sizeof(text)), 0);
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_ACCEPTED, "evt_1", true, &e), 0);
    rcv_journal_close(j);
    assert_int_equal(read_file(f->path, text, sizeof(text)), 8);
    assert_string_equal(text, "A evt_1\n");
}

/* A record cut short by a crash is dropped and cut from the file, so the
 * next record starts on a line of its own. */
static void torn_tail_cut_from_the_file(void **state)
{
    struct fixture *f = *state;
    struct rcv_journal_replay r;
    struct err e = {{0}};
    char text[256];

    write_file(f->path, "A evt_1\nP evt_1\nA evt_2", 23);
    struct rcv_journal *j = rcv_journal_open(f->path, &r, &e);
    assert_non_null(j);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.torn_line, 3);
    rcv_journal_replay_cleanup(&r);
    assert_int_equal(rcv_journal_append(j, RCV_JOURNAL_ACCEPTED, "evt_3", true, &e), 0);
    rcv_journal_close(j);
    read_file(f->path, text, sizeof(text));
    assert_string_equal(text, "A evt_1\nP evt_1\nA evt_3\n");
}

static void file_refused(void **state)
{
    struct fixture *f = *state;
    struct rcv_journal_replay r;
    struct err e = {{0}};
    char want[256];
    char missing[160];

    /* a folder: refused by the check and by open */
    assert_int_equal(rcv_journal_check(f->dir, &e), -1);
    snprintf(want, sizeof(want), "state file %s is a folder: give the path of a regular file",
             f->dir);
    assert_string_equal(e.msg, want);
    assert_null(rcv_journal_open(f->dir, &r, &e));
    assert_string_equal(e.msg, want);
    assert_int_equal(rcv_journal_check("", &e), -1);
    assert_string_equal(e.msg, "the state file path is empty");
    /* absent, or a regular file: fine */
    assert_int_equal(rcv_journal_check(f->path, &e), 0);

    /* its folder is missing */
    snprintf(missing, sizeof(missing), "%s/no/state", f->dir);
    assert_null(rcv_journal_open(missing, &r, &e));
    snprintf(want, sizeof(want), "cannot open state file %s: No such file or directory", missing);
    assert_string_equal(e.msg, want);

    /* garbage: file:line and what is wrong, and the file is left alone */
    write_file(f->path, "A evt_1\nA evt 2\n", 16);
    assert_null(rcv_journal_open(f->path, &r, &e));
    snprintf(want, sizeof(want), "%s:2: byte 0x20 in the event id: it must be written %%20",
             f->path);
    assert_string_equal(e.msg, want);
    assert_int_equal(r.n, 0);
    char text[64];
    assert_int_equal(read_file(f->path, text, sizeof(text)), 16);

    /* one receiver a file */
    write_file(f->path, "A evt_1\n", 8);
    struct rcv_journal *j = rcv_journal_open(f->path, &r, &e);
    assert_non_null(j);
    rcv_journal_replay_cleanup(&r);
    assert_null(rcv_journal_open(f->path, &r, &e));
    snprintf(want, sizeof(want), "state file %s is in use by another process", f->path);
    assert_string_equal(e.msg, want);
    rcv_journal_close(j);
    j = rcv_journal_open(f->path, &r, &e); /* free again */
    assert_non_null(j);
    assert_int_equal(r.n, 1);
    rcv_journal_replay_cleanup(&r);
    rcv_journal_close(j);
    rcv_journal_close(NULL);
}

/* The server replays its journal at start: counts survive, the event
 * accepted but not processed is processed (its P written), and nothing is
 * processed twice. rcv_server_stop finishes the queue: no waiting. */
static void server_replays(void **state)
{
    struct fixture *f = *state;
    struct rcv_server_opts o = {.secret = "whsec_journal", .port = 0, .state = f->path};
    struct err e = {{0}};
    char text[256];

    write_file(f->path, "A evt_a\nP evt_a\nA evt_b\n", 24);
    struct rcv_server *s = rcv_server_start(&o, &e);
    assert_non_null(s);
    assert_int_equal(rcv_server_processed(s, "evt_a"), 1);
    rcv_server_stop(s);
    read_file(f->path, text, sizeof(text));
    assert_string_equal(text, "A evt_a\nP evt_a\nA evt_b\nP evt_b\n");

    s = rcv_server_start(&o, &e);
    assert_non_null(s);
    assert_int_equal(rcv_server_processed(s, "evt_a"), 1);
    assert_int_equal(rcv_server_processed(s, "evt_b"), 1);
    assert_int_equal(rcv_server_processed(s, "evt_c"), 0);
    rcv_server_stop(s);
    read_file(f->path, text, sizeof(text));
    assert_string_equal(text, "A evt_a\nP evt_a\nA evt_b\nP evt_b\n"); /* nothing again */

    /* garbage: the server does not start */
    write_file(f->path, "A evt_a\nQ evt_b\n", 16);
    assert_null(rcv_server_start(&o, &e));
    assert_non_null(strstr(e.msg, ":2: unknown record 'Q'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_counts),
        cmocka_unit_test(replay_many),
        cmocka_unit_test(replay_updates),
        cmocka_unit_test(garbage_refused),
        cmocka_unit_test(empty_text),
        cmocka_unit_test(torn_tail),
        cmocka_unit_test(escape_round_trip),
        cmocka_unit_test_setup_teardown(append_and_read_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(empty_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(torn_tail_cut_from_the_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(file_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(server_replays, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
