/* bare_sender: the libcurl ceiling for the delivery and burst figures.
 *
 * One thread, one libcurl multi handle, C easy handles reused for N signed
 * POSTs of the same body: what vambe-mock's delivery engine and
 * vambe-harness's burst step do, without their bookkeeping (no event
 * building, no call log, no per-exchange records). Every request gets the
 * headers of DESIGN §4 with a fresh timestamp, event id, delivery id and
 * signature: lowercase hex HMAC-SHA256(secret, "<timestamp>.<body>")
 * computed with OpenSSL for that request. Connections are kept alive and
 * reused by the multi handle; response bodies are read and dropped.
 *
 *   bare_sender --url URL --body-file F [--count N] [--concurrency C]
 *               [--secret S] [--topic T] [--latency-out FILE]
 *
 * --latency-out writes libcurl's total time of each exchange (CURLINFO_
 * TOTAL_TIME_T, the figure vambe-harness reports), in microseconds, one a
 * line: the libcurl baseline of the latency accuracy figure.
 *
 * Prints one line on stdout:
 *   requests N ok N failed N seconds S rps R cpu_s C
 * (ok: 2xx answers; failed: other statuses and transport errors; C: the
 * process's user + system CPU time, which machine noise moves less than
 * the rate). Exit 0
 * when every request got a 2xx, 1 otherwise, 2 on a usage error. */
#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"

struct bs_slot {
    CURL *easy;
    struct curl_slist *hdrs;
    bool busy;
};

struct bs_run {
    const char *url;
    const char *body;
    size_t body_len;
    const char *topic;
    EVP_MAC_CTX *keyed; /* HMAC-SHA256 keyed with the secret; duplicated per request */
    uint64_t seq;
    size_t ok;
    size_t failed;
    FILE *latency_out; /* NULL unless --latency-out */
};

static uint64_t bs_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t bs_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t bs_drop(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* hex HMAC of "<ts>.<body>" into out (65 bytes). */
static int bs_sign(struct bs_run *r, const char *ts, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(r->keyed);
    int ret = -1;

    if (ctx == NULL) {
        return -1;
    }
    if (EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)r->body, r->body_len) != 1 ||
        EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) != 1) {
        goto out;
    }
    for (size_t i = 0; i < mac_len; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[2 * mac_len] = '\0';
    ret = 0;
out:
    EVP_MAC_CTX_free(ctx);
    return ret;
}

static struct curl_slist *bs_add(struct curl_slist *l, const char *line)
{
    struct curl_slist *n = curl_slist_append(l, line);

    if (n == NULL) {
        fprintf(stderr, "bare_sender: out of memory\n");
        exit(1);
    }
    return n;
}

/* Builds the headers of one delivery and adds the slot to the multi. */
static int bs_start(struct bs_run *r, CURLM *multi, struct bs_slot *s)
{
    char ts[32];
    char sig[2 * EVP_MAX_MD_SIZE + 1];
    char line[256];
    uint64_t n = ++r->seq;

    snprintf(ts, sizeof(ts), "%" PRIu64, bs_wall_ms());
    if (bs_sign(r, ts, sig) != 0) {
        fprintf(stderr, "bare_sender: HMAC failed\n");
        return -1;
    }
    curl_slist_free_all(s->hdrs);
    s->hdrs = bs_add(NULL, "Content-Type: application/json");
    s->hdrs = bs_add(s->hdrs, "User-Agent: Vambe-Webhooks/1.0");
    s->hdrs = bs_add(s->hdrs, "Expect:"); /* as the kit's client: no 100-continue round */
    snprintf(line, sizeof(line), "x-vambe-event: %s", r->topic);
    s->hdrs = bs_add(s->hdrs, line);
    snprintf(line, sizeof(line), "x-vambe-event-id: evt_%024" PRIx64, n);
    s->hdrs = bs_add(s->hdrs, line);
    snprintf(line, sizeof(line), "x-vambe-delivery-id: 00000000-0000-4000-8000-%012" PRIx64, n);
    s->hdrs = bs_add(s->hdrs, line);
    s->hdrs = bs_add(s->hdrs, "x-vambe-attempt: 1");
    s->hdrs = bs_add(s->hdrs, "x-vambe-webhook-id: 00000000-0000-4000-8000-000000000001");
    snprintf(line, sizeof(line), "x-vambe-timestamp: %s", ts);
    s->hdrs = bs_add(s->hdrs, line);
    snprintf(line, sizeof(line), "x-vambe-signature: %s", sig);
    s->hdrs = bs_add(s->hdrs, line);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->hdrs);
    if (curl_multi_add_handle(multi, s->easy) != CURLM_OK) {
        fprintf(stderr, "bare_sender: curl_multi_add_handle failed\n");
        return -1;
    }
    s->busy = true;
    return 0;
}

static CURL *bs_easy(const struct bs_run *r, struct bs_slot *s)
{
    CURL *h = curl_easy_init();

    if (h == NULL) {
        return NULL;
    }
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bs_drop);
    return h;
}

static void bs_usage(FILE *f)
{
    fprintf(f, "usage: bare_sender --url URL --body-file F [--count N] [--concurrency C]\n"
               "                   [--secret S] [--topic T] [--latency-out FILE]\n");
}

