/* harness/scenario: every step and mutation parses into the right fields;
 * every kind of bad scenario is refused with a message naming the file, the
 * line and column of the key at fault, and its JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario.h"
#include "harness/suite.h"

/* A scenario around a steps array; %s is the steps' text (one line). */
#define HEAD                                                                                       \
    "{\n"                                                                                          \
    "  \"format\": 1,\n"                                                                           \
    "  \"id\": \"TST-001\",\n"                                                                     \
    "  \"title\": \"a test case\",\n"                                                              \
    "  \"level\": \"MUST\",\n"                                                                     \
    "  \"reference\": \"the tests\",\n"                                                            \
    "  \"tags\": [\"t\"],\n"                                                                       \
    "  \"steps\": [\n"                                                                             \
    "    "
#define TAIL                                                                                       \
    "\n"                                                                                           \
    "  ]\n"                                                                                        \
    "}\n"

static char *with_steps(const char *steps)
{
    size_t n = strlen(HEAD) + strlen(steps) + strlen(TAIL) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s%s%s", HEAD, steps, TAIL);
    return s;
}

/* Line and column (1-based, characters) of the nth (0-based) occurrence of
 * needle in text. */
static void pos_of(const char *text, const char *needle, int nth, int *line, int *col)
{
    const char *hit = strstr(text, needle);
    for (int i = 0; i < nth && hit != NULL; i++) {
        hit = strstr(hit + 1, needle);
    }
    assert_non_null(hit);
    *line = 1;
    *col = 1;
    for (const char *p = text; p < hit; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)*p & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static struct hn_scenario *parse_ok(const char *text)
{
    struct hn_scenario *s = NULL;
    struct err e = {{0}};
    int rc = hn_scenario_parse(text, strlen(text), "t.json", &s, &e);
    if (rc != 0) {
        fprintf(stderr, "unexpected error: %s\n", e.msg);
    }
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

static void all_steps_and_mutations(void **state)
{
    (void)state;
    char *text = with_steps(
        "{\"step\": \"deliver\", \"name\": \"a\", \"note\": \"n\", \"topic\": \"ticket.closed\", "
        "\"data\": {\"amount\": 5}, \"attempt\": 3, "
        "\"mutate\": {\"signature\": \"other_secret\", \"timestamp_shift_s\": -600, "
        "\"alter_body\": true, \"raw_body\": \"{bad\", \"method\": \"PUT\", "
        "\"add_headers\": {\"X-Extra\": \"1\"}, \"remove_headers\": [\"User-Agent\"]}, "
        "\"expect\": {\"status\": [401, 403, \"5xx\"], \"status_not\": [\"2xx\", \"3xx\"], "
        "\"latency_max\": \"5s\"}},\n"
        "    {\"step\": \"deliver\", \"same_as\": \"a\", \"mutate\": {\"signature\": "
        "\"missing\", \"timestamp\": \"missing\"}, \"expect\": {\"status\": 200}},\n"
        "    {\"step\": \"deliver\", \"name\": \"b\", \"same_data_as\": \"a\", "
        "\"extra_fields\": {\"v\": 2}, \"mutate\": "
        "{\"signature\": \"malformed\", \"timestamp\": \"malformed\"}},\n"
        "    {\"step\": \"deliver\", \"mutate\": {\"signature\": \"uppercase\", \"raw_body\": "
        "\"\"}, \"expect\": {\"status_not\": \"5xx\"}},\n"
        "    {\"step\": \"burst\", \"name\": \"c\", \"count\": 10, \"concurrency\": 5, "
        "\"copies\": true, \"topic\": \"stage.changed\", \"expect\": {\"status\": \"2xx\", "
        "\"p95_max\": \"1s\", \"latency_max\": \"5s\"}},\n"
        "    {\"step\": \"deliver\", \"same_as\": \"c\"},\n"
        "    {\"step\": \"wait\", \"duration\": \"250ms\"},\n"
        "    {\"step\": \"probe\", \"of\": \"a\", \"expect\": {\"count\": 1}},\n"
        "    {\"step\": \"probe\", \"of\": [\"a\", \"b\", \"c\"], \"expect\": {\"count\": 0}},\n"
        "    {\"step\": \"target\", \"expect\": {\"scheme\": \"https\"}}");
    struct hn_scenario *s = parse_ok(text);

    assert_string_equal(s->id, "TST-001");
    assert_string_equal(s->area, "TST");
    assert_int_equal(s->level, RP_LEVEL_MUST);
    assert_int_equal(s->n_tags, 1);
    assert_int_equal(s->n_steps, 10);
    assert_true(s->needs_probe);
    assert_true(s->latency_case);

    const struct hn_step *d = &s->steps[0];
    assert_int_equal(d->kind, HN_STEP_DELIVER);
    assert_int_equal(d->line, 9);
    assert_string_equal(d->name, "a");
    assert_string_equal(d->topic, "ticket.closed");
    assert_int_equal(json_integer_value(json_object_get(d->data, "amount")), 5);
    assert_null(d->extra_fields);
    assert_int_equal(d->attempt, 3);
    assert_int_equal(d->mutate.signature, HN_SIG_OTHER_SECRET);
    assert_int_equal(d->mutate.shift_s, -600);
    assert_true(d->mutate.alter_body);
    assert_true(d->mutate.has_raw_body);
    assert_string_equal(d->mutate.raw_body, "{bad");
    assert_string_equal(d->mutate.method, "PUT");
    assert_int_equal(d->mutate.n_add, 1);
    assert_string_equal(d->mutate.add[0].name, "X-Extra");
    assert_string_equal(d->mutate.add[0].value, "1");
    assert_int_equal(d->mutate.n_remove, 1);
    assert_string_equal(d->mutate.remove[0], "User-Agent");
    assert_true(d->expect.has_status);
    assert_int_equal(d->expect.n_codes, 2);
    assert_int_equal(d->expect.codes[1], 403);
    assert_int_equal(d->expect.class_mask, HN_CLASS_BIT(5));
    assert_int_equal(d->expect.not_class_mask, HN_CLASS_BIT(2) | HN_CLASS_BIT(3));
    assert_int_equal(d->expect.latency_max_ms, 5000);

    assert_int_equal(s->steps[1].same_as, 0);
    assert_string_equal(s->steps[1].topic, "ticket.closed");
    assert_int_equal(s->steps[1].mutate.signature, HN_SIG_MISSING);
    assert_int_equal(s->steps[1].mutate.timestamp, HN_TS_MISSING);
    assert_int_equal(s->steps[1].expect.codes[0], 200);
    assert_int_equal(s->steps[2].same_data_as, 0);
    assert_non_null(json_object_get(s->steps[2].extra_fields, "v"));
    assert_string_equal(s->steps[2].topic, "ticket.closed");
    assert_int_equal(s->steps[2].mutate.signature, HN_SIG_MALFORMED);
    assert_int_equal(s->steps[2].mutate.timestamp, HN_TS_MALFORMED);
    assert_int_equal(s->steps[3].mutate.signature, HN_SIG_UPPERCASE);
    assert_true(s->steps[3].mutate.has_raw_body);
    assert_int_equal(s->steps[3].mutate.raw_body_len, 0);
    assert_int_equal(s->steps[3].expect.not_class_mask, HN_CLASS_BIT(5));
    assert_string_equal(s->steps[3].topic, "message.received");

    const struct hn_step *b = &s->steps[4];
    assert_int_equal(b->kind, HN_STEP_BURST);
    assert_int_equal(b->count, 10);
    assert_int_equal(b->concurrency, 5);
    assert_true(b->copies);
    assert_int_equal(b->expect.p95_max_ms, 1000);
    assert_int_equal(s->steps[5].same_as, 4);
    assert_int_equal(s->steps[6].kind, HN_STEP_WAIT);
    assert_int_equal(s->steps[6].wait_ms, 250);
    assert_int_equal(s->steps[7].n_of, 1);
    assert_int_equal(s->steps[7].of[0], 0);
    assert_true(s->steps[7].expect.has_count);
    assert_int_equal(s->steps[7].expect.count, 1);
    assert_int_equal(s->steps[8].n_of, 3);
    assert_int_equal(s->steps[8].of[2], 4);
    assert_int_equal(s->steps[8].expect.count, 0);
    assert_int_equal(s->steps[9].kind, HN_STEP_TARGET);
    assert_true(s->steps[9].expect.https);
    hn_scenario_free(s);
    free(text);
}

static void defaults(void **state)
{
    (void)state;
    char *text = with_steps("{\"step\": \"deliver\"}");
    struct hn_scenario *s = parse_ok(text);
    const struct hn_step *d = &s->steps[0];

    assert_string_equal(d->topic, "message.received");
    assert_null(d->data);
    assert_int_equal(d->same_as, -1);
    assert_int_equal(d->same_data_as, -1);
    assert_int_equal(d->attempt, 1);
    assert_int_equal(d->mutate.signature, HN_SIG_VALID);
    assert_int_equal(d->mutate.timestamp, HN_TS_VALID);
    assert_false(d->expect.has_status);
    assert_false(s->needs_probe);
    assert_false(s->latency_case);
    hn_scenario_free(s);
    free(text);
}

struct bad_case {
    const char *steps; /* the steps, or NULL when text is a whole file */
    const char *text;
    const char *needle; /* where the error must point; NULL: line 1, column 1 */
    int nth;            /* which occurrence of needle */
    const char *msg;    /* must appear after "t.json:L:C: " */
};

static const struct bad_case bad[] = {
    /* 1. Not JSON at all: jansson's own line and column. */
    {NULL, "{\n  \"format\": 1,\n  oops\n}\n", NULL, 0, "not valid JSON"},
    /* 2. JSON, but not an object. */
    {NULL, "[1, 2]", NULL, 0, "(top level): a scenario is a JSON object"},
    /* 3. Another format version. */
    {NULL,
     "{\n  \"format\": 2,\n  \"id\": \"TST-001\", \"title\": \"t\", \"level\": \"MUST\",\n"
     "  \"reference\": \"r\", \"tags\": [], \"steps\": [{\"step\": \"wait\", \"duration\": "
     "\"1ms\"}]\n}",
     "\"format\"", 0, "format: unsupported format 2 (this harness reads format 1)"},
    /* 4. No format. */
    {NULL,
     "{\"id\": \"TST-001\", \"title\": \"t\", \"level\": \"MUST\", \"reference\": \"r\", "
     "\"tags\": [], \"steps\": [{\"step\": \"wait\", \"duration\": \"1ms\"}]}",
     NULL, 0, "(top level): missing required field 'format'"},
    /* 5. No id. */
    {NULL,
     "{\"format\": 1, \"title\": \"t\", \"level\": \"MUST\", \"reference\": \"r\", "
     "\"tags\": [], \"steps\": [{\"step\": \"wait\", \"duration\": \"1ms\"}]}",
     NULL, 0, "(top level): missing required field 'id'"},
    /* 6. A malformed id. */
    {NULL,
     "{\"format\": 1,\n \"id\": \"sig2\", \"title\": \"t\", \"level\": \"MUST\", "
     "\"reference\": \"r\", \"tags\": [], \"steps\": [{\"step\": \"wait\", \"duration\": "
     "\"1ms\"}]}",
     "\"id\"", 0, "id: bad id 'sig2'"},
    /* 7. A level that is not MUST/SHOULD/INFO. */
    {NULL,
     "{\"format\": 1, \"id\": \"TST-001\", \"title\": \"t\",\n\n \"level\": \"MAYBE\", "
     "\"reference\": \"r\", \"tags\": [], \"steps\": [{\"step\": \"wait\", \"duration\": "
     "\"1ms\"}]}",
     "\"level\"", 0, "level: bad level 'MAYBE' (use MUST, SHOULD or INFO)"},
    /* 7b. A level_when_id_signed that does not raise the case's. */
    {NULL,
     "{\"format\": 1, \"id\": \"TST-001\", \"title\": \"t\", \"level\": \"SHOULD\",\n "
     "\"level_when_id_signed\": \"INFO\", \"reference\": \"r\", \"tags\": [], \"steps\": "
     "[{\"step\": \"wait\", \"duration\": \"1ms\"}]}",
     "\"level_when_id_signed\"", 0,
     "level_when_id_signed: bad level_when_id_signed 'INFO' (a level above the case's: MUST or "
     "SHOULD)"},
    /* 7c. A control character in a text printed on the terminal. */
    {NULL,
     "{\"format\": 1, \"id\": \"TST-001\", \"title\": \"t\\u001b[2J\", \"level\": \"MUST\", "
     "\"reference\": \"r\", \"tags\": [], \"steps\": [{\"step\": \"wait\", \"duration\": "
     "\"1ms\"}]}",
     "\"title\"", 0,
     "title: 'title' holds the control character 0x1B: the text is printed on a terminal as it "
     "is"},
    /* 8. An unknown top-level field (a typo). */
    {NULL,
     "{\"format\": 1, \"id\": \"TST-001\", \"titel\": \"t\", \"level\": \"MUST\", "
     "\"reference\": \"r\", \"tags\": [], \"steps\": []}",
     "\"titel\"", 0, "titel: unknown field 'titel'"},
    /* 9. No steps. */
    {NULL,
     "{\"format\": 1, \"id\": \"TST-001\", \"title\": \"t\", \"level\": \"MUST\", "
     "\"reference\": \"r\", \"tags\": [], \"steps\": []}",
     "\"steps\"", 0, "steps: 'steps' must be a non-empty array"},
    /* 10. Tags that are not a list of words. */
    {NULL,
     "{\"format\": 1, \"id\": \"TST-001\", \"title\": \"t\", \"level\": \"MUST\", "
     "\"reference\": \"r\", \"tags\": [\"ok\", \"two words\"], \"steps\": []}",
     "\"two words\"", 0, "tags[1]: a tag is a non-empty string"},
    /* 11. An unknown step kind. */
    {"{\"step\": \"deliverr\"}", NULL, "\"step\"", 0,
     "steps[0].step: unknown step kind 'deliverr' (use deliver, burst, wait, probe, answers, "
     "state, target, audit, largest_body, window or restart)"},
    /* 12. An unknown mutation. */
    {"{\"step\": \"deliver\", \"mutate\": {\"signatur\": \"missing\"}}", NULL, "\"signatur\"", 0,
     "steps[0].mutate.signatur: unknown mutation 'signatur'"},
    /* 13. An unknown signature mutation. */
    {"{\"step\": \"deliver\", \"mutate\": {\"signature\": \"forged\"}}", NULL, "\"signature\"", 0,
     "steps[0].mutate.signature: unknown signature mutation 'forged'"},
    /* 13b. The v2 mutations and expectations, given garbage. */
    {"{\"step\": \"deliver\", \"mutate\": {\"reformat\": \"pretty\"}}", NULL, "\"reformat\"", 0,
     "steps[0].mutate.reformat: unknown reformat 'pretty' (use irregular)"},
    {"{\"step\": \"deliver\", \"mutate\": {\"sign_with\": 7}}", NULL, "\"sign_with\"", 0,
     "steps[0].mutate.sign_with: 'sign_with' must be a string of at most 64 characters"},
    {"{\"step\": \"deliver\", \"mutate\": {\"timestamp\": \"never\"}}", NULL, "\"timestamp\"", 0,
     "steps[0].mutate.timestamp: unknown timestamp mutation 'never' (use missing, malformed or "
     "zero; timestamp_shift_s moves it)"},
    {"{\"step\": \"deliver\", \"expect\": {\"reveals_nothing\": \"yes\"}}", NULL,
     "\"reveals_nothing\"", 0,
     "steps[0].expect.reveals_nothing: 'reveals_nothing' must be true or false"},
    {"{\"step\": \"deliver\", \"needs\": [\"magic\"]}", NULL, "\"magic\"", 0,
     "steps[0].needs[0]: unknown need (use auth, signature, signed_body, timestamp_past, "
     "timestamp_future, signature_list, hex_signature, vambe_profile or bound_event_id)"},
    {"{\"step\": \"deliver\", \"mutate\": {\"header_case\": \"camel\"}}", NULL, "\"header_case\"",
     0,
     "steps[0].mutate.header_case: unknown header_case 'camel' (use lower, upper, mixed or as_is)"},
    {"{\"step\": \"deliver\", \"mutate\": {\"event_id\": \"none\"}}", NULL, "\"event_id\"", 0,
     "steps[0].mutate.event_id: unknown event_id mutation 'none' (use blank or new)"},
    {"{\"step\": \"wait\", \"duration\": \"1ms\", \"note\": \"a\\rb\"}", NULL, "\"note\"", 0,
     "steps[0].note: 'note' holds the control character 0x0D"},
    {"{\"step\": \"deliver\", \"mutate\": {\"event_id\": \"new\"}}", NULL, "\"mutate\"", 0,
     "steps[0].mutate: event_id 'new' replays an earlier delivery as it was sent: give same_as, "
     "and no other change to it"},
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"deliver\", \"same_as\": \"a\", "
     "\"attempt\": 2, \"mutate\": {\"event_id\": \"new\"}}",
     NULL, "\"mutate\"", 0,
     "steps[1].mutate: event_id 'new' replays an earlier delivery as it was sent"},
    {"{\"step\": \"deliver\", \"body_size\": 10}", NULL, "\"body_size\"", 0,
     "steps[0].body_size: 'body_size' is a number of bytes (64 to 16777216) or \"max\" (the "
     "scheme's max_body)"},
    {"{\"step\": \"deliver\", \"body_size\": \"huge\"}", NULL, "\"body_size\"", 0,
     "steps[0].body_size: 'body_size' is a number of bytes"},
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"deliver\", \"same_as\": \"a\", "
     "\"body_size\": 1000}",
     NULL, "\"body_size\"", 0,
     "steps[1].body_size: 'body_size' pads a new event: not with same_as or raw_body"},
    {"{\"step\": \"deliver\", \"level\": \"MUST\"}", NULL, "\"level\"", 1,
     "steps[0].level: a step's level can only be lower than its case's (MUST)"},
    {"{\"step\": \"deliver\", \"level\": \"LOW\"}", NULL, "\"level\"", 1,
     "steps[0].level: bad level 'LOW' (use MUST, SHOULD or INFO)"},
    {"{\"step\": \"deliver\", \"mutate\": {\"remove_fields\": [\"data..name\"]}}", NULL,
     "\"data..name\"", 0,
     "steps[0].mutate.remove_fields[0]: a field path is names joined by '.' "
     "(\"data.contact_name\")"},
    {"{\"step\": \"deliver\", \"mutate\": {\"remove_fields\": []}}", NULL, "\"remove_fields\"", 0,
     "steps[0].mutate.remove_fields: 'remove_fields' must be a list of 1 to 16 field paths"},
    {"{\"step\": \"deliver\", \"profile\": \"legacy\"}", NULL, "\"profile\"", 0,
     "steps[0].profile: unknown profile 'legacy' (use other: Vambe's other payload profile)"},
    /* 14. A bad status class. */
    {"{\"step\": \"deliver\", \"expect\": {\"status\": \"2xz\"}}", NULL, "\"status\"", 0,
     "steps[0].expect.status: bad status class '2xz' (use 1xx, 2xx, 3xx, 4xx or 5xx)"},
    /* 15. A bad item in a status list. */
    {"{\"step\": \"deliver\", \"expect\": {\"status\": [401, 700]}}", NULL, "700", 0,
     "steps[0].expect.status[1]: status code 700 is out of range (100 to 599)"},
    /* 16. A status expectation no status can meet. */
    {"{\"step\": \"deliver\", \"expect\": {\"status\": 200, \"status_not\": \"2xx\"}}", NULL,
     "\"status_not\"", 0, "steps[0].expect.status_not: refuses status 200"},
    /* 17. A negative count. */
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"probe\", \"of\": \"a\", "
     "\"expect\": {\"count\": -1}}",
     NULL, "\"count\"", 0, "steps[1].expect.count: 'count' must be 0 or more (got -1)"},
    /* 18. same_as pointing forward. */
    {"{\"step\": \"deliver\", \"same_as\": \"later\"},\n    {\"step\": \"deliver\", \"name\": "
     "\"later\"}",
     NULL, "\"same_as\"", 0,
     "steps[0].same_as: 'later' names a later step (step 2): a step can only refer to a step "
     "before it"},
    /* 19. same_as naming no step. */
    {"{\"step\": \"deliver\", \"same_as\": \"nobody\"}", NULL, "\"same_as\"", 0,
     "steps[0].same_as: no earlier step is named 'nobody'"},
    /* 20. same_as with its own topic. */
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"deliver\", \"same_as\": \"a\", "
     "\"topic\": \"x.y\"}",
     NULL, "\"topic\"", 0, "steps[1].topic: 'topic' cannot be given with same_as"},
    /* 21. A probe of a step that sends nothing. */
    {"{\"step\": \"wait\", \"name\": \"w\", \"duration\": \"1ms\"},\n    {\"step\": \"probe\", "
     "\"of\": [\"w\"], \"expect\": {\"count\": 1}}",
     NULL, "\"w\"", 1, "steps[1].of[0]: 'w' is a wait step"},
    /* 22. A probe without an expectation. */
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"probe\", \"of\": \"a\"}", NULL,
     "{", 2, "steps[1]: missing required field 'expect'"},
    /* 23. A burst more concurrent than it is long. */
    {"{\"step\": \"burst\", \"count\": 5, \"concurrency\": 50}", NULL, "\"concurrency\"", 0,
     "steps[0].concurrency: concurrency 50 is more than count 5"},
    /* 24. A burst without a count. */
    {"{\"step\": \"burst\"}", NULL, "{", 1, "steps[0]: missing required field 'count'"},
    /* 25. A wait with a bad duration. */
    {"{\"step\": \"wait\", \"duration\": \"5 parsecs\"}", NULL, "\"duration\"", 0,
     "steps[0].duration: '5 parsecs': unknown unit"},
    /* 26. An expectation a step kind cannot have. */
    {"{\"step\": \"deliver\", \"expect\": {\"p95_max\": \"1s\"}}", NULL, "\"p95_max\"", 0,
     "steps[0].expect.p95_max: unknown expectation 'p95_max'"},
    /* 27. Two steps with one name. */
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"deliver\", \"name\": \"a\"}",
     NULL, "\"name\"", 1, "steps[1].name: steps 1 and 2 are both named 'a'"},
    /* 28. A shift that is not an integer. */
    {"{\"step\": \"deliver\", \"mutate\": {\"timestamp_shift_s\": \"-600\"}}", NULL,
     "\"timestamp_shift_s\"", 0, "'timestamp_shift_s' must be an integer"},
    /* 29. A target held to a scheme other than https. */
    {"{\"step\": \"target\", \"expect\": {\"scheme\": \"ftp\"}}", NULL, "\"scheme\"", 0,
     "steps[0].expect.scheme: the only scheme a target can be held to is https"},
    /* 30. A key given twice (jansson refuses duplicates). */
    {"{\"step\": \"deliver\", \"topic\": \"a.b\", \"topic\": \"c.d\"}", NULL, NULL, 0,
     "duplicate object key"},
    /* 31. A bad header name to add. */
    {"{\"step\": \"deliver\", \"mutate\": {\"add_headers\": {\"Bad Name\": \"x\"}}}", NULL,
     "\"Bad Name\"", 0, "steps[0].mutate.add_headers.Bad Name: bad header name 'Bad Name'"},
    /* 32. same_data_as with data of its own. */
    {"{\"step\": \"deliver\", \"name\": \"a\"},\n    {\"step\": \"deliver\", \"same_data_as\": "
     "\"a\", \"data\": {}}",
     NULL, "\"data\"", 0, "steps[1].data: 'data' cannot be given with same_data_as"},
    /* 33. extra_fields that a raw body would throw away. */
    {"{\"step\": \"deliver\", \"extra_fields\": {\"a\": 1}, \"mutate\": {\"raw_body\": \"\"}}",
     NULL, "\"extra_fields\"", 0,
     "steps[0].extra_fields: 'extra_fields' has no effect with raw_body"},
    /* 34. A certificate held to something else than valid. */
    {"{\"step\": \"target\", \"expect\": {\"certificate\": \"trusted\"}}", NULL, "\"certificate\"",
     0, "steps[0].expect.certificate: the only thing a certificate can be held to is 'valid'"},
    /* 35. Two expectations in one target step. */
    {"{\"step\": \"target\", \"expect\": {\"scheme\": \"https\", \"valid_days\": 14}}", NULL, NULL,
     0, "a target step expects one of 'scheme', 'certificate' or 'valid_days'"},
    /* 36. A validity of no days. */
    {"{\"step\": \"target\", \"expect\": {\"valid_days\": 0}}", NULL, "\"valid_days\"", 0,
     "valid_days"},
};

