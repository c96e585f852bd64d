/* The conformance result model: run -> cases -> steps -> exchanges.
 *
 * Declared here, on the ground floor beside core, so the report writers never
 * include a harness header; the harness fills it. All strings are owned by
 * the model (malloc'd) and freed by rp_run_free. Everything that came from a
 * receiver is stored as received (possibly binary, with NUL bytes: hence the
 * explicit lengths); the writers escape it. Secrets and signatures are
 * redacted by the harness before they enter the model. */
#ifndef REPORTS_MODEL_H
#define REPORTS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rp_verdict {
    RP_VERDICT_PASS,
    RP_VERDICT_FAIL,
    RP_VERDICT_WARN,
    RP_VERDICT_SKIP,
    RP_VERDICT_ERROR
};
#define RP_VERDICT_COUNT 5
enum rp_level { RP_LEVEL_MUST, RP_LEVEL_SHOULD, RP_LEVEL_INFO };
#define RP_LEVEL_COUNT 3

/* A timestamp window in one direction, measured to 1 s: the largest shift
 * from now that was accepted and the smallest that was refused. */
struct rp_window {
    bool measured;
    bool accepted_any;   /* false: even a timestamp of now was refused */
    uint64_t accepted_s; /* the largest shift accepted (when accepted_any) */
    bool refused_any;    /* false: every shift tried, up to a week, was accepted */
    uint64_t refused_s;  /* the smallest shift refused (when refused_any) */
};

/* The request body bytes a report keeps of one exchange: a 25 MB body
 * (BDY-003 under github) is sent, not copied into every report. */
#define RP_REQUEST_BODY_MAX (8 * 1024)

/* One HTTP exchange with the receiver (or the probe). */
struct rp_exchange {
    char *method;
    char *url;             /* query values redacted */
    char *event_id;        /* NULL when not a delivery */
    char *request_headers; /* "Name: value\n" lines, signature redacted */
    char *request_body;    /* the first RP_REQUEST_BODY_MAX bytes sent */
    size_t request_body_len;
    bool request_body_truncated; /* the body sent was longer (BDY-003) */
    long status;                 /* 0 when no response */
    char *response_headers;
    char *response_body; /* excerpt, as received */
    size_t response_body_len;
    bool response_body_truncated;
    char *error; /* NULL when a response came; "timeout", ... */
    uint64_t connect_us;
    uint64_t first_byte_us;
    uint64_t total_us;
    /* Its headers and bodies were dropped to keep the run within its detail
     * budget (rp_detail_fit): method, URL, event id, status, error and
     * timings stay, so every count and figure still holds it. */
    bool detail_dropped;
};

/* The bytes of exchange detail (request and response headers and bodies)
 * a run keeps in its model, across all its cases. The writers render the
 * model, so this bounds the reports too: the JSON report holds the kept
 * detail escaped (about its size for text, up to 6 times for control
 * bytes, plus base64 for invalid UTF-8) and some 650 bytes of structure
 * per exchange; the HTML shows at most 4 KiB of each body; the Markdown
 * and JUnit transcripts are capped on their own. A step lists few
 * exchanges (RP_STEP_KEEP_*), so only many large bodies reach the budget:
 * 64 MiB is some 900 exchanges with an 8 KiB request and a 64 KiB
 * response; the built-in suite keeps about 230 KB. */
#define RP_DETAIL_BUDGET ((size_t)64 * 1024 * 1024)

/* What a run keeps of its exchanges' detail; see rp_detail_fit. */
struct rp_detail {
    size_t budget;        /* bytes; RP_DETAIL_BUDGET from rp_run_new */
    size_t kept;          /* bytes of detail kept so far */
    size_t dropped;       /* exchanges whose detail was dropped */
    size_t dropped_bytes; /* the bytes their detail would have taken */
    bool noted;           /* the run's note about it was added */
};

struct rp_step {
    int index;         /* 1-based position in the case */
    char *kind;        /* "deliver", "burst", "wait", "probe" */
    char *description; /* one line: what was sent */
    enum rp_verdict verdict;
    char *expected; /* NULL when the step has no expectation */
    char *actual;
    struct rp_exchange *exchanges;
    size_t n_exchanges;
    size_t cap_exchanges;
    /* Exchanges kept without their detail (a burst's deliveries past the
     * ones shown, see RP_STEP_KEEP_*): counted, and the latency of each that
     * got a response kept, so that every figure stays exact while memory
     * and reports stay bounded. */
    size_t n_omitted;
    uint64_t *omitted_us;
    size_t n_omitted_us;
    size_t cap_omitted_us;
};

/* How many exchanges of one step keep their detail: the first passing
 * ones, and the first that did not go as expected. */
#define RP_STEP_KEEP_PASSING 16
#define RP_STEP_KEEP_FAILING 64

