/* BDY-003's measure: the largest body the receiver accepts. Starts at the
 * scheme's max_body, doubles until a delivery is refused (or the cap is
 * reached) or halves until one is accepted, then bisects to within 5 %.
 * A figure, not a verdict: the step passes whatever it finds; the case's
 * other steps judge. */
#include <stdio.h>

#include "harness/runner_priv.h"

/* The largest body the harness builds (a larger max_body is not measured). */
#define LARGEST_CAP (16u * 1024 * 1024)
/* Deliveries at most: doubling from 256 kB to the cap, then bisecting. */
#define LARGEST_TRIES 16
/* Below this, halving stops: nothing that small is a body limit. */
#define LARGEST_MIN 1024u

/* The next size to try: doubling while nothing was refused, halving while
 * nothing was accepted, else the middle of the gap; 0 when done (the gap
 * within 5 %, the cap accepted, or 1 kB refused). */
static size_t largest_next(size_t lo, size_t hi)
{
    if (hi == 0) {
        return lo >= LARGEST_CAP ? 0 : (2 * lo < LARGEST_CAP ? 2 * lo : LARGEST_CAP);
    }
    if (lo == 0) {
        return hi <= LARGEST_MIN ? 0 : hi / 2;
    }
    return hi - lo <= hi / 20 ? 0 : lo + (hi - lo) / 2;
}

void hn_runner_largest(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                       struct hn_runner_outcome *out)
{
    struct hn_runner *r = rc->r;
    size_t lo = 0; /* the largest size accepted; 0 while none was */
    size_t hi = 0; /* the smallest size refused; 0 while none was */
    size_t size = r->scheme.max_body;
    long refused_status = 0;
    struct err e = {{0}};

    rp_setf(&ps->description,
            "valid events of %zu bytes (the scheme's max_body), then doubling (up to %u) or "
            "halving, then bisecting: the largest body accepted",
            size, LARGEST_CAP);
    rp_set(&ps->expected, "a figure, not a verdict");
    out->verdict = RP_VERDICT_PASS;
    if (size >= LARGEST_CAP) {
        snprintf(out->figure, sizeof(out->figure), "max_body %zu: above the %u bytes measured",
                 size, LARGEST_CAP);
        rp_set(&ps->actual, out->figure);
        return;
    }
    for (int i = 0; i < LARGEST_TRIES && size > 0; i++) {
        bool ok = false;
        long status = 0;
        if (hn_runner_try_event(rc, idx, size, 0, ps, &ok, &status, &e) != 0) {
            hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", e.msg);
            return;
        }
        if (ok) {
            lo = size;
        } else {
            hi = size;
            refused_status = status;
        }
        size = largest_next(lo, hi);
    }
    r->largest_body = lo;
    r->smallest_refused = hi;
    if (hi == 0) {
        snprintf(out->figure, sizeof(out->figure), "largest body accepted %zu bytes (the cap)", lo);
    } else if (refused_status != 0) {
        snprintf(out->figure, sizeof(out->figure),
                 "largest body accepted %zu bytes; %zu refused (%ld)", lo, hi, refused_status);
    } else {
        snprintf(out->figure, sizeof(out->figure),
                 "largest body accepted %zu bytes; %zu got no response", lo, hi);
    }
    rp_set(&ps->actual, out->figure);
}
