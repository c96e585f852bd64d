/* The receiver's deliberate flaws: each --flaw NAME breaks exactly one
 * behaviour of the reference receiver, so the harness can be shown to catch
 * it. The table is read-only; the kill matrix enumerates it through
 * rcv_flaw_table() to run the harness once per flaw. */
#ifndef RECEIVER_FLAW_H
#define RECEIVER_FLAW_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* One bit per flaw; a receiver's flaws are a mask of these. */
enum rcv_flaw {
    RCV_FLAW_SLOW = 1u << 0,
    RCV_FLAW_SYNC = 1u << 1,
    RCV_FLAW_NO_VERIFY = 1u << 2,
    RCV_FLAW_NO_TIMESTAMP_CHECK = 1u << 3,
    RCV_FLAW_NO_DEDUPE = 1u << 4,
    RCV_FLAW_RACY_DEDUPE = 1u << 5,
    RCV_FLAW_ERROR_ON_DUPLICATE = 1u << 6,
    RCV_FLAW_STATUS_201 = 1u << 7,
    RCV_FLAW_CRASH_ON_MALFORMED = 1u << 8,
    RCV_FLAW_REJECT_UNKNOWN = 1u << 9,
    RCV_FLAW_REDIRECT = 1u << 10,
    RCV_FLAW_PROCESS_REJECTED = 1u << 11,
    RCV_FLAW_DEDUPE_BY_CONTENT = 1u << 12,
    RCV_FLAW_FIRST_SIGNATURE_ONLY = 1u << 13,
    RCV_FLAW_RESERIALIZE = 1u << 14,
    RCV_FLAW_LATIN1_BODY = 1u << 15,
    RCV_FLAW_STRICT_CONTENT_TYPE = 1u << 16,
    RCV_FLAW_EMPTY_KEY_FALLBACK = 1u << 17,
    RCV_FLAW_SEEN_BEFORE_VERIFY = 1u << 18,
    RCV_FLAW_DEDUPE_BY_DELIVERY_ID = 1u << 19,
    RCV_FLAW_IGNORE_RETRIES = 1u << 20,
    RCV_FLAW_SKIP_MISSING_TIMESTAMP = 1u << 21,
    RCV_FLAW_LEAKS_EXPECTED_SIGNATURE = 1u << 22,
    RCV_FLAW_HEADER_CASE_SENSITIVE = 1u << 23,
    RCV_FLAW_COMPARE_THROWS = 1u << 24,
    RCV_FLAW_BODY_LIMIT_100K = 1u << 25,
    RCV_FLAW_BLANK_ID_POISONS = 1u << 26,
    RCV_FLAW_ACK_ON_ERROR = 1u << 27,
    RCV_FLAW_NULL_FIELD_CRASH = 1u << 28,
    RCV_FLAW_DEDUPE_BY_ID_HEADER = 1u << 29,
    RCV_FLAW_DEDUPE_TTL_2S = 1u << 30,
};

/* `slow` answers after 5.5 s: past Vambe's 5 s budget, yet clearly before
 * the harness's 6 s cut-off, so the harness reports the late answer (and only
 * the latency checks fail) instead of a timeout on every check. */
#define RCV_FLAW_SLOW_MS 5500u
/* `sync` works at least this long per event, one event at a time: 50
 * deliveries at once (the harness's burst) wait 10 s for the last answer. */
#define RCV_FLAW_SYNC_MIN_WORK 200u
/* `body-limit-100k`: Express's default body limit, "100kb". */
#define RCV_FLAW_BODY_LIMIT 102400u
/* `dedupe-ttl-2s`: how long an id stays in the dedupe cache. */
#define RCV_FLAW_DEDUPE_TTL_MS 2000u
/* `racy-dedupe`'s gap between the check and the insert. */
#define RCV_FLAW_RACY_WINDOW_MS 50u

struct rcv_flaw_info {
    const char *name;        /* the --flaw argument, e.g. "no-verify" */
    enum rcv_flaw flaw;      /* its bit */
    const char *description; /* one line: the behaviour it breaks */
};

/* The whole table, in a fixed order; *n receives its length. Static data:
 * never freed. */
const struct rcv_flaw_info *rcv_flaw_table(size_t *n);
/* Looks a flaw up by name; NULL when unknown. */
const struct rcv_flaw_info *rcv_flaw_find(const char *name);
/* Adds the named flaw's bit to *mask; -1 with e naming the flaw and listing
 * the known ones when the name is unknown. */
int rcv_flaw_parse(const char *name, unsigned *mask, struct err *e);
/* Writes the names of the flaws in mask, comma-separated ("none" for 0). */
void rcv_flaw_describe(unsigned mask, char *out, size_t out_size);

/* FLAW reserialize and latin1-body: the bytes a flawed verifier computes
 * the MAC over instead of the body received (the parsed JSON written back
 * compactly, as JSON.stringify(req.body) does; the body decoded as
 * Latin-1 and encoded again as UTF-8). NULL when flaws has neither, or the
 * body is not JSON for reserialize. The caller frees the result. */
char *rcv_flaw_body(unsigned flaws, const char *body, size_t len, size_t *out_len);
/* FLAW body-limit-100k: does the flaw refuse a body of len bytes? */
bool rcv_flaw_refuses_size(unsigned flaws, size_t len);
/* FLAW strict-content-type: does the flaw refuse this Content-Type (any
 * value but exactly "application/json")? */
bool rcv_flaw_refuses_type(unsigned flaws, const char *content_type);

#endif