struct rp_case {
    char *id;   /* "SIG-002" */
    char *area; /* "SIG": the id up to the dash */
    char *title;
    enum rp_level level;
    char *reference;
    char **tags;
    size_t n_tags;
    char *file; /* the scenario file it came from */
    enum rp_verdict verdict;
    char *reason; /* why: expected vs actual, or the skip/error reason */
    char *figure; /* the figure that decided it ("status 200", "p95 12.1 ms") */
    char *rerun;  /* the command that re-runs only this case */
    uint64_t duration_us;
    struct rp_step *steps;
    size_t n_steps;
    size_t cap_steps;
};

struct rp_latency {
    size_t samples;
    uint64_t p50_us, p95_us, p99_us, max_us;
};

struct rp_run {
    char *harness_version;
    char *target;         /* query values redacted */
    char *suite;          /* suite folder or "scenario files" */
    char *suite_checksum; /* hex SHA-256 over the scenario files, in order */
    char *profile;        /* "documented" / "legacy" */
    char *scheme;         /* signing scheme: "vambe", "github", ..., "none", a custom name */
    char *timestamp_unit; /* "ms" / "s" */
    char *probe;          /* "url", "cmd" or "none" */
    uint64_t seed;
    bool strict;
    /* NULL, or the signal that stopped the run before every case ran
     * ("SIGINT", static text): the run is then not judged. */
    const char *interrupted;
    /* BDY-003's figure: the largest body accepted and the smallest refused,
     * in bytes; 0 when not measured (or nothing was refused). */
    uint64_t largest_body;
    uint64_t smallest_refused;
    /* SIG-004's and SIG-005's figures: how old, and how far ahead, a
     * timestamp the receiver accepts may be. */
    struct rp_window ts_past;
    struct rp_window ts_future;
    /* Findings about the run that are never a failure ("scheme none: the SIG
     * family is not run"), in the order added; see rp_run_add_note. */
    char **notes;
    size_t n_notes;
    uint64_t started_wall_ms;
    uint64_t duration_us;
    struct rp_detail detail; /* the exchanges' detail kept; see rp_detail_fit */
    struct rp_case *cases;
    size_t n_cases;
    size_t cap_cases;
    /* Filled by rp_run_summarize. */
    size_t counts[RP_VERDICT_COUNT];
    size_t level_counts[RP_LEVEL_COUNT][RP_VERDICT_COUNT];
    struct rp_latency latency; /* over every delivery exchange that got a response */
    bool conformant;
};

struct rp_run *rp_run_new(void);
void rp_run_free(struct rp_run *run);
/* Appends a zeroed case/step/exchange and returns it (pointers into the
 * parent's array: valid until the next append to the same parent). */
struct rp_case *rp_run_add_case(struct rp_run *run);
struct rp_step *rp_case_add_step(struct rp_case *c);
struct rp_exchange *rp_step_add_exchange(struct rp_step *s);
/* Counts an exchange whose detail is not kept; answered says whether it
 * got a response, total_us its latency then. */
void rp_step_omit_exchange(struct rp_step *s, bool answered, uint64_t total_us);
/* The latency samples of a step: every exchange that got a response, its
 * detail kept or not; none for a probe step. Writes them into out when it
 * is not NULL (room for rp_step_latencies(s, NULL)) and returns how many. */
size_t rp_step_latencies(const struct rp_step *s, uint64_t *out);
/* The bytes of x's detail the budget counts: its request and response
 * headers and bodies. */
size_t rp_exchange_detail_bytes(const struct rp_exchange *x);
/* Charges x's detail to d, once x is filled. It is kept when it fits in
 * what is left of d's budget; otherwise its headers and bodies are freed
 * (set to NULL, lengths 0), x is marked detail_dropped and d counts it:
 * an exchange keeps all of its detail or none, and a later, smaller one
 * may still fit. d NULL keeps everything. Returns whether x kept it. */
bool rp_detail_fit(struct rp_detail *d, struct rp_exchange *x);
/* Adds a tag (copied). */
void rp_case_add_tag(struct rp_case *c, const char *tag);
/* Appends a note to the run (text is copied; rp_run_free frees it). */
void rp_run_add_note(struct rp_run *run, const char *text);

/* Counts verdicts, computes latency percentiles and conformance: a run is
 * conformant when no MUST case failed or errored (nor a SHOULD case with
 * strict), at least one case ran and the run was not interrupted. When
 * exchanges lost their detail to the budget, adds one note saying how
 * many (once, however often it is called). */
void rp_run_summarize(struct rp_run *run);
/* Exit status per DESIGN §7 for a summarized run: KIT_EXIT_OK (0)
 * conformant, KIT_EXIT_FAIL (1) not (core/exit.h). */
int rp_run_exit_code(const struct rp_run *run);

const char *rp_verdict_name(enum rp_verdict v); /* "PASS", ... */
const char *rp_level_name(enum rp_level l);     /* "MUST", ... */
int rp_level_parse(const char *s, enum rp_level *out);

/* Sets *field to a copy of text (freeing the old value); NULL clears. */
void rp_set(char **field, const char *text);
/* Sets *field to a formatted string. */
void rp_setf(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
