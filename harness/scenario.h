/* Scenario files: one conformance case per JSON file (docs/scenarios.md).
 *
 * hn_scenario_parse checks everything a run needs (types, ranges, step
 * references) so the runner never meets a malformed case. Every error names
 * the file, the line and column of the offending key or value, and its JSON
 * path ("SIG-002.json:14:9: steps[0].expect.status: ...").
 *
 * The structs below are plain data, owned by the struct hn_scenario that
 * holds them and released by hn_scenario_free. */
#ifndef HARNESS_SCENARIO_H
#define HARNESS_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "reports/model.h"

#define HN_SCENARIO_FORMAT    1
#define HN_SCENARIO_MAX_BYTES (1024 * 1024)
#define HN_SCENARIO_MAX_STEPS 64
#define HN_MAX_CODES          8
#define HN_BURST_MAX          1000
#define HN_CONCURRENCY_MAX    256
#define HN_WAIT_MAX_MS        900000 /* 15 min: a long case waits minutes */
/* A step's retries, as a sender makes them ("retry"). */
#define HN_RETRY_ATTEMPTS_MAX   10
#define HN_RETRY_BACKOFF_MAX_MS 30000
#define HN_RETRY_AFTER_CAP_MS   30000 /* the longest Retry-After honoured */
#define HN_HANG_UP_MAX_MS       5000
#define HN_WAITS_MS             1000 /* a wait this long makes a case one that waits */

enum hn_step_kind {
    HN_STEP_DELIVER, /* one delivery */
    HN_STEP_BURST,   /* N deliveries, C at a time */
    HN_STEP_WAIT,    /* a pause */
    HN_STEP_PROBE,   /* how many times were these events processed? */
    HN_STEP_TARGET,  /* a property of the target URL itself (https) */
    HN_STEP_AUDIT,   /* every valid delivery the run got a 2xx for was processed */
    HN_STEP_LARGEST, /* the largest body accepted, measured (an INFO figure) */
    HN_STEP_ANSWERS, /* the answers earlier deliver and burst steps got (RAT-001, ORD-001) */
    HN_STEP_WINDOW,  /* the timestamp window in one direction, measured (an INFO figure) */
    HN_STEP_RESTART, /* the receiver restarted by --restart-cmd (DLV-010) */
    HN_STEP_STATE,   /* the receiver's state of an entity, by --state-probe-url (ORD-002) */
};

enum hn_sig_mutation {
    HN_SIG_VALID,        /* signed with the run's secret */
    HN_SIG_MISSING,      /* no x-vambe-signature header */
    HN_SIG_OTHER_SECRET, /* a well-formed signature made with another secret */
    HN_SIG_MALFORMED,    /* a header value that is no hex digest at all */
    HN_SIG_UPPERCASE,    /* the right digest in uppercase hex */
    HN_SIG_VALID_FIRST,  /* a list: the valid signature, then invalid ones (rotation) */
    HN_SIG_VALID_LAST,   /* a list: invalid signatures, then the valid one */
    HN_SIG_BODY_ONLY,    /* the right secret, but a MAC over the body alone */
    /* Hostile values (SIG-012), derived from the valid signature header: */
    HN_SIG_SHORT,     /* its last character dropped (63 hex digits for SHA-256) */
    HN_SIG_LONG,      /* one hex digit more (65) */
    HN_SIG_NON_ASCII, /* its last character replaced with a non-ASCII one */
    HN_SIG_OVERSIZED, /* padded with hex digits to 8 kB */
    HN_SIG_MANY,      /* a list of 500 signatures made with another secret */
};

/* The case the header names of a delivery are sent in (SIG-008). */
enum hn_header_case {
    HN_CASE_AS_IS, /* as the scheme spells them */
    HN_CASE_LOWER, /* x-vambe-signature */
    HN_CASE_UPPER, /* X-VAMBE-SIGNATURE */
    HN_CASE_MIXED, /* X-Vambe-Signature: each word capitalised */
};

