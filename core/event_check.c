/* The checks of the caller's inputs to an event: the topic, a given id, the
 * override of data (see event_check.h). */
#include "core/event_check.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/event.h"

#define EVENT_TOPIC_MAX (sizeof(((struct event *)NULL)->topic) - 1)

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 when the sequence is invalid (overlong, surrogate, too big). */
static size_t event_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    size_t i;
    uint32_t min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        min = 0x80;
        *cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        min = 0x800;
        *cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        min = 0x10000;
        *cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (s[i] & 0x3Fu);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

/* True when s is valid UTF-8 throughout. */
static bool event_utf8_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    uint32_t cp;

    for (size_t i = 0; i < n;) {
        size_t len = event_utf8(p + i, n - i, &cp);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

/* A topic is any non-empty UTF-8 text of at most 127 bytes without control
 * characters; it travels in a header too, where leading or trailing spaces
 * would be stripped, so those are refused. */
int event_check_topic(const char *topic, struct err *e)
{
    const unsigned char *s = (const unsigned char *)topic;
    size_t n;
    size_t i = 0;

    if (topic == NULL || topic[0] == '\0') {
        return err_set(e, "topic: must not be empty");
    }
    n = strlen(topic);
    if (n > EVENT_TOPIC_MAX) {
        return err_set(e, "topic: %zu bytes, longer than %zu", n, (size_t)EVENT_TOPIC_MAX);
    }
    if (topic[0] == ' ' || topic[n - 1] == ' ') {
        return err_set(e, "topic: must not begin or end with a space");
    }
    while (i < n) {
        uint32_t cp = 0;
        size_t len = event_utf8(s + i, n - i, &cp);

        if (len == 0) {
            return err_set(e, "topic: invalid UTF-8 at byte %zu", i);
        }
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            return err_set(e, "topic: control character at byte %zu", i);
        }
        i += len;
    }
    return 0;
}

/* An event id goes in a header: printable ASCII without spaces, at most max
 * bytes. */
int event_check_id(const char *id, size_t max, struct err *e)
{
    size_t n;
    size_t i;

    if (id == NULL || id[0] == '\0') {
        return err_set(e, "event_id: must not be empty");
    }
    n = strlen(id);
    if (n > max) {
        return err_set(e, "event_id: %zu bytes, longer than %zu", n, max);
    }
    for (i = 0; i < n; i++) {
        if (id[i] <= ' ' || id[i] > '~') {
            return err_set(e, "event_id: invalid character at byte %zu (printable ASCII only)", i);
        }
    }
    return 0;
}

enum event_tree { EVENT_TREE_OK, EVENT_TREE_DEEP, EVENT_TREE_KEY };

/* Whether j nests deeper than room levels (a scalar is 0 deep, an object or
 * array 1 + its deepest member) or holds a key that is not valid UTF-8
 * (jansson's dump checks strings, not keys). Unlike jsonh_depth it stops at
 * the limit, so a hostile 100 000-level override (or a cycle) costs at most
 * room + 1 frames of recursion. */
static enum event_tree event_check_tree(const json_t *j, int room)
{
    const char *key = NULL;
    json_t *v = NULL;
    enum event_tree t = EVENT_TREE_OK;
    size_t i;

    if (!json_is_object(j) && !json_is_array(j)) {
        return EVENT_TREE_OK;
    }
    if (room <= 0) {
        return EVENT_TREE_DEEP;
    }
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, key, v)
        {
            t = event_utf8_text(key) ? event_check_tree(v, room - 1) : EVENT_TREE_KEY;
            if (t != EVENT_TREE_OK) {
                return t;
            }
        }
        return EVENT_TREE_OK;
    }
    json_array_foreach(j, i, v)
    {
        t = event_check_tree(v, room - 1);
        if (t != EVENT_TREE_OK) {
            return t;
        }
    }
    return EVENT_TREE_OK;
}

struct event_size_count {
    size_t bytes;
    bool over;
};

static int event_size_cb(const char *buffer, size_t size, void *data)
{
    struct event_size_count *c = data;

    (void)buffer;
    c->bytes += size;
    if (c->bytes > EVENT_OVERRIDE_MAX_BYTES) {
        c->over = true;
        return -1; /* stops the dump: no need to write the rest */
    }
    return 0;
}

int event_check_override(const json_t *override, struct err *e)
{
    struct event_size_count count = {0, false};

    if (override == NULL) {
        return 0;
    }
    if (!json_is_object(override)) {
        return err_set(e, "data: must be a JSON object");
    }
    /* Depth first: jansson's dump recurses, so never hand it a deep value. */
    switch (event_check_tree(override, EVENT_OVERRIDE_MAX_DEPTH)) {
    case EVENT_TREE_DEEP:
        return err_set(e, "data: nested deeper than %d levels", EVENT_OVERRIDE_MAX_DEPTH);
    case EVENT_TREE_KEY:
        return err_set(e, "data: a key is not valid UTF-8");
    case EVENT_TREE_OK:
        break;
    }
    if (json_dump_callback(override, event_size_cb, &count, JSON_COMPACT) != 0) {
        if (count.over) {
            return err_set(e, "data: larger than %d bytes as JSON", EVENT_OVERRIDE_MAX_BYTES);
        }
        return err_set(e, "data: cannot be written as JSON (a string is not valid UTF-8?)");
    }
    return 0;
}
