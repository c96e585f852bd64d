/* `vambe-mock trigger TOPIC`: the command-line face of POST /mock/events,
 * as `stripe trigger` is for Stripe. A client of a running mock: it builds
 * the request, sends it and prints the event ids. */
#ifndef MOCK_SERVER_TRIGGER_H
#define MOCK_SERVER_TRIGGER_H

#include <stdbool.h>
#include <stdio.h>

#define MS_DEFAULT_SERVER   "http://127.0.0.1:8790"
#define MS_TRIGGER_DATA_MAX (1024 * 1024) /* bytes of --data or its file */

/* What `trigger` runs with. Strings are borrowed (argv, the environment). */
struct ms_trigger_options {
    const char *topic;
    const char *data;       /* JSON text, "@FILE", or NULL */
    unsigned count;         /* 0: not given (the server's default, 1) */
    const char *webhook_id; /* NULL: every subscriber */
    const char *server;     /* base URL of the mock */
    const char *api_key;
    const char *ca_file; /* CA bundle to verify an https server; NULL: the system's */
    bool insecure;       /* do not verify the server's certificate */
};

/* Sends the trigger and prints each event id on its own line to out;
 * messages ("vambe-mock: ...") go to errout. Returns the exit code: 0 when
 * the mock answered 202; 2 for a usage error (unreadable --data file,
 * invalid JSON) or a 4xx answer (the mock's message is printed); 3 when the
 * mock cannot be reached or fails (5xx). */
int ms_trigger_run(const struct ms_trigger_options *o, FILE *out, FILE *errout);

#endif
