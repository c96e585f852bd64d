/* A case's steps and exchanges as plain text: the transcript the JUnit and
 * Markdown reports show under a failure.
 *
 * The text is raw: it holds the receiver's bytes as received (cut to a
 * cap), so each writer escapes it for its format. */
#ifndef REPORTS_TRANSCRIPT_H
#define REPORTS_TRANSCRIPT_H

#include <stddef.h>
#include <stdio.h>

#include "reports/model.h"

/* Returns the transcript of c (NUL-terminated, possibly with NUL bytes
 * inside; the caller frees it with free()) and its length in *len. Each
 * body shows at most body_cap bytes, followed by "(truncated, N bytes)"
 * when longer; the whole text is cut at total_cap bytes with a note saying
 * so. */
char *rp_transcript_new(const struct rp_case *c, size_t body_cap, size_t total_cap, size_t *len);

/* Writes at most cap bytes of body (cut on a UTF-8 boundary), each line
 * after prefix; then "(truncated, N bytes)" when the body was longer or
 * truncated says the harness already kept only an excerpt. Raw bytes. */
void rp_transcript_body(FILE *f, const char *prefix, const char *body, size_t len, size_t cap,
                        int truncated);

#endif
