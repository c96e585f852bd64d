/* Logging to stderr in text or JSON lines. The level, format and program
 * name are the process-wide settings STYLE allows; they are set once at
 * start-up, before threads start. */
#include "core/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jsonh.h"

static enum log_level log_level = LOG_LEVEL_INFO;
static enum log_format log_format = LOG_FORMAT_TEXT;
static const char *log_program = "vambe";

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    log_level = level;
}

enum log_level log_get_level(void)
{
    return log_level;
}

void log_set_format(enum log_format format)
{
    log_format = format;
}

void log_set_program(const char *name)
{
    log_program = name;
}

int log_format_parse(const char *s, enum log_format *out)
{
    if (strcmp(s, "text") == 0) {
        *out = LOG_FORMAT_TEXT;
        return 0;
    }
    if (strcmp(s, "json") == 0) {
        *out = LOG_FORMAT_JSON;
        return 0;
    }
    return -1;
}

/* Writes one whole line with a single fputs so lines from threads never
 * interleave (stderr is unbuffered; one call is one write). */
static void emit(enum log_level level, json_t *fields, const char *text)
{
    char ts[32];
    clock_iso8601(clock_wall_ms(), ts, sizeof(ts));
    if (log_format == LOG_FORMAT_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "ts", json_string(ts));
        json_object_set_new(j, "level", json_string(level_names[level]));
        json_object_set_new(j, "program", json_string(log_program));
        if (text != NULL) {
            json_object_set_new(j, "msg", json_stringn(text, strlen(text)));
        }
        if (fields != NULL) {
            json_object_update(j, fields);
        }
        size_t len;
        char *s = jsonh_dump(j, &len);
        json_decref(j);
        char *line = malloc(len + 2);
        if (line != NULL) {
            memcpy(line, s, len);
            line[len] = '\n';
            line[len + 1] = '\0';
            fputs(line, stderr);
            free(line);
        }
        free(s);
        return;
    }
    char line[2048];
    snprintf(line, sizeof(line), "%s: %s%s%s\n", log_program,
             level == LOG_LEVEL_INFO ? "" : level_names[level], level == LOG_LEVEL_INFO ? "" : ": ",
             text ? text : "");
    fputs(line, stderr);
}

__attribute__((format(printf, 2, 0))) static void vlog(enum log_level level, const char *fmt,
                                                       va_list ap)
{
    if (level > log_level) {
        return;
    }
    char text[1536];
    vsnprintf(text, sizeof(text), fmt, ap);
    emit(level, NULL, text);
}

#define LOG_FN(name, level)                                                                        \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        vlog(level, fmt, ap);                                                                      \
        va_end(ap);                                                                                \
    }

LOG_FN(log_error, LOG_LEVEL_ERROR)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)

void log_access(const char *method, const char *path, unsigned status, size_t bytes,
                uint64_t duration_us)
{
    if (log_level < LOG_LEVEL_INFO) {
        return;
    }
    if (log_format == LOG_FORMAT_JSON) {
        json_t *f = json_pack("{s:s, s:s, s:i, s:I, s:f}", "method", method, "path", path, "status",
                              (int)status, "bytes", (json_int_t)bytes, "duration_ms",
                              (double)duration_us / 1000.0);
        emit(LOG_LEVEL_INFO, f, "request");
        json_decref(f);
        return;
    }
    char text[1536];
    snprintf(text, sizeof(text), "%s %s %u %zu %.3fms", method, path, status, bytes,
             (double)duration_us / 1000.0);
    emit(LOG_LEVEL_INFO, NULL, text);
}

void log_redact(const char *secret, char *out, size_t out_size)
{
    if (secret == NULL) {
        snprintf(out, out_size, "(none)");
        return;
    }
    size_t len = strlen(secret);
    /* Short secrets show nothing: four characters of an eight-character
     * secret would be half of it. */
    if (len < 12) {
        snprintf(out, out_size, "…(%zu chars)", len);
    } else {
        snprintf(out, out_size, "%.4s…(%zu chars)", secret, len);
    }
}