static void bad_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *text = bad[i].steps != NULL ? with_steps(bad[i].steps) : strdup(bad[i].text);
        struct hn_scenario *s = NULL;
        struct err e = {{0}};
        char want[64];
        int line = 1, col = 1;

        assert_int_equal(hn_scenario_parse(text, strlen(text), "t.json", &s, &e), -1);
        assert_null(s);
        if (bad[i].needle != NULL) {
            pos_of(text, bad[i].needle, bad[i].nth, &line, &col);
            snprintf(want, sizeof(want), "t.json:%d:%d: ", line, col);
        } else if (i == 0) {
            snprintf(want, sizeof(want), "t.json:3:"); /* jansson's column */
        } else if (bad[i].steps != NULL) {
            snprintf(want, sizeof(want), "t.json:9:");
        } else {
            snprintf(want, sizeof(want), "t.json:1:1: ");
        }
        if (strncmp(e.msg, want, strlen(want)) != 0 || strstr(e.msg, bad[i].msg) == NULL) {
            fprintf(stderr, "case %zu: got   '%s'\n        want '%s...%s'\n", i + 1, e.msg, want,
                    bad[i].msg);
        }
        assert_memory_equal(e.msg, want, strlen(want));
        assert_non_null(strstr(e.msg, bad[i].msg));
        free(text);
    }
}