/* What a case needs of the run's signing scheme (core/scheme); a case whose
 * needs the scheme lacks is SKIPped with the reason. Bits of needs. */
enum hn_need {
    HN_NEED_AUTH = 1u << 0,      /* a signature or a token (not kind none) */
    HN_NEED_SIGNATURE = 1u << 1, /* an HMAC signature (kind hmac) */
    HN_NEED_BODY = 1u << 2,      /* a signature over the body */
    HN_NEED_PAST = 1u << 3,      /* a timestamp bounded into the past */
    HN_NEED_FUTURE = 1u << 4,    /* a timestamp bounded into the future */
    HN_NEED_LIST = 1u << 5,      /* a header that may carry several signatures */
    HN_NEED_HEX = 1u << 6,       /* a hex-encoded signature */
    HN_NEED_VAMBE = 1u << 7,     /* one of Vambe's payload profiles (not a provider's) */
    /* An event-id header, with the id also bound to the bytes: inside the
     * signed string, or in the body (Vambe's documented profile). */
    HN_NEED_BOUND_ID = 1u << 8,
};

enum hn_ts_mutation {
    HN_TS_VALID,     /* now, in the run's unit */
    HN_TS_MISSING,   /* no x-vambe-timestamp header */
    HN_TS_MALFORMED, /* a value that is not a number */
    HN_TS_ZERO,      /* "0": the epoch, a number but no time */
};

/* Bits of a status class mask: bit k set means "kxx" (1 <= k <= 5). */
#define HN_CLASS_BIT(k) (1u << (k))

struct hn_expect {
    bool has_status;
    long codes[HN_MAX_CODES]; /* exact codes accepted */
    size_t n_codes;
    unsigned class_mask;     /* classes accepted (any code in them) */
    unsigned not_class_mask; /* classes refused (status_not) */
    uint64_t latency_max_ms; /* 0: no bound */
    uint64_t p95_max_ms;     /* 0: no bound (burst only) */
    bool has_count;          /* probe only */
    long long count;
    bool https; /* target only */
    /* target only: the TLS certificate verifies (chain, name, dates, TLS
     * 1.2+) */
    bool tls_verifies;
    long long tls_days; /* target only: the certificate valid this many more days; 0: no bound */
    /* deliver only: the answer holds neither the secret (or token) nor the
     * signature the receiver expected for the bytes sent */
    bool reveals_nothing;
    /* answers only: every 429 or 503 carries a valid Retry-After */
    bool retry_after;
    /* deliver only: an exchange with no answer at all (reset, closed,
     * timeout) fails the step; without it, it is an ERROR */
    bool answered;
};

struct hn_header {
    char *name;
    char *value;
};

struct hn_mutation {
    enum hn_sig_mutation signature;
    enum hn_ts_mutation timestamp;
    long long shift_s; /* added to the timestamp before signing */
    bool alter_body;   /* change the body after signing */
    bool reformat;     /* the same JSON, written as no serializer would, before signing */
    char *sign_with;   /* NULL, or the text signed with instead of the secret ("", "null") */
    bool has_raw_body;
    char *raw_body; /* sent instead of the event (signed as usual) */
    size_t raw_body_len;
    char *method; /* NULL: POST */
    enum hn_header_case header_case;
    bool blank_id; /* the event id sent empty (body field and header) */
    /* The same_as delivery replayed as sent (bytes, timestamp, signature,
     * delivery id) under a new id in the event-id header (SEC-003). */
    bool new_id;
    char **drop; /* remove_fields: dotted paths taken out of the body */
    size_t n_drop;
    struct hn_header *add; /* set (or replace) these headers */
    size_t n_add;
    char **remove; /* drop these headers (even the default ones) */
    size_t n_remove;
};

