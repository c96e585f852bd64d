/* Internal to the scenario parser (harness/scenario*.c; "sp" = scenario
 * parse): the parsing context. The typed field readers are core/jread's,
 * given &p->r; every one that fails has already filled the error with
 * "file:line:column: path: message". */
#ifndef HARNESS_SCENARIO_PRIV_H
#define HARNESS_SCENARIO_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/jread.h"
#include "harness/scenario.h"

#define HN_SP_NAME_MAX 32 /* a step name's bytes */

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
 * into *needs, HN_NEED_* bits (scenario_field.c). */
int hn_sp_needs(struct hn_sp *p, json_t *obj, unsigned *needs);
/* Reads obj's optional string key (at most max bytes) into *out, refusing
 * control characters: the text is printed on a terminal as it is. A
 * newline or a tab passes when multiline (scenario_field.c). */
int hn_sp_text(struct hn_sp *p, json_t *obj, const char *key, bool required, size_t max,
               bool multiline, const char **out);
/* What a reference to another step may point at. */
enum hn_sp_ref_use {
    HN_SP_REF_EVENT,   /* same_as: one event (a deliver, or a burst of copies) */
    HN_SP_REF_DATA,    /* same_data_as, entity_of: a deliver that built its own event */
    HN_SP_REF_PROBE,   /* probe "of": any deliver or burst */
    HN_SP_REF_ANSWERS, /* answers "of": any deliver or burst */
    HN_SP_REF_STATE,   /* state "of": a deliver that built its own event */
};

/* Resolves a step name used at step idx into *out; the path points at the
 * reference (scenario_ref.c). */
int hn_sp_ref(struct hn_sp *p, const struct hn_scenario *s, size_t idx, const char *name,
              enum hn_sp_ref_use use, int *out);
/* Parses js's "of" (a step name or a list of them) into st->of
 * (scenario_ref.c). */
int hn_sp_of(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
             enum hn_sp_ref_use use, struct hn_step *st);
/* The fields that make a deliver or burst step behave like a sender:
 * retry, and for a deliver step (s given) hang_up, entity_of,
 * unless_accepted, new_connection and built_ago (scenario_sender.c). */
int hn_sp_sender(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                 struct hn_step *st);
/* The window step: its direction (scenario_sender.c). */
int hn_sp_window(struct hn_sp *p, json_t *js, struct hn_step *st);
/* The answers step (scenario_sender.c). */
int hn_sp_answers(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                  struct hn_step *st);
/* The state step (scenario_sender.c). */
int hn_sp_state(struct hn_sp *p, json_t *js, const struct hn_scenario *s, size_t idx,
                struct hn_step *st);
/* Parses root's "steps" into s (scenario_step.c). */
int hn_sp_steps(struct hn_sp *p, json_t *root, struct hn_scenario *s);

#endif
