/* The state probe (see state_probe.h). */
#include "harness/state_probe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "harness/probe.h"
#include "harness/url.h"

int hn_state_probe_check(const char *tmpl, struct err *e)
{
    struct hn_url u;

    if (strstr(tmpl, HN_STATE_PLACEHOLDER) == NULL) {
        return err_set(e, "--state-probe-url: the template has no %s", HN_STATE_PLACEHOLDER);
    }
    if (hn_url_parse(tmpl, &u, e) != 0) {
        err_prefix(e, "--state-probe-url");
        return -1;
    }
    return 0;
}

/* The updated_at of a 200's body: {"updated_at": "..."}. */
static int state_parse(const struct http_response *resp, uint64_t *ms, char *text, size_t text_size)
{
    json_t *j = json_loadb(resp->body != NULL ? resp->body : "", resp->body_len, 0, NULL);
    const char *v = json_string_value(json_object_get(j, "updated_at"));
    int rc = -1;

    if (v != NULL && clock_parse_iso8601(v, ms) == 0) {
        snprintf(text, text_size, "%s", v);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

int hn_state_probe_ask(struct http_client *client, const char *tmpl, const char *entity_id,
                       uint64_t timeout_ms, bool *known, uint64_t *updated_ms, char *text,
                       size_t text_size, struct rp_exchange *x, struct err *e)
{
    char *shown = NULL;
    struct http_response resp;
    int rc = -1;

    *known = false;
    if (hn_probe_get(client, "state probe", tmpl, HN_STATE_PLACEHOLDER, entity_id, timeout_ms,
                     &resp, &shown, x, e) != 0) {
        goto out;
    }
    if (resp.status == 404) {
        rc = 0;
    } else if (resp.status != 200) {
        err_set(e,
                "state probe %s answered %ld (expected 200 with {\"updated_at\": \"<RFC 3339 "
                "date-time>\"}, or 404)",
                shown, resp.status);
    } else if (state_parse(&resp, updated_ms, text, text_size) != 0) {
        err_set(e,
                "state probe %s answered 200 without {\"updated_at\": \"<RFC 3339 date-time>\"}: "
                "%.60s",
                shown, resp.body != NULL ? resp.body : "");
    } else {
        *known = true;
        rc = 0;
    }
out:
    http_response_cleanup(&resp);
    free(shown);
    return rc;
}
