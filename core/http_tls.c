/* The TLS look (see http_tls.h). libcurl does the handshake and the
 * verification; neither it nor the TLS library fetches a missing
 * intermediate certificate (no AIA chasing), which is what a sender does:
 * a server that sends only its own certificate fails here as it fails
 * with the senders. */
#include "core/http_tls.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/http_client_priv.h"

#define TLS_USING "SSL connection using "

/* Takes the negotiated version from libcurl's own account of the
 * handshake ("SSL connection using TLSv1.3 / ..."): libcurl has no getter
 * for it that does not hand out the TLS library's handle. */
static int tls_on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    char *version = arg;
    size_t n = strlen(TLS_USING);

    (void)h;
    if (type == CURLINFO_TEXT && size > n && memcmp(data, TLS_USING, n) == 0) {
        size_t len = 0;

        while (n + len < size && len + 1 < 16 && data[n + len] != ' ' && data[n + len] != '\n') {
            len++;
        }
        memcpy(version, data + n, len);
        version[len] = '\0';
    }
    return 0;
}

/* "Mar  4 12:00:00 2027 GMT" (how libcurl prints a certificate's dates)
 * to seconds since the epoch; 0 when it is not that. */
static int64_t tls_parse_date(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = "";
    int day, hour, min, sec, year;
    char iso[32];
    const char *m;
    uint64_t ms;

    if (sscanf(s, "%3s %d %d:%d:%d %d", mon, &day, &hour, &min, &sec, &year) != 6 ||
        strlen(mon) != 3 || (m = strstr(months, mon)) == NULL || (m - months) % 3 != 0) {
        return 0;
    }
    snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, (int)(m - months) / 3 + 1,
             day, hour, min, sec);
    return clock_parse_iso8601(iso, &ms) == 0 ? (int64_t)(ms / 1000) : 0;
}

/* The server certificate's fields from libcurl's certificate info. */
static void tls_read_certinfo(CURL *h, struct http_tls_info *out)
{
    struct curl_certinfo *ci = NULL;

    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
        ci->num_of_certs <= 0) {
        return;
    }
    out->chain_len = (unsigned)ci->num_of_certs;
    for (const struct curl_slist *l = ci->certinfo[0]; l != NULL; l = l->next) {
        if (strncmp(l->data, "Expire date:", 12) == 0) {
            out->not_after = tls_parse_date(l->data + 12);
        } else if (strncmp(l->data, "Subject:", 8) == 0) {
            snprintf(out->subject, sizeof(out->subject), "%s", l->data + 8);
        } else if (strncmp(l->data, "Issuer:", 7) == 0) {
            snprintf(out->issuer, sizeof(out->issuer), "%s", l->data + 7);
        }
    }
}

/* A failed verification's kind, from the TLS library's words: libcurl
 * gives one code for all of them. */
static enum http_tls_problem tls_verify_kind(const char *text)
{
    if (strstr(text, "expired") != NULL || strstr(text, "not yet valid") != NULL) {
        return HTTP_TLS_DATES;
    }
    if (strstr(text, "name") != NULL || strstr(text, "Hostname") != NULL) {
        return HTTP_TLS_NAME;
    }
    return HTTP_TLS_CHAIN;
}

static enum http_tls_problem tls_kind(CURLcode rc, const char *text)
{
    switch (rc) {
    case CURLE_OK:
        return HTTP_TLS_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_TLS_UNREACHABLE;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return tls_verify_kind(text);
    default:
        return HTTP_TLS_HANDSHAKE;
    }
}

/* One handshake; returns libcurl's code, its words in errbuf. */
static CURLcode tls_handshake(CURL *h, const char *url, const struct http_client_opts *opts,
                              struct curl_slist *resolve, uint64_t timeout_ms, bool verify,
                              char *version, char *errbuf)
{
    curl_easy_reset(h);
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, tls_on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, (void *)version);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    if (opts != NULL && opts->ca_file != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
    }
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    return curl_easy_perform(h);
}

int http_tls_inspect(const char *url, const struct http_client_opts *opts, uint64_t timeout_ms,
                     struct http_tls_info *out)
{
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *resolve = NULL;
    CURL *h;
    CURLcode rc;

    memset(out, 0, sizeof(*out));
    if (!http_curl_ready() || (h = curl_easy_init()) == NULL) {
        snprintf(out->detail, sizeof(out->detail), "libcurl cannot start");
        return -1;
    }
    if (http_resolve_list(opts, &resolve) != 0) {
        curl_easy_cleanup(h);
        snprintf(out->detail, sizeof(out->detail), "out of memory");
        return -1;
    }
    rc = tls_handshake(h, url, opts, resolve, timeout_ms, true, out->version, errbuf);
    out->problem = tls_kind(rc, errbuf);
    if (rc == CURLE_OK) {
        tls_read_certinfo(h, out);
    } else {
        snprintf(out->detail, sizeof(out->detail), "%s",
                 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
        if (out->problem == HTTP_TLS_CHAIN || out->problem == HTTP_TLS_NAME ||
            out->problem == HTTP_TLS_DATES) {
            char unused[CURL_ERROR_SIZE];

            if (tls_handshake(h, url, opts, resolve, timeout_ms, false, out->version, unused) ==
                CURLE_OK) {
                tls_read_certinfo(h, out);
            }
        }
    }
    curl_slist_free_all(resolve);
    curl_easy_cleanup(h);
    return 0;
}

const char *http_tls_problem_name(enum http_tls_problem p)
{
    switch (p) {
    case HTTP_TLS_OK:
        return "ok";
    case HTTP_TLS_UNREACHABLE:
        return "unreachable";
    case HTTP_TLS_HANDSHAKE:
        return "handshake";
    case HTTP_TLS_CHAIN:
        return "chain";
    case HTTP_TLS_NAME:
        return "name";
    case HTTP_TLS_DATES:
        return "dates";
    }
    return "?";
}
