/* Cases run together (runner.h): each on a thread with its own HTTP client
 * and probe, sharing the runner's read-only options and, under its lock,
 * the acknowledged list and the detail budget. Used for the cases that
 * mostly wait (a retry 3 s later, a created event 1 s after its update),
 * so a run takes the longest wait instead of their sum. */
#include <stdlib.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "harness/runner_priv.h"

struct together {
    struct hn_runner *r;
    const struct hn_scenario *s;
    struct rp_case *c;
    struct http_client *client;
    struct hn_probe *probe;
};

static void *together_main(void *arg)
{
    struct together *t = arg;

    hn_runner_case_on(t->r, t->s, t->c, t->client, t->probe);
    return NULL;
}

/* A client and probe of the case's own, or the runner's when they cannot
 * be made (then the case runs alone, after the others). */
static bool together_own(struct hn_runner *r, struct together *t)
{
    struct err e = {{0}};

    t->client = hn_runner_client(r);
    if (t->client == NULL) {
        return false;
    }
    if (r->probe != NULL) {
        struct hn_probe_opts po = {r->o.probe_url, r->o.probe_cmd, r->o.timeout_ms, t->client};
        t->probe = hn_probe_new(&po, &e);
        if (t->probe == NULL) {
            log_warn("%s: %s: run after the others", t->s->id, e.msg);
            http_client_free(t->client);
            t->client = NULL;
            return false;
        }
    }
    return true;
}

void hn_runner_cases_together(struct hn_runner *r, const struct hn_scenario *const *s,
                              struct rp_case *const *c, size_t n)
{
    struct together *t = xcalloc(n + 1, sizeof(*t));
    pthread_t *th = xcalloc(n + 1, sizeof(*th));
    bool *started = xcalloc(n + 1, sizeof(*started));

    for (size_t i = 0; i < n; i++) {
        t[i] = (struct together){r, s[i], c[i], NULL, NULL};
        started[i] =
            together_own(r, &t[i]) && pthread_create(&th[i], NULL, together_main, &t[i]) == 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (started[i]) {
            pthread_join(th[i], NULL);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!started[i]) {
            hn_runner_case(r, s[i], c[i]);
        }
        hn_probe_free(t[i].probe);
        http_client_free(t[i].client);
    }
    free(started);
    free(th);
    free(t);
}
