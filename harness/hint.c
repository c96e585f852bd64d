/* Hints for a failed delivery (see hint.h). Each check looks for one kind of
 * answer and returns its hint or NULL; hn_hint_classify tries them in order. */
#include "harness/hint.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Connecting this long means the kernel did not accept the connection at
 * once: the listen backlog was full and the SYN was retried. */
#define HINT_SLOW_CONNECT_US 1000000u

static size_t hint_cap(size_t len)
{
    return len < HN_HINT_SCAN_MAX ? len : HN_HINT_SCAN_MAX;
}

/* True when needle occurs in the len bytes at hay, ignoring case. Unlike
 * strcasestr it stops at len (hay need not be NUL-terminated there). */
static bool hint_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    if (hay == NULL || n > len) {
        return false;
    }
    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(hay + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool hint_body_has(const struct http_response *r, const char *needle)
{
    return hint_find(r->body, hint_cap(r->body_len), needle);
}

/* True when r has a header `name` whose value contains needle (any value
 * when needle is ""). Header names are matched without regard to case. */
static bool hint_header_has(const struct http_response *r, const char *name, const char *needle)
{
    size_t nlen = strlen(name);
    const char *p = r->headers;
    const char *end;

    if (p == NULL) {
        return false;
    }
    end = p + hint_cap(r->headers_len);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *stop = eol != NULL ? eol : end;
        if ((size_t)(stop - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0 &&
            hint_find(p + nlen + 1, (size_t)(stop - p) - nlen - 1, needle)) {
            return true;
        }
        p = stop + (eol != NULL);
    }
    return false;
}

static bool hint_redirect(const struct http_response *r)
{
    return r->status >= 300 && r->status < 400;
}

/* ngrok, localtunnel and the like answer themselves when the sender cannot
 * get through them: their page reaches the sender instead of the receiver. */
static const char *hint_tunnel(const struct http_response *r)
{
    if (hint_body_has(r, "ERR_NGROK_6024") || hint_header_has(r, "ngrok-error-code", "6024") ||
        (hint_body_has(r, "ngrok") && hint_body_has(r, "You are about to visit"))) {
        return "ngrok's browser warning answered, not the receiver: a sender cannot click "
               "through; use a paid ngrok domain or send the header ngrok-skip-browser-warning";
    }
    if ((hint_body_has(r, "loca.lt") || hint_body_has(r, "localtunnel")) &&
        (hint_body_has(r, "tunnel password") || hint_body_has(r, "Friendly Reminder"))) {
        return "localtunnel's reminder page answered, not the receiver: a sender cannot enter "
               "the tunnel password; send the header bypass-tunnel-reminder or use another tunnel";
    }
    if (hint_body_has(r, "ERR_NGROK_8012")) {
        return "ngrok could not reach the receiver behind the tunnel (ERR_NGROK_8012): start "
               "the receiver on the port ngrok forwards to";
    }
    if (hint_body_has(r, "ERR_NGROK_3200") || hint_header_has(r, "ngrok-error-code", "") ||
        (r->status >= 400 && hint_body_has(r, "tunnel") &&
         (hint_body_has(r, "not found") || hint_body_has(r, "offline")))) {
        return "the tunnel answered that it is offline or not found, not the receiver: restart "
               "the tunnel and give its current URL";
    }
    return NULL;
}

static const char *hint_cloudflare(const struct http_response *r)
{
    bool challenge_status = r->status == 403 || r->status == 503 || r->status == 429;

    if (hint_header_has(r, "cf-mitigated", "challenge") ||
        (challenge_status && hint_header_has(r, "server", "cloudflare") &&
         (hint_body_has(r, "challenge") || hint_body_has(r, "Just a moment") ||
          hint_body_has(r, "cf-chl")))) {
        return "looks like a Cloudflare challenge: its WAF or Bot Fight Mode stops the sender; "
               "add a WAF skip rule for the webhook path";
    }
    return NULL;
}

static const char *hint_csrf(const struct http_response *r)
{
    if (r->status == 419) {
        return "looks like Laravel's CSRF check (419 Page Expired): add the webhook path to "
               "VerifyCsrfToken::$except";
    }
    if (r->status != 403 && r->status != 422) {
        return NULL;
    }
    if (hint_body_has(r, "CSRF verification failed")) {
        return "looks like Django's CSRF check (403 CSRF verification failed): decorate the "
               "webhook view with @csrf_exempt";
    }
    if (hint_body_has(r, "InvalidAuthenticityToken") || hint_body_has(r, "authenticity token")) {
        return "looks like Rails' CSRF check (InvalidAuthenticityToken): add skip_before_action "
               ":verify_authenticity_token to the webhook controller";
    }
    if (hint_body_has(r, "csrf")) {
        return "looks like a CSRF check (the refusal mentions csrf): exempt the webhook route "
               "from CSRF protection; the signature authenticates the sender";
    }
    return NULL;
}

static const char *hint_login(const struct http_response *r)
{
    static const char *const words[] = {"login", "signin", "sign_in", "sign-in", "auth", "sso"};

    if (!hint_redirect(r)) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (hint_header_has(r, "location", words[i])) {
            return "redirected to a login page: the route is behind the app's authentication; "
                   "make it public and verify the signature instead";
        }
    }
    return NULL;
}

static const char *hint_status(const struct http_response *r)
{
    if (hint_redirect(r)) {
        return "senders do not follow redirects: give the URL the redirect points to (often "
               "https:// or a trailing slash)";
    }
    switch (r->status) {
    case 404:
        return "no route at that path (404): the webhook route must accept POST at exactly "
               "that path";
    case 405:
        return "the path refuses POST (405): the webhook route must accept POST at exactly "
               "that path";
    case 413:
        return "the body is over a request size limit (413): raise the receiver's or its "
               "proxy's limit (e.g. nginx client_max_body_size)";
    }
    return NULL;
}

/* Intermediaries (a tunnel, Cloudflare) first: their pages are theirs
 * whatever the status, and may use words the later checks look for. */
static const char *(*const hint_checks[])(const struct http_response *) = {
    hint_tunnel, hint_cloudflare, hint_csrf, hint_login, hint_status,
};

const char *hn_hint_classify(const struct http_response *resp)
{
    if (resp == NULL) {
        return NULL;
    }
    if (resp->error == HTTP_ERROR_TLS) {
        return "the TLS handshake failed: serve the full certificate chain; a self-signed test "
               "certificate must be trusted by the system's CA store";
    }
    if (resp->error == HTTP_ERROR_NONE) {
        for (size_t i = 0; i < sizeof(hint_checks) / sizeof(hint_checks[0]); i++) {
            const char *hint = hint_checks[i](resp);
            if (hint != NULL) {
                return hint;
            }
        }
    }
    /* Last: an answer that says why it refused explains the failure better
     * than a slow connection does. */
    if (resp->connect_us >= HINT_SLOW_CONNECT_US) {
        return "the TCP connection took over 1 s: the receiver's listen backlog is probably "
               "full (too few workers, or a blocking handler)";
    }
    return NULL;
}