static EVP_MAC_CTX *bs_keyed(const char *secret)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx != NULL &&
        EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    EVP_MAC_free(mac); /* the context keeps its own reference */
    return ctx;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"body-file", required_argument, NULL, 'b'},
        {"count", required_argument, NULL, 'n'},
        {"concurrency", required_argument, NULL, 'c'},
        {"secret", required_argument, NULL, 's'},
        {"topic", required_argument, NULL, 't'},
        {"latency-out", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bs_run r = {.topic = "message.received"};
    const char *body_file = NULL;
    const char *secret = "bench-secret-0123456789abcdef";
    char *body = NULL;
    size_t count = 10000;
    size_t conc = 64;
    size_t started = 0;
    size_t done = 0;
    struct bs_slot *slots = NULL;
    CURLM *multi = NULL;
    uint64_t t0;
    double secs;
    struct rusage ru;
    int c;
    int ret = 1;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
            r.url = optarg;
            break;
        case 'b':
            body_file = optarg;
            break;
        case 'n':
            if (bu_number(optarg, 1, 100000000, &count) != 0) {
                bs_usage(stderr);
                return 2;
            }
            break;
        case 'c':
            if (bu_number(optarg, 1, 4096, &conc) != 0) {
                bs_usage(stderr);
                return 2;
            }
            break;
        case 's':
            secret = optarg;
            break;
        case 't':
            r.topic = optarg;
            break;
        case 'L':
            r.latency_out = fopen(optarg, "w");
            if (r.latency_out == NULL) {
                fprintf(stderr, "bare_sender: cannot write %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            break;
        case 'h':
            bs_usage(stdout);
            return 0;
        default:
            bs_usage(stderr);
            return 2;
        }
    }
    if (r.url == NULL || body_file == NULL || count == 0 || conc == 0 || conc > 4096) {
        bs_usage(stderr);
        return 2;
    }
    if (conc > count) {
        conc = count;
    }
    body = bu_read_file(body_file, &r.body_len);
    if (body == NULL) {
        fprintf(stderr, "bare_sender: cannot read %s: %s\n", body_file, strerror(errno));
        return 2;
    }
    r.body = body;
    r.keyed = bs_keyed(secret);
    if (r.keyed == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bare_sender: cannot initialise OpenSSL HMAC or libcurl\n");
        goto out;
    }
    multi = curl_multi_init();
    slots = calloc(conc, sizeof(*slots));
    if (multi == NULL || slots == NULL) {
        goto out;
    }
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)conc);
    for (size_t i = 0; i < conc; i++) {
        slots[i].easy = bs_easy(&r, &slots[i]);
        if (slots[i].easy == NULL) {
            goto out;
        }
    }

    t0 = bs_mono_us();
    for (size_t i = 0; i < conc; i++) {
        if (bs_start(&r, multi, &slots[i]) != 0) {
            goto out;
        }
        started++;
    }
    while (done < count) {
        int running = 0;
        int left = 0;
        CURLMsg *m;

        if (curl_multi_perform(multi, &running) != CURLM_OK ||
            curl_multi_poll(multi, NULL, 0, 100, NULL) != CURLM_OK) {
            fprintf(stderr, "bare_sender: curl_multi failed\n");
            goto out;
        }
        curl_multi_perform(multi, &running);
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            struct bs_slot *s = NULL;
            long status = 0;

            if (m->msg != CURLMSG_DONE) {
                continue;
            }
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (m->data.result == CURLE_OK && status >= 200 && status < 300) {
                r.ok++;
            } else {
                r.failed++;
            }
            if (r.latency_out != NULL) {
                curl_off_t total = 0;

                curl_easy_getinfo(m->easy_handle, CURLINFO_TOTAL_TIME_T, &total);
                fprintf(r.latency_out, "%" CURL_FORMAT_CURL_OFF_T "\n", total);
            }
            curl_multi_remove_handle(multi, m->easy_handle);
            s->busy = false;
            done++;
            if (started < count) {
                if (bs_start(&r, multi, s) != 0) {
                    goto out;
                }
                started++;
            }
        }
    }
    secs = (double)(bs_mono_us() - t0) / 1e6;
    getrusage(RUSAGE_SELF, &ru);
    printf("requests %zu ok %zu failed %zu seconds %.3f rps %.0f cpu_s %.3f\n", done, r.ok,
           r.failed, secs, secs > 0 ? (double)done / secs : 0.0,
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    ret = r.failed == 0 ? 0 : 1;
out:
    for (size_t i = 0; slots != NULL && i < conc; i++) {
        if (slots[i].easy != NULL) {
            if (slots[i].busy) {
                curl_multi_remove_handle(multi, slots[i].easy);
            }
            curl_easy_cleanup(slots[i].easy);
        }
        curl_slist_free_all(slots[i].hdrs);
    }
    free(slots);
    if (multi != NULL) {
        curl_multi_cleanup(multi);
    }
    EVP_MAC_CTX_free(r.keyed);
    curl_global_cleanup();
    if (r.latency_out != NULL) {
        fclose(r.latency_out);
    }
    free(body);
    return ret;
}
