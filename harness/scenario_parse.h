/* Internal to the scenario parser (harness/scenario*.c; "sp" = scenario
 * parse): the parsing context and typed field readers. Every reader that
 * fails has already filled p->e with "file:line:column: path: message" and
 * returns -1. Values returned through const char ** are borrowed from the
 * jansson document being parsed. */
#ifndef HARNESS_SCENARIO_PARSE_H
#define HARNESS_SCENARIO_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "harness/jpath.h"
#include "harness/scenario.h"

struct hn_sp {
    const char *text; /* the file's text, to locate paths in */
    size_t len;
    const char *file;
    struct hn_jpath path; /* where the parser is */
    struct err *e;
    /* Step names by index (borrowed), for references between steps. */
    const char *names[HN_SCENARIO_MAX_STEPS];
};

/* Fills p->e for the current path; returns -1. */
int hn_sp_error(struct hn_sp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, for member key of the current object. */
int hn_sp_error_at(struct hn_sp *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Refuses members not in allowed (NULL-terminated); what names them in the
 * message ("field", "mutation"). */
int hn_sp_keys(struct hn_sp *p, json_t *obj, const char *const *allowed, const char *what);
/* A non-empty string of at most max characters (0: no limit); *out is NULL
 * when absent and not required. */
int hn_sp_string(struct hn_sp *p, json_t *obj, const char *key, bool required, size_t max,
                 const char **out);
/* An integer in [min, max]; *present says whether it was given. */
int hn_sp_int(struct hn_sp *p, json_t *obj, const char *key, long long min, long long max,
              long long *out, bool *present);
/* A boolean; *out is left alone when absent. */
int hn_sp_bool(struct hn_sp *p, json_t *obj, const char *key, bool *out);
/* A duration text ("500ms", "5s") of at most max_ms; *out left alone when absent. */
int hn_sp_duration(struct hn_sp *p, json_t *obj, const char *key, uint64_t max_ms, uint64_t *out);

/* Parses js's "expect" for a step of st->kind into st->expect
 * (scenario_expect.c); absent is fine except for probe and target. */
int hn_sp_expect(struct hn_sp *p, json_t *js, struct hn_step *st);
/* Parses js's "mutate" into m (scenario_expect.c); absent is fine. */
int hn_sp_mutation(struct hn_sp *p, json_t *js, struct hn_mutation *m);
/* Parses root's "steps" into s (scenario_step.c). */
int hn_sp_steps(struct hn_sp *p, json_t *root, struct hn_scenario *s);

#endif
