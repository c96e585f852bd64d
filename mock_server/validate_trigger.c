/* Validation of the control API's trigger body (POST /mock/events). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonh.h"
#include "core/topics.h"
#include "mock_server/validate.h"

static int trigger_topic(const json_t *v, struct ms_trigger_body *out, struct err *e)
{
    const char *s;

    if (v == NULL) {
        return err_set(e, "topic: required");
    }
    if (!json_is_string(v)) {
        return err_set(e, "topic: must be a string");
    }
    s = json_string_value(v);
    if (json_string_length(v) == 0) {
        return err_set(e, "topic: must not be empty");
    }
    if (strlen(s) != json_string_length(v) || topics_find(s) == NULL) {
        return err_set(e, "topic: unknown topic '%.64s' (GET /api/webhooks/topics lists them)", s);
    }
    snprintf(out->topic, sizeof(out->topic), "%s", s);
    return 0;
}

static int trigger_count(const json_t *v, unsigned count_max, struct ms_trigger_body *out,
                         struct err *e)
{
    if (v == NULL) {
        out->count = 1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > (json_int_t)count_max) {
        return err_set(e, "count: must be an integer from 1 to %u", count_max);
    }
    out->count = (unsigned)json_integer_value(v);
    return 0;
}

static int trigger_webhook_id(const json_t *v, struct ms_trigger_body *out, struct err *e)
{
    if (v == NULL) {
        return 0;
    }
    if (!json_is_string(v)) {
        return err_set(e, "webhook_id: must be a string");
    }
    if (json_string_length(v) == 0 || json_string_length(v) > IDS_UUID_LEN ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        return err_set(e, "webhook_id: must be a webhook id (1 to %d characters)", IDS_UUID_LEN);
    }
    snprintf(out->webhook_id, sizeof(out->webhook_id), "%s", json_string_value(v));
    out->has_webhook_id = true;
    return 0;
}

int ms_validate_trigger_body(const char *body, size_t len, unsigned count_max,
                             struct ms_trigger_body *out, struct err *e)
{
    static const char *const known[] = {"topic", "data", "count", "webhook_id"};
    json_t *root = NULL;
    const char *key = NULL;
    json_t *v = NULL;
    json_t *data;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    root = ms_validate_object_body(body, len, e);
    if (root == NULL) {
        goto out;
    }
    /* Unknown members are refused: a mistyped "cuont" must not quietly
     * send one event. */
    json_object_foreach(root, key, v)
    {
        size_t k = 0;

        while (k < sizeof(known) / sizeof(known[0]) && strcmp(key, known[k]) != 0) {
            k++;
        }
        if (k == sizeof(known) / sizeof(known[0])) {
            err_set(e, "%.64s: unknown field (use topic, data, count, webhook_id)", key);
            goto out;
        }
    }
    if (trigger_topic(json_object_get(root, "topic"), out, e) != 0 ||
        trigger_count(json_object_get(root, "count"), count_max, out, e) != 0 ||
        trigger_webhook_id(json_object_get(root, "webhook_id"), out, e) != 0) {
        goto out;
    }
    data = json_object_get(root, "data");
    if (data != NULL && !json_is_null(data)) {
        if (!json_is_object(data)) {
            err_set(e, "data: must be a JSON object");
            goto out;
        }
        out->data = json_incref(data);
    }
    ret = 0;
out:
    json_decref(root);
    return ret;
}
