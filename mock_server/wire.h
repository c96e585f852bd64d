/* What a delivery looks like on the wire (DESIGN §4) and the call log's
 * JSON views of request and response headers.
 *
 * The header set is the scheme's (core/scheme builds it): the engine sends
 * what ms_wire_build gives; a call record keeps only what the record's
 * other fields do not say (the timestamp as sent, the signature as shown,
 * the scheme's name), and the API rebuilds the request headers from the
 * record through the same builder (ms_wire_record_headers). */
#ifndef MOCK_SERVER_WIRE_H
#define MOCK_SERVER_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/scheme.h"
#include "core/signature.h"
#include "mock_server/store.h"

/* The request of one attempt under the policy's scheme (no allocation). */
struct ms_wire {
    struct scheme_wire sw;
    const char *const *ptrs; /* sw's header lines */
    size_t n;
    const char *timestamp; /* the attempt's timestamp text */
    const char *signature; /* the signature or token header's value; NULL when none */
    const char *scheme;    /* its name */
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
    bool sign; /* false: no signature or token (--no-sign) */
    enum signature_unit unit;
    uint64_t now_wall_ms;
    const struct scheme *scheme; /* NULL: the default (vambe) */
};

/* Builds the headers into w with core/scheme's builder. 0, or -1 with e
 * set (a secret the scheme cannot use: the attempt fails with that
 * error). */
int ms_wire_build(struct ms_wire *w, const struct ms_wire_input *in, struct err *e);
/* What a call record keeps of w: the timestamp as sent and the signature
 * as shown (a prefix and its length; "" when unsigned). */
void ms_wire_record(const struct ms_wire *w, char timestamp[MS_CALL_TIMESTAMP_MAX + 1],
                    char signature[MS_CALL_SIGNATURE_MAX + 1], char scheme[MS_CALL_SCHEME_MAX + 1]);
/* The request headers of a call record whose request_headers is NULL,
 * rebuilt from its fields under its scheme (a built-in one, or custom when
 * the record names it) as a JSON object, names in lower case, the
 * signature or token as the record shows it (the kit never stores a full
 * one); NULL when the record has no request_timestamp (nothing was sent)
 * or names a scheme that is gone. The caller decrefs it. */
json_t *ms_wire_record_headers(const struct ms_call *c, const struct scheme *custom);
/* Raw response header lines (status line first) as a JSON object text,
 * names in lower case, repeated names joined with ", ". The caller frees
 * it. */
char *ms_wire_response_json(const char *raw, size_t len);

#endif
