/* Tables and lines for people (see cli_render.h). Column widths come from
 * the cells, so a table lines up whatever the ids and URLs are; the follow
 * line has fixed widths instead, since its rows come one at a time. */
#include "mock_server/cli_render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define RENDER_RESET "\x1b[0m"
#define RENDER_COLS  7 /* the most columns of a table */

/* The outcome colours (harness/output.c's palette). */
static const struct {
    const char *outcome;
    const char *color;
} render_colors[] = {
    {"succeeded", "\x1b[32m"}, {"retry_scheduled", "\x1b[33m"},  {"failed", "\x1b[31m"},
    {"gave_up", "\x1b[1;31m"}, {"webhook_disabled", "\x1b[35m"}, {"dropped", "\x1b[36m"},
};

bool ms_cli_render_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");

    return (nc == NULL || nc[0] == '\0') && isatty(fileno(f));
}

/* s with control characters as '?': a cell never moves the cursor. */
static char *render_clean(const char *s)
{
    char *out = xstrdup(s != NULL ? s : "-");

    for (unsigned char *c = (unsigned char *)out; *c != '\0'; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            *c = '?';
        }
    }
    return out;
}

static const char *render_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* An API time (ISO-8601 UTC) in local time: "2024-09-30 10:00:05" (with
 * ".002" when ms), "-" for null, the text itself when it does not parse. */
static char *render_time(const char *iso, bool ms)
{
    uint64_t wall_ms = 0;
    struct tm tm;
    time_t t;
    char buf[64];

    if (iso == NULL) {
        return xstrdup("-");
    }
    if (clock_parse_iso8601(iso, &wall_ms) != 0) {
        return render_clean(iso);
    }
    t = (time_t)(wall_ms / 1000);
    if (localtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        return render_clean(iso);
    }
    if (ms) {
        return xasprintf("%s.%03u", buf, (unsigned)(wall_ms % 1000));
    }
    return xstrdup(buf);
}

/* What answered: the status, else the error ("refused"), else "-". */
static char *render_status(json_t *rec)
{
    json_t *status = json_object_get(rec, "response_status");
    const char *error = render_str(rec, "error");

    if (json_is_integer(status)) {
        return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(status));
    }
    if (error != NULL) {
        /* A sentence ("the request could not be started: ...") is cut to
         * its start: the record has it whole (--json). */
        size_t n = strcspn(error, ":");
        char *cut = xstrndup(error, n < 24 ? n : 24);
        char *clean = render_clean(cut);

        free(cut);
        return clean;
    }
    return xstrdup("-");
}

static char *render_duration(json_t *rec)
{
    json_t *d = json_object_get(rec, "duration_ms");

    if (!json_is_integer(d)) {
        return xstrdup("-");
    }
    return xasprintf("%" JSON_INTEGER_FORMAT " ms", json_integer_value(d));
}

static char *render_attempt(json_t *rec)
{
    json_t *a = json_object_get(rec, "attempt");

    if (!json_is_integer(a)) {
        return xstrdup("-");
    }
    return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(a));
}

static const char *render_state(json_t *w)
{
    if (render_str(w, "deleted_at") != NULL) {
        return "deleted";
    }
    return json_is_false(json_object_get(w, "active")) ? "disabled" : "active";
}

/* ---- tables ---------------------------------------------------------------- */

struct render_table {
    size_t n_cols;
    const char *heads[RENDER_COLS];
    size_t widths[RENDER_COLS];
    char **cells; /* rows * n_cols, owned */
    size_t n_rows;
};

static void render_table_init(struct render_table *t, const char *const *heads, size_t n_cols,
                              size_t n_rows)
{
    memset(t, 0, sizeof(*t));
    t->n_cols = n_cols;
    for (size_t c = 0; c < n_cols; c++) {
        t->heads[c] = heads[c];
        t->widths[c] = strlen(heads[c]);
    }
    t->cells = xcalloc(n_rows * n_cols + 1, sizeof(char *));
}

/* Takes ownership of cell. */
static void render_cell(struct render_table *t, size_t row, size_t col, char *cell)
{
    size_t len = strlen(cell);

    t->cells[row * t->n_cols + col] = cell;
    if (len > t->widths[col]) {
        t->widths[col] = len;
    }
    if (row + 1 > t->n_rows) {
        t->n_rows = row + 1;
    }
}