struct hn_step {
    enum hn_step_kind kind;
    int line;          /* of the step's object in the file */
    char *name;        /* NULL when unnamed */
    char *description; /* optional "note" from the file */
    /* deliver and burst */
    char *topic;          /* "message.received" when not given */
    json_t *data;         /* owned reference; NULL when none */
    json_t *extra_fields; /* owned reference; top-level members added to the body */
    int same_as;          /* index of the step whose event is re-sent; -1 */
    int same_data_as;     /* index of the step whose data is copied; -1 */
    unsigned attempt;     /* x-vambe-attempt */
    unsigned needs;       /* HN_NEED_* bits: the step is left out where the scheme lacks them */
    size_t body_size;     /* 0, or the body padded to this many bytes */
    bool body_size_max;   /* the body padded to the scheme's max_body */
    bool other_profile;   /* built in Vambe's other payload profile */
    bool has_level;       /* the step is held to level, below the case's */
    enum rp_level level;
    /* deliver and probe: held to beyond_level when it starts later after
     * the case began than the scheme's retry horizon */
    bool has_beyond_level;
    enum rp_level beyond_level;
    struct hn_mutation mutate;
    /* deliver and burst: re-send, re-signed, each event whose answer is not
     * 2xx, up to retry_attempts sends in all (0: no retry), waiting what a
     * 429 or 503 asks with Retry-After (at most HN_RETRY_AFTER_CAP_MS) or
     * else retry_backoff_ms, doubled after each round. */
    unsigned retry_attempts;
    uint64_t retry_backoff_ms;
    /* deliver only */
    uint64_t hang_up_ms;   /* 0, or close the connection this long after sending */
    int entity_of;         /* index of the step whose contact and ticket ids are reused; -1 */
    bool unless_accepted;  /* with same_as: sent only if that event has no 2xx yet */
    bool new_connection;   /* sent on a new connection; its timings reported */
    uint64_t built_ago_ms; /* the event built as if this long ago (a late retry), signed now */
    /* burst */
    unsigned count;
    unsigned concurrency;
    bool copies; /* copies of one event instead of distinct events */
    /* wait */
    uint64_t wait_ms;
    /* window: -1 measures how old a timestamp may be, +1 how far ahead */
    int direction;
    /* probe, answers and state: indexes of the deliver/burst steps they look at */
    int *of;
    size_t n_of;
    struct hn_expect expect;
};

struct hn_scenario {
    char *file;
    char *id;   /* "SIG-002" */
    char *area; /* "SIG" */
    char *title;
    char *description; /* optional */
    enum rp_level level;
    char *reference;
    char **tags;
    size_t n_tags;
    struct hn_step *steps;
    size_t n_steps;
    unsigned needs;    /* HN_NEED_* bits, from the file's "needs" */
    bool needs_probe;  /* has a probe step */
    bool restarts;     /* has a restart step: needs --restart-cmd */
    bool latency_case; /* has a latency bound */
    bool audit;        /* has an audit step: runs after every other case */
    /* Mostly waits (a wait step of HN_WAITS_MS or more, no burst, no
     * latency bound, no audit): runs together with the run's other such
     * cases instead of one after another. */
    bool waits;
    /* "level_when_id_signed": the level where the scheme signs the event id
     * (in its signed string, or in a signed body that carries it). */
    bool has_signed_id_level;
    enum rp_level signed_id_level;
};

/* Parses text (len bytes) read from file (used in messages only). On
 * success stores a new scenario in *out (free with hn_scenario_free) and
 * returns 0; otherwise returns -1 with e set. */
int hn_scenario_parse(const char *text, size_t len, const char *file, struct hn_scenario **out,
                      struct err *e);
/* Reads and parses one file. */
int hn_scenario_load(const char *path, struct hn_scenario **out, struct err *e);
void hn_scenario_free(struct hn_scenario *s);

const char *hn_step_kind_name(enum hn_step_kind k);
const char *hn_sig_mutation_name(enum hn_sig_mutation m);
/* The names of the "needs" values, by bit ("auth", "signature", ...);
 * NULL for an unknown bit. */
const char *hn_need_name(enum hn_need n);

#endif
