/* `vambe-mock calls --follow`: a live tail of delivery attempts, read from
 * the mock's GET /mock/stream (Server-Sent Events, parsed by sse.c).
 *
 * One line per attempt on stdout (cli_render.c's), or with --json the call
 * record itself, one JSON object per line. When the stream ends or cannot
 * be opened (the mock stopped or restarts), it says so on stderr
 * ("vambe-mock: stream lost (<why>); reconnecting…") and tries again after
 * 250 ms, doubling to 5 s, then "vambe-mock: reconnected". A refusal (4xx:
 * a wrong key, a bad filter) ends it with the mock's message. SIGINT and
 * SIGTERM end it with 0. */
#ifndef MOCK_SERVER_CLI_FOLLOW_H
#define MOCK_SERVER_CLI_FOLLOW_H

#include <stdbool.h>
#include <stdio.h>

#include "mock_server/client.h"

#define MS_FOLLOW_BACKOFF_FIRST_MS 250
#define MS_FOLLOW_BACKOFF_MAX_MS   5000
/* No byte (not even ": ping", every 15 s) for this long: the connection is
 * taken for dead and made again. */
#define MS_FOLLOW_IDLE_S 45

/* What to follow. Strings are borrowed; NULL filters are not sent. */
struct ms_follow {
    struct ms_client client;
    const char *webhook_id;
    const char *topic;
    const char *outcome;
    const char *event_id;
    bool json;
};

/* Follows until a stop signal (returns 0) or a refusal (returns 2; 3 for an
 * answer that is not a stream). Installs handlers for SIGINT and SIGTERM. */
int ms_cli_follow_run(const struct ms_follow *f, FILE *out, FILE *errout);

#endif
