/* Logging to stderr, text or JSON lines. The level and format are the only
 * process-wide state (set once at start-up). Never pass a secret or a full
 * signature to these functions: log a prefix and the length instead
 * (log_redact helps). */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_format(enum log_format format);
/* Program name used as the prefix of text lines ("vambe-mock: ..."). */
void log_set_program(const char *name);
/* Parses "text" or "json"; returns 0 or -1. */
int log_format_parse(const char *s, enum log_format *out);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One access-log line: method, path (no query string: it may hold a token),
 * status, response bytes, duration. */
void log_access(const char *method, const char *path, unsigned status, size_t bytes,
                uint64_t duration_us);

/* Writes "abcd…(64 chars)" for a secret into out: the first 4 characters
 * and the length, never the whole value. */
void log_redact(const char *secret, char *out, size_t out_size);

#endif
