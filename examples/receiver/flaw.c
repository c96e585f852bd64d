/* The flaw table. Each row is one way a real receiver goes wrong; the
 * branches that implement them are in server.c (and the files it calls:
 * server_flaw.c, flaw_body.c, idle.c, server_state.c, server_worker.c,
 * here), each marked "FLAW". */
#include "examples/receiver/flaw.h"

#include <stdio.h>
#include <string.h>

/* Columns: the --flaw name, its bit, the behaviour it breaks. Keep each
 * description under 56 characters: --help prints it beside the name in an
 * 80-column terminal. */
static const struct rcv_flaw_info flaw_table[] = {
    {"slow", RCV_FLAW_SLOW, "answers every delivery after 5.5 s (the budget is 5 s)"},
    {"sync", RCV_FLAW_SYNC, "works (>= 200 ms, one at a time) before answering"},
    {"no-verify", RCV_FLAW_NO_VERIFY, "skips the signature and timestamp checks"},
    {"no-timestamp-check", RCV_FLAW_NO_TIMESTAMP_CHECK,
     "checks the HMAC but accepts any timestamp"},
    {"no-dedupe", RCV_FLAW_NO_DEDUPE, "processes a duplicate event again"},
    {"racy-dedupe", RCV_FLAW_RACY_DEDUPE, "check, 50 ms gap, insert: concurrent copies get in"},
    {"error-on-duplicate", RCV_FLAW_ERROR_ON_DUPLICATE,
     "answers a duplicate with 409 instead of 200"},
    {"status-201", RCV_FLAW_STATUS_201, "answers accepted deliveries with 201, not 200"},
    {"crash-on-malformed", RCV_FLAW_CRASH_ON_MALFORMED,
     "answers malformed JSON with 500 instead of 400"},
    {"reject-unknown", RCV_FLAW_REJECT_UNKNOWN, "answers an unknown topic with 400"},
    {"redirect", RCV_FLAW_REDIRECT, "answers accepted deliveries with 302, drops them"},
    {"process-rejected", RCV_FLAW_PROCESS_REJECTED,
     "answers 401 to a bad signature, processes it anyway"},
    {"dedupe-by-content", RCV_FLAW_DEDUPE_BY_CONTENT,
     "dedupes by the data, not the id: equal data merges"},
    {"first-signature-only", RCV_FLAW_FIRST_SIGNATURE_ONLY,
     "checks only the first signature of a list"},
    {"reserialize", RCV_FLAW_RESERIALIZE, "computes the MAC over the re-serialised JSON"},
    {"latin1-body", RCV_FLAW_LATIN1_BODY, "reads the body as Latin-1 before the MAC"},
    {"strict-content-type", RCV_FLAW_STRICT_CONTENT_TYPE,
     "takes exactly 'application/json', 415 otherwise"},
    {"empty-key-fallback", RCV_FLAW_EMPTY_KEY_FALLBACK,
     "also accepts a MAC keyed with the empty string"},
    {"seen-before-verify", RCV_FLAW_SEEN_BEFORE_VERIFY,
     "marks the event id seen before verifying it"},
    {"dedupe-by-delivery-id", RCV_FLAW_DEDUPE_BY_DELIVERY_ID,
     "dedupes by the delivery id, not the event id"},
    {"ignore-retries", RCV_FLAW_IGNORE_RETRIES, "answers 200 to attempts > 1, processes none"},
    {"skip-missing-timestamp", RCV_FLAW_SKIP_MISSING_TIMESTAMP,
     "without a timestamp, checks a MAC over the body"},
    {"leaks-expected-signature", RCV_FLAW_LEAKS_EXPECTED_SIGNATURE,
     "its 401 shows the signature (or token) it expected"},
    {"header-case-sensitive", RCV_FLAW_HEADER_CASE_SENSITIVE,
     "finds headers only as the scheme spells their names"},
    {"compare-throws", RCV_FLAW_COMPARE_THROWS,
     "500 for a signature of another length than expected"},
    {"body-limit-100k", RCV_FLAW_BODY_LIMIT_100K, "refuses bodies over 100 kB with 413"},
    {"blank-id-poisons", RCV_FLAW_BLANK_ID_POISONS,
     "takes an empty event id; its worker then stops"},
    {"ack-on-error", RCV_FLAW_ACK_ON_ERROR, "200 to contact.created, whose handler always throws"},
    {"null-field-crash", RCV_FLAW_NULL_FIELD_CRASH,
     "500 when the contact's name is null or left out"},
    {"dedupe-by-id-header", RCV_FLAW_DEDUPE_BY_ID_HEADER,
     "dedupes by the unsigned id header, not the body's id"},
    {"dedupe-ttl-2s", RCV_FLAW_DEDUPE_TTL_2S,
     "forgets seen ids after 2 s: a later retry runs again"},
    {"throttle-drops", RCV_FLAW_THROTTLE_DROPS,
     "429 after marking the id seen: the retry is dropped"},
    {"no-retry-after", RCV_FLAW_NO_RETRY_AFTER, "throttles with 429 but sends no Retry-After"},
    {"lost-on-disconnect", RCV_FLAW_LOST_ON_DISCONNECT,
     "drops an event whose sender hung up (id kept as seen)"},
    {"needs-parent-first", RCV_FLAW_NEEDS_PARENT_FIRST,
     "503 to an update that arrives before its .created"},
    {"drops-orphan-update", RCV_FLAW_DROPS_ORPHAN_UPDATE,
     "200 to an update before its .created, never processed"},
    {"forget-after-60s", RCV_FLAW_FORGET_AFTER_60S,
     "forgets seen ids after 60 s: a late retry runs again"},
    {"cold-start", RCV_FLAW_COLD_START, "after 30 s without a delivery, the next waits 6 s"},
    {"idle-502", RCV_FLAW_IDLE_502, "502 on a kept-alive connection idle for over 5 s"},
    {"ack-before-durable", RCV_FLAW_ACK_BEFORE_DURABLE,
     "answers 2xx, writes the event down only once processed"},
    {"last-write-wins", RCV_FLAW_LAST_WRITE_WINS,
     "stores each update as it arrives: an older one wins"},
};

