/* Streamed replies: a body read from a source for as long as it lasts.
 *
 * libmicrohttpd pulls the body through a content reader. A reader with
 * nothing to give may not return 0 under internal polling (the thread
 * would spin), so in pool mode the reader parks the connection with
 * MHD_suspend_connection and returns 0; http_stream_wake resumes it. With a
 * thread per connection suspending is not allowed: the reader waits on a
 * condition variable instead, which blocks only that connection's thread.
 *
 * The stream's lock makes "nothing to give, so park" and "wake" atomic: a
 * wake that comes between the source saying 0 and the park finds the
 * connection parked and resumes it, never lost. Only a parked connection
 * is resumed, and libmicrohttpd never closes a parked one, so a resume
 * never reaches a connection being torn down; the stream's memory is
 * reference counted (the response holds one, a source may hold more) so a
 * late wake finds it ended rather than freed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/http_server.h"
#include "core/http_server_priv.h"
#include "core/xalloc.h"

#define STREAM_BLOCK      (16 * 1024)
#define STREAM_WAIT_SLICE 1000 /* ms a per-connection thread waits between reads */

struct http_stream {
    http_stream_read_fn read;
    http_stream_done_fn done;
    void *src;
    struct http_server *server;
    struct MHD_Connection *conn;
    pthread_mutex_t lock;
    pthread_cond_t woken_cond; /* thread-per-connection mode only */
    bool woken;                /* a wake came since the last read */
    bool parked;               /* suspended, waiting for a wake */
    bool closing;              /* the server stops: end the reply */
    bool ended;                /* the response is gone: wakes do nothing */
    atomic_int refs;           /* the response's, plus http_stream_hold's */
    struct http_stream *next;  /* in server->streams */
};

struct http_stream *http_reply_stream(struct http_server_reply *rep, const char *content_type,
                                      http_stream_read_fn read, http_stream_done_fn done, void *src)
{
    struct http_stream *st = xcalloc(1, sizeof(*st));
    pthread_condattr_t ca;

    st->read = read;
    st->done = done;
    st->src = src;
    atomic_init(&st->refs, 1);
    pthread_mutex_init(&st->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->woken_cond, &ca);
    pthread_condattr_destroy(&ca);
    free(rep->body);
    rep->body = NULL;
    rep->body_len = 0;
    rep->status = 200;
    rep->content_type = content_type;
    rep->stream = st;
    return st;
}

void http_stream_hold(struct http_stream *st)
{
    atomic_fetch_add(&st->refs, 1);
}

void http_stream_release(struct http_stream *st)
{
    if (atomic_fetch_sub(&st->refs, 1) == 1) {
        pthread_cond_destroy(&st->woken_cond);
        pthread_mutex_destroy(&st->lock);
        free(st);
    }
}

void http_stream_wake(struct http_stream *st)
{
    pthread_mutex_lock(&st->lock);
    st->woken = true;
    if (st->parked && !st->ended) {
        st->parked = false;
        MHD_resume_connection(st->conn);
    }
    pthread_cond_signal(&st->woken_cond);
    pthread_mutex_unlock(&st->lock);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct http_stream *st = cls;
    ssize_t out = 0;

    (void)pos;
    pthread_mutex_lock(&st->lock);
    for (;;) {
        long n;

        if (st->closing) {
            out = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        st->woken = false;
        n = st->read(st->src, buf, max);
        if (n != 0) {
            out = n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        if (st->server->epoll) {
            st->parked = true;
            MHD_suspend_connection(st->conn);
            out = 0;
            break;
        }
        while (!st->woken && !st->closing) {
            struct timespec until = clock_deadline(CLOCK_MONOTONIC, STREAM_WAIT_SLICE);

            pthread_cond_timedwait(&st->woken_cond, &st->lock, &until);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return out;
}

static void stream_free(void *cls)
{
    struct http_stream *st = cls;
    struct http_server *s = st->server;

    if (s != NULL) {
        pthread_mutex_lock(&s->streams_lock);
        for (struct http_stream **p = &s->streams; *p != NULL; p = &(*p)->next) {
            if (*p == st) {
                *p = st->next;
                break;
            }
        }
        pthread_mutex_unlock(&s->streams_lock);
    }
    pthread_mutex_lock(&st->lock);
    st->ended = true;
    pthread_mutex_unlock(&st->lock);
    st->done(st->src);
    http_stream_release(st);
}

struct MHD_Response *srv_stream_response(struct http_server *s, struct MHD_Connection *conn,
                                         struct http_stream *st)
{
    struct MHD_Response *resp;

    st->server = s;
    st->conn = conn;
    /* A stream begun while the server stops (a request already read on a
     * thread of its own) ends at once rather than hold the stop up. */
    st->closing = atomic_load(&s->stopping);
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, st,
                                             stream_free);
    if (resp == NULL) {
        st->server = NULL;
        stream_free(st);
        return NULL;
    }
    pthread_mutex_lock(&s->streams_lock);
    st->next = s->streams;
    s->streams = st;
    pthread_mutex_unlock(&s->streams_lock);
    return resp;
}

void srv_streams_close(struct http_server *s)
{
    pthread_mutex_lock(&s->streams_lock);
    for (struct http_stream *st = s->streams; st != NULL; st = st->next) {
        pthread_mutex_lock(&st->lock);
        st->closing = true;
        if (st->parked) {
            st->parked = false;
            MHD_resume_connection(st->conn);
        }
        pthread_cond_signal(&st->woken_cond);
        pthread_mutex_unlock(&st->lock);
    }
    pthread_mutex_unlock(&s->streams_lock);
}
