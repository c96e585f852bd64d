/* The flaws that change what is verified rather than how (see flaw.h):
 * the bytes a careless verifier computes its MAC over, and the media type
 * it insists on. Each is a mistake ordinary webhook code makes. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonh.h"
#include "core/xalloc.h"
#include "examples/receiver/flaw.h"

/* FLAW latin1-body: every byte read as a Latin-1 character and written back
 * as UTF-8, as a framework with a Latin-1 default charset (or PHP's
 * utf8_encode) does: each byte >= 0x80 becomes two. */
static char *flaw_latin1(const char *body, size_t len, size_t *out_len)
{
    char *out = xmalloc(2 * len + 1);
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x80) {
            out[n++] = (char)c;
        } else {
            out[n++] = (char)(0xc0 | (c >> 6));
            out[n++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

char *rcv_flaw_body(uint64_t flaws, const char *body, size_t len, size_t *out_len)
{
    if (flaws & RCV_FLAW_LATIN1_BODY) {
        return flaw_latin1(body, len, out_len);
    }
    if (flaws & RCV_FLAW_RESERIALIZE) {
        /* FLAW reserialize: JSON.stringify(req.body) after a body parser,
         * json.dumps(request.json): the same data, other bytes as soon as
         * the sender's spacing, escapes or number forms differ. */
        json_t *root = json_loadb(body, len, 0, NULL);
        char *out = root != NULL ? jsonh_dump(root, out_len) : NULL;
        json_decref(root);
        return out;
    }
    return NULL;
}

bool rcv_flaw_refuses_type(uint64_t flaws, const char *content_type)
{
    /* FLAW strict-content-type: `if (req.headers['content-type'] !==
     * 'application/json')`: parameters and case are legal (RFC 9110). */
    return (flaws & RCV_FLAW_STRICT_CONTENT_TYPE) &&
           (content_type == NULL || strcmp(content_type, "application/json") != 0);
}

bool rcv_flaw_refuses_size(uint64_t flaws, size_t len)
{
    /* FLAW body-limit-100k: express.json() with its default limit, "100kb":
     * a long conversation or a large order is refused with 413, every
     * retry too, until the event is dropped. */
    return (flaws & RCV_FLAW_BODY_LIMIT_100K) && len > RCV_FLAW_BODY_LIMIT;
}