#define FLAW_N (sizeof(flaw_table) / sizeof(flaw_table[0]))

const struct rcv_flaw_info *rcv_flaw_table(size_t *n)
{
    *n = FLAW_N;
    return flaw_table;
}

const struct rcv_flaw_info *rcv_flaw_find(const char *name)
{
    for (size_t i = 0; i < FLAW_N; i++) {
        if (strcmp(flaw_table[i].name, name) == 0) {
            return &flaw_table[i];
        }
    }
    return NULL;
}

/* Appends "sep name" for every flaw whose bit is in mask (all when mask is
 * UINT64_MAX) into out, which the caller has NUL-terminated. */
static void flaw_join(uint64_t mask, const char *sep, char *out, size_t out_size)
{
    size_t used = strlen(out);
    for (size_t i = 0; i < FLAW_N && used < out_size; i++) {
        if ((mask & flaw_table[i].flaw) == 0) {
            continue;
        }
        int n =
            snprintf(out + used, out_size - used, "%s%s", used > 0 ? sep : "", flaw_table[i].name);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
}

int rcv_flaw_parse(const char *name, uint64_t *mask, struct err *e)
{
    const struct rcv_flaw_info *f = rcv_flaw_find(name);
    if (f == NULL) {
        /* The names no longer fit one error line: --help lists them. */
        return err_set(e, "unknown flaw '%s' (vambe-receiver --help lists the %zu flaws)", name,
                       FLAW_N);
    }
    *mask |= f->flaw;
    return 0;
}

void rcv_flaw_describe(uint64_t mask, char *out, size_t out_size)
{
    if (out_size == 0) {
        return;
    }
    out[0] = '\0';
    if (mask == 0) {
        snprintf(out, out_size, "none");
        return;
    }
    flaw_join(mask, ",", out, out_size);
}

uint64_t rcv_flaw_dedupe_ttl_ms(uint64_t flaws)
{
    if (flaws & RCV_FLAW_DEDUPE_TTL_2S) {
        /* FLAW dedupe-ttl-2s: the dedupe cache keeps an id 2 s ("SET id 1
         * EX 2", an LRU with a short TTL); a sender retries seconds to hours
         * later, and the retry is processed again. */
        return RCV_FLAW_DEDUPE_TTL_MS;
    }
    if (flaws & RCV_FLAW_FORGET_AFTER_60S) {
        /* FLAW forget-after-60s: "SET id 1 EX 60", a TTL chosen so that a
         * quick test of duplicates passes. A sender's retries come minutes
         * to hours apart (after a 5 s timeout, a 500, a deploy): a late
         * retry of an event that was handled finds no key and runs again. */
        return RCV_FLAW_FORGET_TTL_MS;
    }
    return 0;
}
