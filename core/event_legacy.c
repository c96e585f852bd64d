/* Vambe's legacy payload profile: the documented data object renamed to
 * the camelCase keys real traffic carries (see event_legacy.h). */
#include "core/event_legacy.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define EVENT_KEY_MAX 64

/* Message events in real traffic name the contact's fields differently and
 * carry the contact id only as the top-level aiContactId; the number is
 * digits only (message.sent carries the contact's number under the same
 * name: it identifies the conversation). A NULL legacy name drops the
 * field. */
static const struct {
    const char *snake;
    const char *legacy;
} event_legacy_message_keys[] = {
    {"contact_id", NULL},
    {"contact_name", "name"},
    {"contact_phone", "fromNumber"},
    {"message_body", "message"},
};

/* "previous_stage_id" -> "previousStageId" into out. */
static void event_camel(const char *snake, char *out, size_t out_size)
{
    size_t i = 0;
    bool upper = false;

    for (; *snake != '\0' && i + 1 < out_size; snake++) {
        if (*snake == '_') {
            upper = true;
            continue;
        }
        out[i++] = upper && *snake >= 'a' && *snake <= 'z' ? (char)(*snake - 'a' + 'A') : *snake;
        upper = false;
    }
    out[i] = '\0';
}

/* Digits of an E.164 phone number ("+56912345678" -> "56912345678"). */
static json_t *event_digits(const json_t *phone)
{
    const char *s = json_string_value(phone);
    char out[32];
    size_t i = 0;

    for (; s != NULL && *s != '\0' && i + 1 < sizeof(out); s++) {
        if (*s >= '0' && *s <= '9') {
            out[i++] = *s;
        }
    }
    out[i] = '\0';
    return json_string(out);
}

/* A new object with data's members under camelCase keys (the keys of a
 * nested "changes" object too; metadata is a user map and stays as is). */
json_t *event_legacy_data(const json_t *data, bool message)
{
    json_t *out = json_object();
    const char *key = NULL;
    json_t *v = NULL;
    int rc = 0;

    json_object_foreach((json_t *)data, key, v)
    {
        char camel[EVENT_KEY_MAX];
        const char *name = camel;
        json_t *nv = NULL;
        size_t i;
        bool drop = false;

        event_camel(key, camel, sizeof(camel));
        for (i = 0; message &&
                    i < sizeof(event_legacy_message_keys) / sizeof(event_legacy_message_keys[0]);
             i++) {
            if (strcmp(key, event_legacy_message_keys[i].snake) == 0) {
                name = event_legacy_message_keys[i].legacy;
                drop = name == NULL;
                break;
            }
        }
        if (drop) {
            continue;
        }
        if (strcmp(key, "contact_phone") == 0 && message) {
            nv = event_digits(v);
        } else if (strcmp(key, "changes") == 0) {
            nv = event_legacy_data(v, false);
        } else {
            nv = json_deep_copy(v);
        }
        rc |= json_object_set_new(out, name, nv); /* steals nv, -1 when NULL */
    }
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
