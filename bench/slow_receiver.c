/* slow_receiver: a receiver that answers after exactly D milliseconds, for
 * the harness latency accuracy figure.
 *
 * libmicrohttpd with one thread per connection, so a request that sleeps
 * never delays another. The delay runs from the first call of the access
 * handler (the request's headers have arrived) to an absolute deadline with
 * clock_nanosleep(TIMER_ABSTIME) on CLOCK_MONOTONIC, the process's timer
 * slack set to 1 ns, so the answer leaves within tens of microseconds of
 * the deadline. Each answer carries the time actually held, in
 * microseconds, in the header x-bench-held-us: the bench can tell the
 * receiver's own overshoot from the harness's measurement error.
 *
 *   slow_receiver [--delay-ms D] [--port N] [--port-file PATH] [--status N]
 *                 [--log FILE]
 *
 * --log writes one line per request, when it is answered:
 *   <x-vambe-event-id> <x-vambe-attempt> <arrived_us> <answered_us>
 * (CLOCK_REALTIME microseconds): with --delay-ms 0 --status 500 it is the
 * always-failing receiver of the retry timing figure, and the gap between
 * one attempt's answer and the next attempt's arrival, minus the retry
 * delay, is the sender's lateness measured to the microsecond.
 *
 * Stops on SIGINT or SIGTERM. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_nanosleep, prctl */
#endif

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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static const char sr_body[] = "{\"ok\":true}";

struct sr_server {
    long delay_ns;
    unsigned status;
    FILE *log; /* NULL without --log */
    pthread_mutex_t log_lock;
};

struct sr_req {
    struct timespec start;
    struct timespec start_wall;
};

static uint64_t sr_ns(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static enum MHD_Result sr_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct sr_server *s = cls;
    struct sr_req *r = *con_cls;
    struct timespec deadline;
    struct timespec now;
    struct MHD_Response *resp;
    char held[32];
    enum MHD_Result ret;

    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (r == NULL) {
        r = malloc(sizeof(*r));
        if (r == NULL) {
            return MHD_NO;
        }
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        clock_gettime(CLOCK_REALTIME, &r->start_wall);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    deadline = r->start;
    deadline.tv_nsec += s->delay_ns;
    deadline.tv_sec += deadline.tv_nsec / 1000000000L;
    deadline.tv_nsec %= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR) {
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    snprintf(held, sizeof(held), "%llu",
             (unsigned long long)((sr_ns(&now) - sr_ns(&r->start)) / 1000u));
    resp = MHD_create_response_from_buffer(sizeof(sr_body) - 1, (void *)sr_body,
                                           MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, "x-bench-held-us", held);
    ret = MHD_queue_response(conn, s->status, resp);
    MHD_destroy_response(resp);
    if (s->log != NULL) {
        const char *ev = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-vambe-event-id");
        const char *at = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-vambe-attempt");
        struct timespec wall;

        clock_gettime(CLOCK_REALTIME, &wall);
        pthread_mutex_lock(&s->log_lock);
        fprintf(s->log, "%.64s %.8s %llu %llu\n", ev != NULL ? ev : "-", at != NULL ? at : "-",
                (unsigned long long)(sr_ns(&r->start_wall) / 1000u),
                (unsigned long long)(sr_ns(&wall) / 1000u));
        pthread_mutex_unlock(&s->log_lock);
    }
    return ret;
}

static void sr_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"delay-ms", required_argument, NULL, 'd'},
        {"port", required_argument, NULL, 'p'},
        {"port-file", required_argument, NULL, 'P'},
        {"status", required_argument, NULL, 's'},
        {"log", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sr_server s = {.delay_ns = 50L * 1000000L, .status = 200};
    const char *port_file = NULL;
    unsigned port = 0;
    unsigned bound = 0;
    unsigned long v = 0;
    struct MHD_Daemon *d;
    sigset_t set;
    int sig = 0;
    int fd;
    int c;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (bu_number(optarg, 0, 10000, &v) != 0) {
                fprintf(stderr, "slow_receiver: --delay-ms: 0 to 10000\n");
                return 2;
            }
            s.delay_ns = (long)v * 1000000L;
            break;
        case 'p':
            if (bu_number(optarg, 0, 65535, &v) != 0) {
                fprintf(stderr, "slow_receiver: --port: 0 to 65535\n");
                return 2;
            }
            port = (unsigned)v;
            break;
        case 'P':
            port_file = optarg;
            break;
        case 's':
            if (bu_number(optarg, 100, 999, &v) != 0) {
                fprintf(stderr, "slow_receiver: --status: 100 to 999\n");
                return 2;
            }
            s.status = (unsigned)v;
            break;
        case 'l':
            s.log = fopen(optarg, "w");
            if (s.log == NULL) {
                fprintf(stderr, "slow_receiver: cannot write %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            break;
        case 'h':
            printf("usage: slow_receiver [--delay-ms D] [--port N] [--port-file PATH] "
                   "[--status N] [--log FILE]\n");
            return 0;
        default:
            fprintf(stderr, "usage: slow_receiver [--delay-ms D] [--port N] [--port-file PATH] "
                            "[--status N] [--log FILE]\n");
            return 2;
        }
    }
    if (s.delay_ns < 0 || s.delay_ns > 10L * 1000000000L || port > 65535) {
        fprintf(stderr, "slow_receiver: bad --delay-ms or --port\n");
        return 2;
    }
    pthread_mutex_init(&s.log_lock, NULL);
    /* The default slack (50 us) would add itself to every sleep. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    fd = bu_listen_loopback(port, false, &bound);
    if (fd < 0) {
        fprintf(stderr, "slow_receiver: cannot listen: %s\n", strerror(errno));
        return 3;
    }
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                             MHD_USE_POLL | MHD_USE_ERROR_LOG,
                         0, NULL, NULL, sr_access, &s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                         MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         MHD_OPTION_NOTIFY_COMPLETED, (MHD_RequestCompletedCallback)sr_completed,
                         NULL, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "slow_receiver: libmicrohttpd failed to start\n");
        return 3;
    }
    if (port_file != NULL && bu_write_port(port_file, bound) != 0) {
        fprintf(stderr, "slow_receiver: cannot write %s: %s\n", port_file, strerror(errno));
        MHD_stop_daemon(d);
        return 3;
    }
    fprintf(stderr, "slow_receiver: listening on http://127.0.0.1:%u, answering after %ld ms\n",
            bound, s.delay_ns / 1000000L);
    while (sigwait(&set, &sig) != 0) {
    }
    MHD_stop_daemon(d);
    if (port_file != NULL) {
        unlink(port_file);
    }
    if (s.log != NULL) {
        fclose(s.log);
    }
    pthread_mutex_destroy(&s.log_lock);
    return 0;
}