/* One cell: padded to its column, or ending the row. */
static void render_put(FILE *f, const struct render_table *t, size_t col, const char *cell)
{
    if (col + 1 < t->n_cols) {
        fprintf(f, "%-*s  ", (int)t->widths[col], cell);
    } else {
        fprintf(f, "%s\n", cell);
    }
}

static void render_table_print(FILE *f, struct render_table *t)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        render_put(f, t, c, t->heads[c]);
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            render_put(f, t, c, t->cells[r * t->n_cols + c]);
        }
    }
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    t->cells = NULL;
}

void ms_cli_render_webhooks(FILE *f, json_t *list)
{
    static const char *const heads[] = {"ID", "TOPIC", "STATE", "URL", "UPDATED"};
    struct render_table t;
    json_t *w;
    size_t i;

    if (json_array_size(list) == 0) {
        fprintf(f, "no webhooks\n");
        return;
    }
    render_table_init(&t, heads, 5, json_array_size(list));
    json_array_foreach(list, i, w)
    {
        render_cell(&t, i, 0, render_clean(render_str(w, "id")));
        render_cell(&t, i, 1, render_clean(render_str(w, "topic")));
        render_cell(&t, i, 2, xstrdup(render_state(w)));
        render_cell(&t, i, 3, render_clean(render_str(w, "url")));
        render_cell(&t, i, 4, render_time(render_str(w, "updated_at"), false));
    }
    render_table_print(f, &t);
}

void ms_cli_render_webhook(FILE *f, json_t *w)
{
    static const char *const fields[] = {"id", "topic", "url", "secret"};
    static const char *const times[] = {"created_at", "updated_at", "deleted_at"};

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char *v = render_clean(render_str(w, fields[i]));

        fprintf(f, "%-11s %s\n", fields[i], v);
        free(v);
        if (i == 1) {
            fprintf(f, "%-11s %s\n", "state", render_state(w));
        }
    }
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char *v = render_time(render_str(w, times[i]), true);

        fprintf(f, "%-11s %s\n", times[i], v);
        free(v);
    }
}

/* When an attempt happened: sent, or recorded when it was never sent. */
static const char *render_when(json_t *rec)
{
    const char *sent = render_str(rec, "sent_at");

    return sent != NULL ? sent : render_str(rec, "created_at");
}

void ms_cli_render_calls(FILE *f, json_t *records)
{
    static const char *const heads[] = {"TIME",   "TOPIC",    "EVENT",  "ATTEMPT",
                                        "STATUS", "DURATION", "OUTCOME"};
    struct render_table t;
    json_t *rec;
    size_t i;

    if (json_array_size(records) == 0) {
        fprintf(f, "no calls\n");
        return;
    }
    render_table_init(&t, heads, 7, json_array_size(records));
    json_array_foreach(records, i, rec)
    {
        render_cell(&t, i, 0, render_time(render_when(rec), true));
        render_cell(&t, i, 1, render_clean(render_str(rec, "topic")));
        render_cell(&t, i, 2, render_clean(render_str(rec, "event_id")));
        render_cell(&t, i, 3, render_attempt(rec));
        render_cell(&t, i, 4, render_status(rec));
        render_cell(&t, i, 5, render_duration(rec));
        render_cell(&t, i, 6, render_clean(render_str(rec, "outcome")));
    }
    render_table_print(f, &t);
}

void ms_cli_render_call_line(FILE *f, json_t *rec, bool color)
{
    char *when = render_time(render_when(rec), true);
    char *topic = render_clean(render_str(rec, "topic"));
    char *event = render_clean(render_str(rec, "event_id"));
    char *attempt = render_attempt(rec);
    char *status = render_status(rec);
    char *duration = render_duration(rec);
    char *outcome = render_clean(render_str(rec, "outcome"));
    const char *on = "";
    const char *off = "";

    for (size_t i = 0; color && i < sizeof(render_colors) / sizeof(render_colors[0]); i++) {
        if (strcmp(outcome, render_colors[i].outcome) == 0) {
            on = render_colors[i].color;
            off = RENDER_RESET;
        }
    }
    /* The time of day: the date is noise in a live tail. */
    fprintf(f, "%s  %-16s  %-28s  #%-2s  %-8s  %8s  %s%s%s\n", strlen(when) > 11 ? when + 11 : when,
            topic, event, attempt, status, duration, on, outcome, off);
    fflush(f);
    free(when);
    free(topic);
    free(event);
    free(attempt);
    free(status);
    free(duration);
    free(outcome);
}
