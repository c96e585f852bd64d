/* The run's way to the target (runner_priv.h): its HTTP client options
 * (--ca-file, --resolve), a client made with them, and a connect check
 * through --resolve. For runner.c, cases run together (runner_together.c)
 * and the target and TLS steps. */
#include <stdbool.h>

#include "core/http_client.h"
#include "harness/preflight.h"
#include "harness/runner_priv.h"
#include "harness/url.h"

int hn_runner_reach(const struct hn_runner *r, uint64_t timeout_ms, struct err *e)
{
    char addr[64];
    bool given =
        hn_resolve_find(r->o.resolve, r->o.n_resolve, r->url.host, r->url.port, addr, sizeof(addr));

    return hn_preflight_check(&r->url, given ? addr : NULL, timeout_ms, e);
}

struct http_client_opts hn_runner_client_opts(const struct hn_runner *r)
{
    struct http_client_opts co = {
        .ca_file = r->o.ca_file, .resolve = r->o.resolve, .n_resolve = r->o.n_resolve};

    return co;
}

struct http_client *hn_runner_client(const struct hn_runner *r)
{
    struct http_client_opts co = hn_runner_client_opts(r);

    return http_client_new(&co);
}
