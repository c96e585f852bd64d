/* Test support: the fixture of the real vambe-mock program's security
 * tests: self-signed certificate files (made once by the group setup with
 * openssl), the mock program started and talked to over http or https
 * with every answer kept in a transcript, and a receiver in this process
 * (core/http_server on 127.0.0.1 port 0, plain or https) that keeps the
 * signatures it was sent. */
#ifndef TESTS_SUPPORT_SEC_FX_H
#define TESTS_SUPPORT_SEC_FX_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http_client.h"
#include "core/http_server.h"
#include "core/signature.h"
#include "support/proc.h"

#define KEY      "k3y-SECURITY-test-5f1e9a7c0b"
#define SECRET_A "whsec_ALPHA-secret-8d41c2f7e9"
#define OPENSSL  "/usr/bin/openssl"
#define START_MS 10000
#define STOP_MS  10000
#define WAIT_MS  10000
#define RX_MAX   64

/* The certificate files, made once by the group setup. */
struct sec_fx_tls {
    char dir[128];
    char cert[192];
    char key[192];
    bool have; /* false: openssl is missing, TLS tests skip */
};

extern struct sec_fx_tls sec_fx_tls;

/* Everything the mock answered, kept for the grep at the end; freed by
 * sec_fx_teardown. */
struct sec_fx_transcript {
    char *p;
    size_t len;
    size_t cap;
};

extern struct sec_fx_transcript sec_fx_transcript;

struct sec_fx_target {
    const char *scheme; /* "http" or "https" */
    unsigned port;
    const char *key;     /* x-api-key, NULL: none */
    const char *ca_file; /* https: the CA to trust */
    bool insecure;
};

struct sec_fx_rx {
    struct http_server *srv;
    unsigned port;
    pthread_mutex_t lock;
    size_t n;
    char sigs[RX_MAX][SIGNATURE_MAX + 1]; /* the full signatures it was sent */
};

/* The group's setup (the certificates; the mock's key variable unset) and
 * teardown. */
int sec_fx_group_setup(void **state);
int sec_fx_group_teardown(void **state);
/* A test's teardown: kills the mocks still running (a failed assertion
 * leaves the test early), removes their files, frees the transcript. */
int sec_fx_teardown(void **state);
/* Makes a self-signed certificate for 127.0.0.1 and its key. 0 or -1. */
int sec_fx_make_cert(const char *cert, const char *key);
/* Skips (or fails, in CI) the test without the certificate files. */
void sec_fx_need_tls(void);
/* A file's text (at most 64 KiB; the caller frees it). */
char *sec_fx_read_file(const char *path);
/* One request; fills resp (the caller cleans it up). Every answer goes to
 * the transcript. */
void sec_fx_request(const struct sec_fx_target *t, const char *method, const char *path,
                    const char *body, struct http_response *resp);
/* A request that must get an answer: returns the status and the parsed
 * body in *out (may be NULL; the caller decrefs). */
long sec_fx_api(const struct sec_fx_target *t, const char *method, const char *path,
                const char *body, json_t **out);
/* Starts `vambe-mock serve <extra>` (extra NULL-terminated) on port 0. */
struct proc *sec_fx_start_mock(const char *const *extra);
/* Stops a mock; it must exit 0. */
void sec_fx_stop_mock(struct proc *p);
/* Runs `vambe-mock <args>` to completion; returns the exit code, stderr in
 * err. */
int sec_fx_run_mock(const char *const *args, char *err, size_t err_size);
/* obj[key] as a string, "" when absent or not a string. */
const char *sec_fx_jstr(const json_t *obj, const char *key);
/* Polls the call log (bounded) until it holds at least n records matching
 * query; returns them (the caller decrefs). */
json_t *sec_fx_calls_wait(const struct sec_fx_target *t, const char *query, size_t n);
/* Makes a message.received webhook to url with secret; its id in id. */
void sec_fx_create_hook(const struct sec_fx_target *t, const char *url, const char *secret,
                        char *id, size_t id_size);
/* Starts a receiver (POST /ok answers 200, POST /fail 500); https when
 * cert_pem is set. */
struct sec_fx_rx *sec_fx_rx_start(const char *cert_pem, const char *key_pem);
/* How many requests it got. */
size_t sec_fx_rx_count(struct sec_fx_rx *rx);
void sec_fx_rx_stop(struct sec_fx_rx *rx);

#endif
