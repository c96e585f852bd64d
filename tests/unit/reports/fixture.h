/* Report test fixtures: result models built in the test (a realistic run,
 * the same run with hostile receiver data, a huge run), and small file
 * and process helpers shared by the report tests. */
#ifndef TESTS_UNIT_REPORTS_FIXTURE_H
#define TESTS_UNIT_REPORTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/model.h"
#include "reports/write.h"

/* The clean run's signing scheme and notes. */
#define FIXTURE_SCHEME "vambe-token-query"
#define FIXTURE_NOTE_1                                                                             \
    "scheme vambe-token-query: a shared token shows who sent a delivery but protects neither "     \
    "the body nor against replay (the cases that need a signed body or a timestamp do not apply)"
#define FIXTURE_NOTE_2 "probe none: IDM-002 is skipped; give --probe-url or --probe-cmd to run it"

/* Size of the hostile run's big response body. */
#define FIXTURE_BIG_BODY (2u * 1024 * 1024)

/* A summarized run over the five areas with every verdict: PASS, WARN,
 * FAIL (SIG-002), ERROR (SIG-004), SKIP; about 60 delivery exchanges; scheme
 * FIXTURE_SCHEME and the notes FIXTURE_NOTE_1 and FIXTURE_NOTE_2. With
 * hostile, receiver-controlled fields carry every byte 0x00-0xFF, "]]>",
 * "</script><script>", "<!--", invalid UTF-8, Markdown table breakers, and
 * one response body of FIXTURE_BIG_BODY bytes; the scheme name (as from a
 * custom scheme file) and a third note carry the same. rp_run_free frees it. */
struct rp_run *fixture_run(bool hostile);
/* The detail budget of fixture_over_budget: about half of what the clean
 * run's exchanges hold (30 KiB), so it runs out inside LAT-001's burst. */
#define FIXTURE_SMALL_BUDGET (16u * 1024)

/* Charges every exchange of run, in order, to its detail budget (what the
 * harness does as it records them). */
void fixture_charge(struct rp_run *run);
/* fixture_run(hostile) with a detail budget of FIXTURE_SMALL_BUDGET, its
 * exchanges charged and the run summarized again: the first ones keep
 * their detail, the later ones (SIG-002's and SIG-004's among them) keep
 * only status, error and timings, and a last note says so. */
struct rp_run *fixture_over_budget(bool hostile);
/* A summarized run of n failing cases, each with a long transcript. */
struct rp_run *fixture_many(size_t n);
/* The hostile response body of SIG-002 (every byte and more); its length
 * in *len. Static storage. */
const char *fixture_hostile_body(size_t *len);

/* $VAMBE_BUILD_DIR/artifacts/reports/<name> (the folder is created);
 * the caller frees it. */
char *fixture_path(const char *name);
/* Writes run as format to fixture_path(name) with rp_write_file; returns
 * the path (caller frees); fails the test on error. */
char *fixture_write(const struct rp_run *run, enum rp_format format, const char *name);
/* Reads a whole file (NUL-terminated; caller frees); NULL when unreadable. */
char *fixture_slurp(const char *path, size_t *len);
/* Occurrences of needle in hay[0..len). */
size_t fixture_count(const char *hay, size_t len, const char *needle);

#endif
