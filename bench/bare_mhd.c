/* bare_mhd: the libmicrohttpd ceiling for the management API figure.
 *
 * A server that answers every request with one fixed body, set up exactly
 * as core/http_server.c sets up libmicrohttpd for vambe-mock: our own
 * listening socket (SOMAXCONN backlog) handed over with
 * MHD_OPTION_LISTEN_SOCKET; MHD_USE_INTERNAL_POLLING_THREAD |
 * MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_EPOLL; a pool of N threads
 * (MHD_OPTION_THREAD_POOL_SIZE when N > 1); the same connection limit,
 * idle timeout and a completion callback. What it leaves out is what the
 * kit adds on top of the library: routing, the per-request state, the
 * handler's work (authorisation, the cache) and the access log.
 *
 * The access handler answers on its second call, like libmicrohttpd's own
 * examples and like the kit's wrapper (the first call carries the headers
 * only). --first-call answers on the first call instead, to measure what
 * that extra round through the handler costs. --per-request builds a
 * response object for every request from the shared bytes, as the kit
 * does, instead of queueing one response built at start.
 *
 *   bare_mhd --body-file F [--port N] [--port-file PATH] [--threads N]
 *            [--content-type T] [--status N] [--first-call] [--per-request]
 *
 * Stops on SIGINT or SIGTERM. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

#define BM_CONN_LIMIT 8192 /* mock_server/server.c SERVER_CONN_LIMIT */
#define BM_TIMEOUT_S  30   /* core/http_server.c SRV_DEFAULT_TIMEOUT_S */

struct bm_server {
    char *body;
    size_t body_len;
    const char *content_type;
    unsigned status;
    bool first_call;
    bool per_request;
    struct MHD_Response *shared; /* NULL with per_request */
};

static int bm_marker; /* *con_cls after the first call */

static struct MHD_Response *bm_response(struct bm_server *s)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(s->body_len, s->body, MHD_RESPMEM_PERSISTENT);

    if (r != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, s->content_type);
    }
    return r;
}

static enum MHD_Result bm_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct bm_server *s = cls;
    struct MHD_Response *r;
    enum MHD_Result ret;

    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*con_cls == NULL && !s->first_call) {
        *con_cls = &bm_marker;
        return MHD_YES;
    }
    *con_cls = &bm_marker;
    if (*upload_data_size > 0) {
        *upload_data_size = 0; /* bodies are read and dropped */
        return MHD_YES;
    }
    if (s->shared != NULL) {
        return MHD_queue_response(conn, s->status, s->shared);
    }
    r = bm_response(s);
    if (r == NULL) {
        return MHD_NO;
    }
    ret = MHD_queue_response(conn, s->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void bm_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    *con_cls = NULL;
}

static void bm_usage(FILE *f)
{
    fprintf(f, "usage: bare_mhd --body-file F [--port N] [--port-file PATH] [--threads N]\n"
               "                [--content-type T] [--status N] [--first-call] [--per-request]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"body-file", required_argument, NULL, 'b'},
        {"port", required_argument, NULL, 'p'},
        {"port-file", required_argument, NULL, 'P'},
        {"threads", required_argument, NULL, 't'},
        {"content-type", required_argument, NULL, 'c'},
        {"status", required_argument, NULL, 's'},
        {"first-call", no_argument, NULL, 'f'},
        {"per-request", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bm_server s = {.content_type = "application/json", .status = 200};
    const char *body_file = NULL;
    const char *port_file = NULL;
    unsigned port = 0;
    unsigned bound = 0;
    unsigned threads = 1;
    unsigned long v = 0;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_EPOLL;
    struct MHD_OptionItem extra[2];
    size_t n = 0;
    struct MHD_Daemon *d = NULL;
    sigset_t set;
    int sig = 0;
    int fd;
    int c;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            body_file = optarg;
            break;
        case 'p':
            if (bu_number(optarg, 0, 65535, &v) != 0) {
                bm_usage(stderr);
                return 2;
            }
            port = (unsigned)v;
            break;
        case 'P':
            port_file = optarg;
            break;
        case 't':
            if (bu_number(optarg, 1, 64, &v) != 0) {
                bm_usage(stderr);
                return 2;
            }
            threads = (unsigned)v;
            break;
        case 'c':
            s.content_type = optarg;
            break;
        case 's':
            if (bu_number(optarg, 100, 999, &v) != 0) {
                bm_usage(stderr);
                return 2;
            }
            s.status = (unsigned)v;
            break;
        case 'f':
            s.first_call = true;
            break;
        case 'r':
            s.per_request = true;
            break;
        case 'h':
            bm_usage(stdout);
            return 0;
        default:
            bm_usage(stderr);
            return 2;
        }
    }
    if (body_file == NULL || threads < 1 || threads > 64 || port > 65535 || s.status < 100 ||
        s.status > 999) {
        bm_usage(stderr);
        return 2;
    }
    s.body = bu_read_file(body_file, &s.body_len);
    if (s.body == NULL) {
        fprintf(stderr, "bare_mhd: cannot read %s: %s\n", body_file, strerror(errno));
        return 3;
    }
    if (!s.per_request) {
        s.shared = bm_response(&s);
        if (s.shared == NULL) {
            fprintf(stderr, "bare_mhd: cannot create the response\n");
            return 3;
        }
    }

    /* Block the stop signals before libmicrohttpd starts its threads, then
     * wait for them with sigwait, as vambe-mock does. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    fd = bu_listen_loopback(port, true, &bound);
    if (fd < 0) {
        fprintf(stderr, "bare_mhd: cannot listen on 127.0.0.1:%u: %s\n", port, strerror(errno));
        return 3;
    }
    if (threads > 1) {
        extra[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    }
    extra[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    d = MHD_start_daemon(flags, 0, NULL, NULL, bm_access, &s, MHD_OPTION_LISTEN_SOCKET,
                         (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)BM_CONN_LIMIT,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)BM_TIMEOUT_S,
                         MHD_OPTION_NOTIFY_COMPLETED, (MHD_RequestCompletedCallback)bm_completed,
                         NULL, MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "bare_mhd: libmicrohttpd failed to start\n");
        return 3;
    }
    if (port_file != NULL && bu_write_port(port_file, bound) != 0) {
        fprintf(stderr, "bare_mhd: cannot write %s: %s\n", port_file, strerror(errno));
        MHD_stop_daemon(d);
        return 3;
    }
    fprintf(stderr, "bare_mhd: listening on http://127.0.0.1:%u (%u threads, %zu-byte body)\n",
            bound, threads, s.body_len);
    while (sigwait(&set, &sig) != 0) {
    }
    MHD_stop_daemon(d);
    if (s.shared != NULL) {
        MHD_destroy_response(s.shared);
    }
    if (port_file != NULL) {
        unlink(port_file);
    }
    free(s.body);
    return 0;
}
