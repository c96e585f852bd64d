/* Verdict logic (see verdict.h). */
#include "harness/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

bool hn_verdict_status_ok(const struct hn_expect *x, long status)
{
    long cls = status / 100;
    bool in_class = cls >= 1 && cls <= 5;

    if (in_class && (x->not_class_mask & HN_CLASS_BIT(cls)) != 0) {
        return false;
    }
    if (x->n_codes == 0 && x->class_mask == 0) {
        /* Only status_not (or nothing) was asked. */
        return true;
    }
    for (size_t i = 0; i < x->n_codes; i++) {
        if (x->codes[i] == status) {
            return true;
        }
    }
    return in_class && (x->class_mask & HN_CLASS_BIT(cls)) != 0;
}

enum rp_verdict hn_verdict_exchange(const struct hn_expect *x, const struct http_response *resp,
                                    uint64_t timeout_ms, char *why, size_t why_size)
{
    char took[32];
    char want[96];

    if (resp->error != HTTP_ERROR_NONE) {
        if (resp->error == HTTP_ERROR_TIMEOUT && x->latency_max_ms > 0) {
            clock_duration_text(timeout_ms * 1000u, took, sizeof(took));
            clock_duration_text(x->latency_max_ms * 1000u, want, sizeof(want));
            snprintf(why, why_size, "no answer within %s (the bound is %s)", took, want);
            return RP_VERDICT_FAIL;
        }
        snprintf(why, why_size, "no response: %s%s%s", http_error_name(resp->error),
                 resp->error_text[0] != '\0' ? ": " : "", resp->error_text);
        return x->answered ? RP_VERDICT_FAIL : RP_VERDICT_ERROR;
    }
    clock_duration_text(resp->total_us, took, sizeof(took));
    if (x->has_status && !hn_verdict_status_ok(x, resp->status)) {
        hn_verdict_expect_text(x, want, sizeof(want));
        snprintf(why, why_size, "status %ld in %s, expected %s", resp->status, took, want);
        return RP_VERDICT_FAIL;
    }
    if (x->latency_max_ms > 0 && resp->total_us > x->latency_max_ms * 1000u) {
        clock_duration_text(x->latency_max_ms * 1000u, want, sizeof(want));
        snprintf(why, why_size, "answered (%ld) in %s, over the bound of %s", resp->status, took,
                 want);
        return RP_VERDICT_FAIL;
    }
    if (why_size > 0) {
        why[0] = '\0';
    }
    return RP_VERDICT_PASS;
}

static int verdict_rank(enum rp_verdict v)
{
    switch (v) {
    case RP_VERDICT_PASS:
        return 0;
    case RP_VERDICT_SKIP:
        return 1;
    case RP_VERDICT_WARN:
        return 2;
    case RP_VERDICT_FAIL:
        return 3;
    case RP_VERDICT_ERROR:
        return 4;
    }
    return 4;
}

enum rp_verdict hn_verdict_worse(enum rp_verdict a, enum rp_verdict b)
{
    return verdict_rank(a) >= verdict_rank(b) ? a : b;
}

enum rp_verdict hn_verdict_case(enum rp_verdict worst_step, enum rp_level level, bool strict)
{
    if (worst_step != RP_VERDICT_FAIL && worst_step != RP_VERDICT_WARN) {
        return worst_step;
    }
    switch (level) {
    case RP_LEVEL_MUST:
        return RP_VERDICT_FAIL;
    case RP_LEVEL_SHOULD:
        return strict ? RP_VERDICT_FAIL : RP_VERDICT_WARN;
    case RP_LEVEL_INFO:
        return RP_VERDICT_WARN;
    }
    return RP_VERDICT_FAIL;
}

/* Appends "s" to out at *used, keeping out NUL-terminated. */
static void verdict_put(char *out, size_t out_size, size_t *used, const char *s)
{
    int w = snprintf(out + *used, out_size - *used, "%s", s);
    if (w > 0) {
        *used += (size_t)w < out_size - *used ? (size_t)w : out_size - *used - 1;
    }
}

void hn_verdict_expect_text(const struct hn_expect *x, char *out, size_t out_size)
{
    size_t used = 0;
    size_t items = 0;
    char item[16];

    if (out_size == 0) {
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < x->n_codes; i++) {
        snprintf(item, sizeof(item), "%s%ld", items++ > 0 ? " or " : "", x->codes[i]);
        verdict_put(out, out_size, &used, item);
    }
    for (int k = 1; k <= 5; k++) {
        if ((x->class_mask & HN_CLASS_BIT(k)) != 0) {
            snprintf(item, sizeof(item), "%s%dxx", items++ > 0 ? " or " : "", k);
            verdict_put(out, out_size, &used, item);
        }
    }
    size_t nots = 0;
    for (int k = 1; k <= 5; k++) {
        if ((x->not_class_mask & HN_CLASS_BIT(k)) != 0) {
            const char *lead = nots++ > 0 ? ", " : items > 0 ? " (not " : "not ";
            snprintf(item, sizeof(item), "%s%dxx", lead, k);
            verdict_put(out, out_size, &used, item);
        }
    }
    if (nots > 0 && items > 0) {
        verdict_put(out, out_size, &used, ")");
    }
    if (items == 0 && nots == 0) {
        verdict_put(out, out_size, &used, "any status");
    }
}
