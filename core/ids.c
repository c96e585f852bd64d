/* UUID v4 and event id text. */
#include "core/ids.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

/* The canonical text of 16 bytes. */
static void ids_uuid_text(const unsigned char b[16], char out[IDS_UUID_LEN + 1])
{
    size_t k = 0;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[k++] = '-';
        }
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 0x0f];
    }
    out[k] = '\0';
}

void ids_uuid4(struct rng *r, char out[IDS_UUID_LEN + 1])
{
    unsigned char b[16];
    uint64_t a = rng_next(r);
    uint64_t c = rng_next(r);
    memcpy(b, &a, 8);
    memcpy(b + 8, &c, 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    ids_uuid_text(b, out);
}

void ids_uuid7(struct rng *r, uint64_t unix_ms, char out[IDS_UUID_LEN + 1])
{
    unsigned char b[16];
    uint64_t a = rng_next(r);
    uint64_t c = rng_next(r);

    for (int i = 0; i < 6; i++) {
        b[i] = (unsigned char)(unix_ms >> (40 - 8 * i)); /* 48-bit big-endian time */
    }
    memcpy(b + 6, &a, 2);
    memcpy(b + 8, &c, 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x70); /* version 7 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 9562 variant */
    ids_uuid_text(b, out);
}

void ids_event_id(struct rng *r, char out[IDS_EVENT_ID_LEN + 1])
{
    memcpy(out, "evt_", 4);
    uint64_t a = rng_next(r);
    uint64_t c = rng_next(r);
    for (int i = 0; i < 24; i++) {
        uint64_t v = i < 16 ? a >> (i * 4) : c >> ((i - 16) * 4);
        out[4 + i] = hex[v & 0x0f];
    }
    out[IDS_EVENT_ID_LEN] = '\0';
}

bool ids_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != IDS_UUID_LEN) {
        return false;
    }
    for (int i = 0; i < IDS_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return false;
            }
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}
