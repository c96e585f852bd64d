/* What a delivery looks like on the wire (DESIGN §4): the header set, the
 * signature over "<timestamp>.<body>", and the call log's JSON views of
 * request and response headers.
 *
 * The header set is written once, here: the engine builds the headers it
 * sends with ms_wire_build; a call record keeps only what the record's
 * other fields do not say (the timestamp as sent, the signature as shown),
 * and the API rebuilds the request headers from the record through the
 * same function (ms_wire_record_headers). */
#ifndef MOCK_SERVER_WIRE_H
#define MOCK_SERVER_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/signature.h"
#include "mock_server/store.h"

#define MS_WIRE_HEADERS 9
#define MS_WIRE_LINE    (MS_EVENT_ID_MAX + 64)

/* The headers of one attempt, built into fixed buffers (no allocation). */
struct ms_wire {
    char lines[MS_WIRE_HEADERS][MS_WIRE_LINE];
    const char *ptrs[MS_WIRE_HEADERS];
    size_t n;
    const char *timestamp; /* the value in its line */
    const char *signature; /* the value in its line; NULL when unsigned */
};

struct ms_wire_input {
    const char *topic;
    const char *event_id;
    const char *delivery_id;
    const char *webhook_id;
    const char *secret;
    unsigned attempt;
    const char *body;
    size_t body_len;
    bool sign;
    enum signature_unit unit;
    uint64_t now_wall_ms;
};

/* Builds the DESIGN §4 headers into w. 0, or -1 when signing failed. */
int ms_wire_build(struct ms_wire *w, const struct ms_wire_input *in);
/* What a call record keeps of w: the timestamp as sent and the signature
 * as shown (a prefix and its length; "" when unsigned). */
void ms_wire_record(const struct ms_wire *w, char timestamp[MS_CALL_TIMESTAMP_MAX + 1],
                    char signature[MS_CALL_SIGNATURE_MAX + 1]);
/* The request headers of a call record whose request_headers is NULL,
 * rebuilt from its fields as a JSON object, names in lower case, the
 * signature as the record shows it (the kit never stores a full one);
 * NULL when the record has no request_timestamp either (nothing was sent).
 * The caller decrefs it. */
json_t *ms_wire_record_headers(const struct ms_call *c);
/* Raw response header lines (status line first) as a JSON object text,
 * names in lower case, repeated names joined with ", ". The caller frees
 * it. */
char *ms_wire_response_json(const char *raw, size_t len);

#endif