static void load_errors(void **state)
{
    (void)state;
    struct hn_scenario *s = NULL;
    struct err e = {{0}};

    assert_int_equal(hn_scenario_load("/nonexistent/x.json", &s, &e), -1);
    assert_null(s);
    assert_non_null(strstr(e.msg, "/nonexistent/x.json: cannot open"));
}

/* The built-in catalogue (DESIGN section 6) parses, with the levels it
 * promises. */
static void builtin_suite(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        enum rp_level level;
        bool probe;
    } want[] = {
        {"BDY-001", RP_LEVEL_MUST, true},    {"BDY-002", RP_LEVEL_MUST, true},
        {"BDY-003", RP_LEVEL_MUST, true},    {"BDY-004", RP_LEVEL_MUST, true},
        {"DLV-001", RP_LEVEL_MUST, false},   {"DLV-002", RP_LEVEL_SHOULD, false},
        {"DLV-003", RP_LEVEL_MUST, false},   {"DLV-004", RP_LEVEL_SHOULD, false},
        {"DLV-005", RP_LEVEL_SHOULD, false}, {"DLV-006", RP_LEVEL_MUST, false},
        {"DLV-007", RP_LEVEL_MUST, true},    {"DLV-008", RP_LEVEL_SHOULD, false},
        {"DLV-009", RP_LEVEL_MUST, false},   {"DLV-010", RP_LEVEL_SHOULD, true},
        {"DLV-011", RP_LEVEL_INFO, false},   {"IDM-001", RP_LEVEL_MUST, false},
        {"IDM-002", RP_LEVEL_MUST, true},    {"IDM-003", RP_LEVEL_MUST, true},
        {"IDM-004", RP_LEVEL_MUST, true},    {"IDM-005", RP_LEVEL_MUST, true},
        {"IDM-006", RP_LEVEL_MUST, true},    {"IDM-007", RP_LEVEL_MUST, true},
        {"IDM-008", RP_LEVEL_MUST, true},    {"IDM-009", RP_LEVEL_MUST, true},
        {"IDM-010", RP_LEVEL_MUST, true},    {"LAT-001", RP_LEVEL_MUST, false},
        {"LAT-002", RP_LEVEL_SHOULD, false}, {"LAT-003", RP_LEVEL_MUST, false},
        {"LAT-004", RP_LEVEL_MUST, false},   {"LAT-005", RP_LEVEL_MUST, false},
        {"ORD-001", RP_LEVEL_MUST, true},    {"ORD-002", RP_LEVEL_SHOULD, false},
        {"RAT-001", RP_LEVEL_SHOULD, false}, {"RAT-002", RP_LEVEL_MUST, true},
        {"SEC-001", RP_LEVEL_SHOULD, false}, {"SEC-002", RP_LEVEL_MUST, false},
        {"SEC-003", RP_LEVEL_SHOULD, true},  {"SEC-004", RP_LEVEL_MUST, false},
        {"SIG-001", RP_LEVEL_MUST, false},   {"SIG-002", RP_LEVEL_MUST, false},
        {"SIG-003", RP_LEVEL_MUST, false},   {"SIG-004", RP_LEVEL_MUST, false},
        {"SIG-005", RP_LEVEL_MUST, false},   {"SIG-006", RP_LEVEL_MUST, false},
        {"SIG-007", RP_LEVEL_MUST, true},    {"SIG-008", RP_LEVEL_MUST, true},
        {"SIG-009", RP_LEVEL_MUST, true},    {"SIG-010", RP_LEVEL_MUST, true},
        {"SIG-011", RP_LEVEL_MUST, false},   {"SIG-012", RP_LEVEL_MUST, true},
    };
    const char *src = getenv("VAMBE_SOURCE_DIR");
    char dir[1024];
    struct hn_suite suite = {NULL, 0};
    struct err e = {{0}};

    assert_non_null(src);
    snprintf(dir, sizeof(dir), "%s/scenarios", src);
    if (hn_suite_add_dir(&suite, dir, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        fail();
    }
    assert_int_equal(suite.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < suite.n; i++) {
        const struct hn_scenario *s = suite.items[i];
        char prefix[64];
        assert_string_equal(s->id, want[i].id);
        assert_int_equal(s->level, want[i].level);
        assert_int_equal(s->needs_probe, want[i].probe);
        /* scenarios/<area>/<ID>-<slug>.json */
        snprintf(prefix, sizeof(prefix), "/scenarios/%s/%s-", s->area, s->id);
        assert_non_null(strstr(s->file, prefix));
    }
    hn_suite_cleanup(&suite);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_steps_and_mutations), cmocka_unit_test(defaults),
        cmocka_unit_test(bad_scenarios),           cmocka_unit_test(load_errors),
        cmocka_unit_test(builtin_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
