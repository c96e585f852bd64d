/* A parser of Server-Sent Events (the WHATWG HTML "event stream" format),
 * fed the bytes of a text/event-stream body in chunks of any size, as the
 * network delivers them: `vambe-mock calls --follow` reads GET /mock/stream
 * with it.
 *
 * What it follows from the format: lines end with CRLF, LF or a lone CR
 * (a CRLF split across two chunks is one line end); a byte-order mark at the
 * very start is skipped; a line starting with ':' is a comment; "name:
 * value" sets a field (one space after the colon is dropped, a line with
 * no colon is a field with an empty value); `data` lines join with "\n",
 * `event` sets the type ("message" when none), `id` the last event id
 * (kept across events; ignored when it holds a NUL), `retry` the
 * reconnection time (digits only, else ignored); other fields are ignored,
 * so garbage lines change nothing. A blank line dispatches the event when
 * it has data, and an event cut off by the end of the stream is never
 * dispatched (ms_sse_reset drops it).
 *
 * What it adds: memory is bounded. A line, and an event's data, may be at
 * most max bytes. A longer line is not kept: the parser skips the rest of
 * it, drops the event it belongs to (its other lines included), counts it
 * in ms_sse_overflows() and starts again after the blank line that ends
 * that event; the events before and after are unharmed. */
#ifndef MOCK_SERVER_SSE_H
#define MOCK_SERVER_SSE_H

#include <stdbool.h>
#include <stddef.h>

#define MS_SSE_MAX_DEFAULT (4 * 1024 * 1024) /* a call record is under 1 MiB */

/* One dispatched event. Every pointer is borrowed from the parser and valid
 * during the callback only. data is NUL-terminated; it holds no NUL unless
 * the stream sent one (data_len counts every byte). */
struct ms_sse_event {
    const char *type; /* "message" when the event named none */
    const char *data;
    size_t data_len;
    const char *id; /* the last event id seen so far, "" when none */
};

/* Called once per dispatched event; returns 0 to go on, anything else to
 * stop ms_sse_feed at once (it then returns that value). */
typedef int (*ms_sse_event_fn)(void *arg, const struct ms_sse_event *ev);

struct ms_sse;

/* A parser whose lines and event data are at most max bytes (0:
 * MS_SSE_MAX_DEFAULT), calling fn with arg. Free with ms_sse_free. */
struct ms_sse *ms_sse_new(size_t max, ms_sse_event_fn fn, void *arg);
void ms_sse_free(struct ms_sse *p);

/* Parses len more bytes of the stream. Returns 0, or what the callback
 * returned to stop (the bytes after that event are not parsed). */
int ms_sse_feed(struct ms_sse *p, const char *buf, size_t len);

/* A new connection: forgets the line and the event under way (an event cut
 * off is not dispatched), and expects a byte-order mark again. The last
 * event id and the reconnection time are kept, as the format asks. */
void ms_sse_reset(struct ms_sse *p);

/* The last `retry:` value in milliseconds, 0 when none came. */
unsigned long ms_sse_retry_ms(const struct ms_sse *p);
/* The last event id, "" when none. Borrowed. */
const char *ms_sse_last_id(const struct ms_sse *p);
/* Events dropped because a line or their data was longer than max. */
size_t ms_sse_overflows(const struct ms_sse *p);

#endif
