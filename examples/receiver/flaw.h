/* The receiver's deliberate flaws: each --flaw NAME breaks exactly one
 * behaviour of the reference receiver, so the harness can be shown to catch
 * it. The table is read-only; the kill matrix enumerates it through
 * rcv_flaw_table() to run the harness once per flaw. */
#ifndef RECEIVER_FLAW_H
#define RECEIVER_FLAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* One bit per flaw; a receiver's flaws are a uint64_t mask of these. Plain
 * #defines, not an enum: C11 enumerators must fit an int, and the table has
 * grown past 31 bits. */
#define RCV_FLAW_SLOW                     (UINT64_C(1) << 0)
#define RCV_FLAW_SYNC                     (UINT64_C(1) << 1)
#define RCV_FLAW_NO_VERIFY                (UINT64_C(1) << 2)
#define RCV_FLAW_NO_TIMESTAMP_CHECK       (UINT64_C(1) << 3)
#define RCV_FLAW_NO_DEDUPE                (UINT64_C(1) << 4)
#define RCV_FLAW_RACY_DEDUPE              (UINT64_C(1) << 5)
#define RCV_FLAW_ERROR_ON_DUPLICATE       (UINT64_C(1) << 6)
#define RCV_FLAW_STATUS_201               (UINT64_C(1) << 7)
#define RCV_FLAW_CRASH_ON_MALFORMED       (UINT64_C(1) << 8)
#define RCV_FLAW_REJECT_UNKNOWN           (UINT64_C(1) << 9)
#define RCV_FLAW_REDIRECT                 (UINT64_C(1) << 10)
#define RCV_FLAW_PROCESS_REJECTED         (UINT64_C(1) << 11)
#define RCV_FLAW_DEDUPE_BY_CONTENT        (UINT64_C(1) << 12)
#define RCV_FLAW_FIRST_SIGNATURE_ONLY     (UINT64_C(1) << 13)
#define RCV_FLAW_RESERIALIZE              (UINT64_C(1) << 14)
#define RCV_FLAW_LATIN1_BODY              (UINT64_C(1) << 15)
#define RCV_FLAW_STRICT_CONTENT_TYPE      (UINT64_C(1) << 16)
#define RCV_FLAW_EMPTY_KEY_FALLBACK       (UINT64_C(1) << 17)
#define RCV_FLAW_SEEN_BEFORE_VERIFY       (UINT64_C(1) << 18)
#define RCV_FLAW_DEDUPE_BY_DELIVERY_ID    (UINT64_C(1) << 19)
#define RCV_FLAW_IGNORE_RETRIES           (UINT64_C(1) << 20)
#define RCV_FLAW_SKIP_MISSING_TIMESTAMP   (UINT64_C(1) << 21)
#define RCV_FLAW_LEAKS_EXPECTED_SIGNATURE (UINT64_C(1) << 22)
#define RCV_FLAW_HEADER_CASE_SENSITIVE    (UINT64_C(1) << 23)
#define RCV_FLAW_COMPARE_THROWS           (UINT64_C(1) << 24)
#define RCV_FLAW_BODY_LIMIT_100K          (UINT64_C(1) << 25)
#define RCV_FLAW_BLANK_ID_POISONS         (UINT64_C(1) << 26)
#define RCV_FLAW_ACK_ON_ERROR             (UINT64_C(1) << 27)
#define RCV_FLAW_NULL_FIELD_CRASH         (UINT64_C(1) << 28)
#define RCV_FLAW_DEDUPE_BY_ID_HEADER      (UINT64_C(1) << 29)
#define RCV_FLAW_DEDUPE_TTL_2S            (UINT64_C(1) << 30)
#define RCV_FLAW_THROTTLE_DROPS           (UINT64_C(1) << 31)
#define RCV_FLAW_NO_RETRY_AFTER           (UINT64_C(1) << 32)
#define RCV_FLAW_LOST_ON_DISCONNECT       (UINT64_C(1) << 33)
#define RCV_FLAW_NEEDS_PARENT_FIRST       (UINT64_C(1) << 34)
#define RCV_FLAW_DROPS_ORPHAN_UPDATE      (UINT64_C(1) << 35)
#define RCV_FLAW_FORGET_AFTER_60S         (UINT64_C(1) << 36)
#define RCV_FLAW_COLD_START               (UINT64_C(1) << 37)
#define RCV_FLAW_IDLE_502                 (UINT64_C(1) << 38)
#define RCV_FLAW_ACK_BEFORE_DURABLE       (UINT64_C(1) << 39)
#define RCV_FLAW_LAST_WRITE_WINS          (UINT64_C(1) << 40)

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
/* `forget-after-60s`: the same, with a TTL that passes a quick test but not
 * a sender's retry minutes later. */
