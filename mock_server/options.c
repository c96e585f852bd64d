/* `vambe-mock serve`'s options as a whole: the defaults, the checks that
 * involve several flags (where the mock may listen with which key, TLS
 * flags in pairs) and the loading of the TLS certificate and key.
 *
 * Why refuse the default key off loopback: the default key is printed in
 * the documentation and the help, so a mock reachable from other machines
 * with it would let anyone register webhooks (the mock then sends requests
 * to any URL they choose) and read every payload in the call log. On
 * loopback only local processes reach it, which is what the key is for. */
#include "mock_server/options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/file.h"
#include "core/xalloc.h"

#define OPTIONS_PEM_MAX (1024 * 1024) /* a certificate chain is a few KiB */

void ms_options_init(struct ms_options *o)
{
    memset(o, 0, sizeof(*o));
    o->bind = MS_DEFAULT_BIND;
    o->port = MS_DEFAULT_PORT;
    o->api_key = MS_DEFAULT_API_KEY;
    o->log_format = LOG_FORMAT_TEXT;
    o->access_log = true;
    ms_policy_init(&o->policy);
}

bool ms_options_is_loopback(const char *addr)
{
    unsigned char a[16];
    static const unsigned char v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (addr == NULL) {
        return true; /* the default, 127.0.0.1 */
    }
    if (strcasecmp(addr, "localhost") == 0) {
        return true;
    }
    if (inet_pton(AF_INET, addr, a) == 1) {
        return a[0] == 127; /* 127.0.0.0/8 */
    }
    if (inet_pton(AF_INET6, addr, a) == 1) {
        /* ::1, or an IPv4-mapped loopback address (::ffff:127.x.y.z). */
        return memcmp(a, v6_loopback, sizeof(a)) == 0 ||
               (memcmp(a, v4_mapped, sizeof(v4_mapped)) == 0 && a[12] == 127);
    }
    return false;
}

/* Can a client send key in a header and have it match? HTTP strips the
 * spaces around a value and carries no control character. */
static bool options_key_sendable(const char *key)
{
    size_t n = strlen(key);

    if (n == 0 || key[0] == ' ' || key[0] == '\t' || key[n - 1] == ' ' || key[n - 1] == '\t') {
        return false;
    }
    for (const unsigned char *c = (const unsigned char *)key; *c != '\0'; c++) {
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
            return false;
        }
    }
    return true;
}

int ms_options_check(const struct ms_options *o, struct err *e)
{
    const char *key = o->api_key != NULL ? o->api_key : MS_DEFAULT_API_KEY;

    if (!options_key_sendable(key)) {
        /* Never echo the key itself. */
        return err_set(e, "the API key (--api-key or " MS_API_KEY_ENV ") starts or ends with a "
                          "space or holds a control character (a newline read from a file?): no "
                          "client could send it in a header, so nothing would authenticate");
    }
    /* Not a secret comparison: the default key is public. */
    if (!ms_options_is_loopback(o->bind) && strcmp(key, MS_DEFAULT_API_KEY) == 0) {
        return err_set(e,
                       "refusing to listen on %s with the public default API key; set --api-key "
                       "or " MS_API_KEY_ENV,
                       o->bind);
    }
    if (o->tls_cert_file != NULL && o->tls_key_file == NULL) {
        return err_set(e, "--tls-cert needs --tls-key (the certificate's private key)");
    }
    if (o->tls_key_file != NULL && o->tls_cert_file == NULL) {
        return err_set(e, "--tls-key needs --tls-cert (the certificate of the key)");
    }
    return 0;
}

/* Reads a whole PEM file (at most OPTIONS_PEM_MAX bytes) into a malloc'd,
 * NUL-terminated string. NULL with e naming the flag and the file. */
static char *options_read_pem(const char *flag, const char *path, struct err *e)
{
    struct err why = {{0}};
    FILE *f = file_open_regular(path, &why);
    char *buf = NULL;
    size_t len = 0;
    bool ok = false;

    if (f == NULL) {
        err_set(e, "%s: cannot read '%s': %s", flag, path, why.msg);
        goto out;
    }
    buf = xmalloc(OPTIONS_PEM_MAX + 1);
    len = fread(buf, 1, OPTIONS_PEM_MAX + 1, f);
    if (ferror(f)) {
        err_set(e, "%s: cannot read '%s': %s", flag, path, strerror(errno));
        goto out;
    }
    if (len > OPTIONS_PEM_MAX) {
        err_set(e, "%s: '%s' is larger than %d bytes: not a PEM file", flag, path, OPTIONS_PEM_MAX);
        goto out;
    }
    if (memchr(buf, '\0', len) != NULL) {
        err_set(e, "%s: '%s' is not a PEM file (binary data; DER needs converting to PEM)", flag,
                path);
        goto out;
    }
    buf[len] = '\0';
    ok = true;
out:
    if (f != NULL) {
        fclose(f);
    }
    if (!ok && buf != NULL) {
        memset(buf, 0, OPTIONS_PEM_MAX + 1); /* it may be a private key */
        free(buf);
        buf = NULL;
    }
    return buf;
}

void ms_options_tls_free(struct ms_tls_pem *t)
{
    if (t->key != NULL) {
        memset(t->key, 0, strlen(t->key));
        free(t->key);
    }
    free(t->cert);
    t->cert = NULL;
    t->key = NULL;
}

int ms_options_load_tls(const struct ms_options *o, struct ms_tls_pem *out, struct err *e)
{
    int ret = -1;

    out->cert = NULL;
    out->key = NULL;
    if (o->tls_cert_file == NULL && o->tls_key_file == NULL) {
        return 0;
    }
    if (ms_options_check(o, e) != 0) {
        goto out;
    }
    out->cert = options_read_pem("--tls-cert", o->tls_cert_file, e);
    if (out->cert == NULL) {
        goto out;
    }
    if (strstr(out->cert, "-----BEGIN CERTIFICATE-----") == NULL) {
        err_set(e, "--tls-cert: '%s' holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                o->tls_cert_file);
        goto out;
    }
    out->key = options_read_pem("--tls-key", o->tls_key_file, e);
    if (out->key == NULL) {
        goto out;
    }
    if (strstr(out->key, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
        strstr(out->key, "Proc-Type: 4,ENCRYPTED") != NULL) {
        err_set(e, "--tls-key: '%s' is encrypted; give the key unencrypted", o->tls_key_file);
        goto out;
    }
    if (strstr(out->key, "PRIVATE KEY-----") == NULL) {
        err_set(e, "--tls-key: '%s' holds no PEM private key (-----BEGIN PRIVATE KEY-----)",
                o->tls_key_file);
        goto out;
    }
    ret = 0;
out:
    if (ret != 0) {
        ms_options_tls_free(out);
    }
    return ret;
}
