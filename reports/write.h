/* Writing a run's report files: JUnit XML, JSON, Markdown, HTML.
 * Each writer renders a summarized struct rp_run (rp_run_summarize done) to
 * a stream; rp_write_file replaces the target atomically (temporary file in
 * the same folder, then rename). */
#ifndef REPORTS_WRITE_H
#define REPORTS_WRITE_H

#include <stdio.h>

#include "core/err.h"
#include "reports/model.h"

enum rp_format { RP_FORMAT_JUNIT, RP_FORMAT_JSON, RP_FORMAT_MD, RP_FORMAT_HTML };
#define RP_FORMAT_COUNT 4

/* "junit", "json", "md", "html". */
int rp_format_parse(const char *s, enum rp_format *out, struct err *e);
const char *rp_format_name(enum rp_format f);
/* Default file name inside --report-dir: "report.xml", "report.json",
 * "report.md", "report.html". */
const char *rp_format_default_name(enum rp_format f);

/* Parses "FORMAT:PATH" (the --report argument). *path points into spec. */
int rp_report_spec_parse(const char *spec, enum rp_format *format, const char **path,
                         struct err *e);
/* Checks, before any case runs, that path can be written: its folder exists
 * and is writable, and path is not a folder. */
int rp_check_writable(const char *path, struct err *e);

/* Writes run as format to path atomically (write_run.c). */
int rp_write_file(const struct rp_run *run, enum rp_format format, const char *path, struct err *e);
/* What rp_write_file does, for any model: write(obj, f) renders it, to
 * standard output for "-", else to a temporary file renamed over path. */
typedef int (*rp_writer_fn)(const void *obj, FILE *f);
int rp_write_atomic(rp_writer_fn write, const void *obj, const char *path, struct err *e);

/* The writers, to a stream. 0 or -1 (a write error). */
int rp_junit_write(const struct rp_run *run, FILE *f);
int rp_json_write(const struct rp_run *run, FILE *f);
int rp_markdown_write(const struct rp_run *run, FILE *f);
int rp_html_write(const struct rp_run *run, FILE *f);

#endif
