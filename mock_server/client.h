/* What vambe-mock's client commands (trigger's kind: webhooks, calls)
 * share: where the mock is and how to reach it (--server, --api-key,
 * --ca-file, --insecure, as trigger takes them), one request through the
 * kit's HTTP client, and the mock's errors as messages and exit codes. */
#ifndef MOCK_SERVER_CLIENT_H
#define MOCK_SERVER_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/cli.h"
#include "core/http_client.h"

#define MS_CLIENT_PROGRAM "vambe-mock"

/* Where the mock is and how to reach it. Strings are borrowed (argv, the
 * environment). */
struct ms_client {
    const char *server; /* base URL */
    const char *api_key;
    const char *ca_file; /* NULL: the system's CA store */
    bool insecure;
};

/* The ids of the shared rows; a command's own rows start at
 * MS_CLIENT_OPT_OWN. */
enum ms_client_opt {
    MS_CLIENT_OPT_HELP = 1,
    MS_CLIENT_OPT_SERVER,
    MS_CLIENT_OPT_API_KEY,
    MS_CLIENT_OPT_CA_FILE,
    MS_CLIENT_OPT_INSECURE,
    MS_CLIENT_OPT_OWN = 16,
};

/* The rows --server, --api-key, --ca-file, --insecure and -h/--help, worded
 * as trigger's. */
const struct cli_option *ms_client_rows(size_t *n);
/* The option list of a client command's --help (trigger's layout). */
extern const struct cli_help_layout ms_client_layout;

/* The defaults: MS_DEFAULT_SERVER, the key from $VAMBE_MOCK_API_KEY or the
 * public default. */
void ms_client_init(struct ms_client *c);
/* Applies a shared row: 0, -1 with msg filled (never the key's value), or
 * 1 when id is not a shared row. */
int ms_client_apply(struct ms_client *c, int id, const char *arg, char *msg, size_t msg_size);

/* A usage error: prints "vambe-mock: <msg>", then the command's usage
 * (usage(errout)). Returns KIT_EXIT_USAGE. */
int ms_client_fail(FILE *errout, const char *msg, void (*usage)(FILE *f));

/* server + path: a new string the caller frees. */
char *ms_client_url(const struct ms_client *c, const char *path);
/* url with name=value added to its query, value percent-encoded. Takes
 * ownership of url; returns the new URL (the caller frees). */
char *ms_client_query(char *url, const char *name, const char *value);
/* "x-api-key: KEY" for a request's headers; release with
 * ms_client_free_key, which wipes it. */
char *ms_client_key_line(const struct ms_client *c);
void ms_client_free_key(char *line);

/* Sends method url (body: JSON text, NULL for none) and fills resp
 * (release with http_response_cleanup). 0, or -1 when no answer came, with
 * "vambe-mock: cannot reach the mock at <server>: <why>" printed. */
int ms_client_send(const struct ms_client *c, const char *method, const char *url, const char *body,
                   struct http_response *resp, FILE *errout);
/* An answer that is not the one expected: prints "vambe-mock: the mock
 * answered <status>: <its message>" and returns the exit code (2 for a
 * 4xx, 3 otherwise). */
int ms_client_refused(const struct http_response *resp, FILE *errout);
/* The JSON of an answer, or NULL with "the answer is not JSON: is it a
 * vambe-mock?" printed. New reference. */
json_t *ms_client_json(const struct http_response *resp, FILE *errout);

/* Prints " [--name ARG]" (" --name ARG" when required) for the row with
 * this id among rows: usage lines built from the option table. */
void ms_client_usage_flag(FILE *f, const struct cli_option *rows, size_t n, int id, bool required);

#endif
