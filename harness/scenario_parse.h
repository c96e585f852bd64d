/* Internal to the scenario parser (harness/scenario*.c; "sp" = scenario
 * parse): the parsing context. The typed field readers are core/jread's,
 * given &p->r; every one that fails has already filled the error with
 * "file:line:column: path: message". */
#ifndef HARNESS_SCENARIO_PARSE_H
#define HARNESS_SCENARIO_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/jread.h"
#include "harness/scenario.h"

struct hn_sp {
    struct jread r; /* the file, where the parser is, the error */
    /* Step names by index (borrowed), for references between steps. */
    const char *names[HN_SCENARIO_MAX_STEPS];
};

/* Parses js's "expect" for a step of st->kind into st->expect
 * (scenario_expect.c); absent is fine except for probe and target. */
int hn_sp_expect(struct hn_sp *p, json_t *js, struct hn_step *st);
/* Parses js's "mutate" into m (scenario_expect.c); absent is fine. */
int hn_sp_mutation(struct hn_sp *p, json_t *js, struct hn_mutation *m);
/* Parses obj's "needs" (what a case or step needs of the signing scheme)
 * into *needs, HN_NEED_* bits (scenario.c). */
int hn_sp_needs(struct hn_sp *p, json_t *obj, unsigned *needs);
/* Reads obj's optional string key (at most max bytes) into *out, refusing
 * control characters: the text is printed on a terminal as it is. A
 * newline or a tab passes when multiline (scenario.c). */
int hn_sp_text(struct hn_sp *p, json_t *obj, const char *key, bool required, size_t max,
               bool multiline, const char **out);
/* Parses root's "steps" into s (scenario_step.c). */
int hn_sp_steps(struct hn_sp *p, json_t *root, struct hn_scenario *s);

#endif
