/* SEC-004: the target's TLS certificate, as a sender sees it. A sender
 * verifies the chain against its roots without fetching a missing
 * intermediate, checks the name and the dates, and speaks TLS 1.2 or
 * newer; a receiver whose certificate fails any of these gets no
 * delivery at all, whatever its code does. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_tls.h"
#include "harness/runner_priv.h"

#define TLS_DAY_S 86400

/* "2027-03-04" for a time in seconds since the epoch. */
static void tls_date(int64_t t, char *out, size_t size)
{
    char iso[40];

    clock_iso8601((uint64_t)t * 1000u, iso, sizeof(iso));
    snprintf(out, size, "%.10s", iso);
}

/* Whole days from now to t (negative once past). */
static long long tls_days_left(int64_t t)
{
    int64_t left = t - (int64_t)(clock_wall_ms() / 1000u);

    return left >= 0 ? left / TLS_DAY_S : -((-left + TLS_DAY_S - 1) / TLS_DAY_S);
}

/* The verdict on a failed verification, naming what a sender saw. */
static void tls_failed(const struct hn_runner *r, const struct http_tls_info *t,
                       struct hn_runner_outcome *out)
{
    const char *roots = r->o.ca_file != NULL ? r->o.ca_file : "the system's CA certificates";
    char date[16];

    switch (t->problem) {
    case HTTP_TLS_CHAIN:
        if (t->chain_len == 1 && t->issuer[0] != '\0' && strcmp(t->issuer, t->subject) != 0) {
            hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                                  "the certificate chain does not verify against %s: %s; the "
                                  "server sends only its own certificate, issued by %s: if that "
                                  "is an intermediate, serve it too (senders do not fetch a "
                                  "missing one)",
                                  roots, t->detail, t->issuer);
        } else {
            hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                                  "the certificate chain does not verify against %s: %s", roots,
                                  t->detail);
        }
        break;
    case HTTP_TLS_NAME:
        hn_runner_outcome_set(out, RP_VERDICT_FAIL, "the certificate (%s) does not name %s: %s",
                              t->subject[0] != '\0' ? t->subject : "its subject unknown",
                              r->url.host, t->detail);
        break;
    case HTTP_TLS_DATES:
        if (t->not_after != 0) {
            tls_date(t->not_after, date, sizeof(date));
            hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                                  tls_days_left(t->not_after) < 0
                                      ? "the certificate expired on %s: %s"
                                      : "the certificate is not valid yet (it expires on %s): %s",
                                  date, t->detail);
        } else {
            hn_runner_outcome_set(out, RP_VERDICT_FAIL, "the certificate is not valid now: %s",
                                  t->detail);
        }
        break;
    case HTTP_TLS_HANDSHAKE:
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "no TLS handshake at TLS 1.2 or newer (a sender refuses older "
                              "versions): %s",
                              t->detail);
        break;
    case HTTP_TLS_UNREACHABLE:
    case HTTP_TLS_OK:
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "no TLS connection to %s: %s", r->url.host,
                              t->detail);
        break;
    }
    snprintf(out->figure, sizeof(out->figure), "%s", http_tls_problem_name(t->problem));
}

/* The SHOULD step: the certificate lasts more than want days. */
static void tls_days(const struct http_tls_info *t, long long want, struct hn_runner_outcome *out)
{
    char date[16];
    long long left;

    if (t->not_after == 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR,
                              t->problem == HTTP_TLS_OK || t->problem == HTTP_TLS_UNREACHABLE
                                  ? "the certificate's expiry date could not be read: %s"
                                  : "no certificate could be read: %s",
                              t->detail[0] != '\0' ? t->detail : "no date in it");
        return;
    }
    tls_date(t->not_after, date, sizeof(date));
    left = tls_days_left(t->not_after);
    snprintf(out->figure, sizeof(out->figure), "%lld days left", left);
    if (left <= want) {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              left < 0 ? "the certificate expired on %s"
                                       : "the certificate expires on %s, in %lld days: renew it "
                                         "before deliveries start failing",
                              date, left);
        return;
    }
    out->verdict = RP_VERDICT_PASS;
}

void hn_runner_tls(struct hn_runner_case *rc, size_t idx, struct rp_step *ps,
                   struct hn_runner_outcome *out)
{
    const struct hn_runner *r = rc->r;
    const struct hn_expect *x = &rc->s->steps[idx].expect;
    struct http_client_opts co = hn_runner_client_opts(r);
    struct http_tls_info t;
    char date[16];

    rp_setf(&ps->description, "open a TLS connection to %s:%u and inspect its certificate",
            r->url.host, r->url.port);
    if (x->tls_verifies) {
        rp_setf(&ps->expected,
                "the chain verifies against %s (no intermediate fetched), the "
                "name matches, TLS 1.2 or newer",
                r->o.ca_file != NULL ? r->o.ca_file : "the system's CA certificates");
    } else {
        rp_setf(&ps->expected, "the certificate is valid for more than %lld more days",
                x->tls_days);
    }
    if (!r->url.https) {
        hn_runner_outcome_set(out, RP_VERDICT_SKIP,
                              "the target is plain http:// (SEC-001 judges that): no certificate "
                              "to inspect");
        snprintf(out->figure, sizeof(out->figure), "http://");
        rp_set(&ps->actual, "http:// target");
        return;
    }
    if (hn_url_is_loopback(&r->url)) {
        hn_runner_outcome_set(out, RP_VERDICT_SKIP,
                              "the target is a loopback address (%s): certificates are checked on "
                              "deployed receivers (to check one here, give its name in --target "
                              "and --resolve NAME:PORT:127.0.0.1)",
                              r->url.host);
        snprintf(out->figure, sizeof(out->figure), "loopback");
        rp_set(&ps->actual, "loopback target");
        return;
    }
    if (http_tls_inspect(r->target, &co, r->o.timeout_ms, &t) != 0) {
        hn_runner_outcome_set(out, RP_VERDICT_ERROR, "%s", t.detail);
        return;
    }
    if (t.not_after != 0) {
        tls_date(t.not_after, date, sizeof(date));
        rp_setf(&ps->actual, "%s, %s, issued by %s, %u certificate%s sent, expires %s",
                t.version[0] != '\0' ? t.version : "TLS version unknown",
                t.subject[0] != '\0' ? t.subject : "subject unknown",
                t.issuer[0] != '\0' ? t.issuer : "?", t.chain_len, t.chain_len == 1 ? "" : "s",
                date);
    } else {
        rp_setf(&ps->actual, "%s: %s", http_tls_problem_name(t.problem), t.detail);
    }
    if (!x->tls_verifies) {
        tls_days(&t, x->tls_days, out);
        return;
    }
    if (t.problem != HTTP_TLS_OK) {
        tls_failed(r, &t, out);
        return;
    }
    if (strcmp(t.version, "TLSv1") == 0 || strcmp(t.version, "TLSv1.1") == 0 ||
        strncmp(t.version, "SSL", 3) == 0) {
        hn_runner_outcome_set(out, RP_VERDICT_FAIL,
                              "the connection used %s: TLS 1.2 or newer is "
                              "needed",
                              t.version);
        snprintf(out->figure, sizeof(out->figure), "%s", t.version);
        return;
    }
    out->verdict = RP_VERDICT_PASS;
    snprintf(out->figure, sizeof(out->figure), "%s", t.version[0] != '\0' ? t.version : "TLS");
}