#define RCV_FLAW_FORGET_TTL_MS 60000u
/* `racy-dedupe`'s gap between the check and the insert. */
#define RCV_FLAW_RACY_WINDOW_MS 50u
/* `throttle-drops` and `no-retry-after`: the limit they throttle at, in
 * deliveries a second, when --rate-limit is not given. */
#define RCV_FLAW_THROTTLE_RATE 30u
/* `lost-on-disconnect`: the work done before the answer (a database write
 * awaited before res.send). */
#define RCV_FLAW_DISCONNECT_WORK_MS 200u
/* `cold-start`: the idle time after which the function is scaled to zero,
 * and the start-up the next request waits for (past the 5 s budget). */
#define RCV_FLAW_COLD_IDLE_MS  30000u
#define RCV_FLAW_COLD_START_MS 6000u
/* `idle-502`: the app server's keep-alive timeout (Node's default). */
#define RCV_FLAW_IDLE_502_MS 5000u
/* `ack-before-durable`: the least time the worker takes per event, the
 * window in which a crash loses an event already answered 2xx. */
#define RCV_FLAW_DURABLE_LAG_MS 500u

struct rcv_flaw_info {
    const char *name;        /* the --flaw argument, e.g. "no-verify" */
    uint64_t flaw;           /* its bit, one of RCV_FLAW_* */
    const char *description; /* one line: the behaviour it breaks */
};

/* The whole table, in a fixed order; *n receives its length. Static data:
 * never freed. */
const struct rcv_flaw_info *rcv_flaw_table(size_t *n);
/* Looks a flaw up by name; NULL when unknown. */
const struct rcv_flaw_info *rcv_flaw_find(const char *name);
/* Adds the named flaw's bit to *mask; -1 with e naming the flaw and listing
 * the known ones when the name is unknown. */
int rcv_flaw_parse(const char *name, uint64_t *mask, struct err *e);
/* Writes the names of the flaws in mask, comma-separated ("none" for 0). */
void rcv_flaw_describe(uint64_t mask, char *out, size_t out_size);

/* FLAW reserialize and latin1-body: the bytes a flawed verifier computes
 * the MAC over instead of the body received (the parsed JSON written back
 * compactly, as JSON.stringify(req.body) does; the body decoded as
 * Latin-1 and encoded again as UTF-8). NULL when flaws has neither, or the
 * body is not JSON for reserialize. The caller frees the result. */
char *rcv_flaw_body(uint64_t flaws, const char *body, size_t len, size_t *out_len);
/* FLAW body-limit-100k: does the flaw refuse a body of len bytes? */
bool rcv_flaw_refuses_size(uint64_t flaws, size_t len);
/* FLAW strict-content-type: does the flaw refuse this Content-Type (any
 * value but exactly "application/json")? */
bool rcv_flaw_refuses_type(uint64_t flaws, const char *content_type);
/* FLAW dedupe-ttl-2s and forget-after-60s: how long the flawed dedupe cache
 * keeps an id, in ms (the shorter when both are on); 0 when flaws has
 * neither and ids are kept until evicted. */
uint64_t rcv_flaw_dedupe_ttl_ms(uint64_t flaws);

#endif
