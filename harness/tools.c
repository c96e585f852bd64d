/* The harness's helper commands (see tools.h): sign, schemes, list-topics.
 * Each has its own small option table; none sends anything. */
#include "harness/tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/clock.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/scheme.h"
#include "core/xalloc.h"

#define TOOLS_BODY_MAX (16u * 1024 * 1024)

/* The options of every tool; each tool takes the ones its usage names.
 * Columns as core/cli.h's; no help column: each tool's usage text below
 * says what it takes. */
enum tools_opt {
    OPT_SCHEME = 1,
    OPT_SECRET,
    OPT_TIMESTAMP,
    OPT_ID,
    OPT_TYPE,
    OPT_PROFILE,
    OPT_HELP
};

static const struct cli_option tools_options[] = {
    {"scheme", 0, required_argument, OPT_SCHEME, "NAME|FILE", NULL},
    {"secret", 0, required_argument, OPT_SECRET, "S", NULL},
    {"timestamp", 0, required_argument, OPT_TIMESTAMP, "T", NULL},
    {"id", 0, required_argument, OPT_ID, "ID", NULL},
    {"type", 0, required_argument, OPT_TYPE, "TYPE", NULL},
    {"profile", 0, required_argument, OPT_PROFILE, "P", NULL},
    {"help", 'h', no_argument, OPT_HELP, NULL, NULL},
};

struct tools_args {
    struct scheme scheme;
    bool has_scheme;
    const char *secret;
    const char *timestamp;
    const char *id;
    const char *type;
    const char *profile;
    bool help;
    const char *file; /* sign's operand */
};

static const char tools_sign_usage[] =
    "usage: vambe-harness sign --scheme NAME|FILE --secret S [--timestamp T] [--id ID]\n"
    "                          [--type TYPE] FILE|-\n"
    "Prints the headers a sender using the scheme would send with the body in FILE\n"
    "(- reads standard input), so a verifier can be tried with curl:\n"
    "  curl -H @headers.txt --data-binary @body.json URL\n"
    "  --timestamp T  the timestamp to sign (default now, in the scheme's unit)\n"
    "  --id ID        the event id (default a random evt_ id)\n"
    "  --type TYPE    the event type (default the scheme's profile's first)\n"
    "The secret may also come from $VAMBE_SECRET.\n";

/* Parses argv (argv[0] is the tool's name); operands are refused but one
 * FILE for sign. 0, or -1 with e set (never echoing an option's value). */
static int tools_parse(int argc, char **argv, bool takes_file, struct tools_args *a, struct err *e)
{
    struct err pe = {{0}};
    struct cli_parser p;
    const char *v = NULL;
    int c;

    memset(a, 0, sizeof(*a));
    cli_parser_init(&p, false);
    if (cli_parser_add(&p, tools_options, sizeof(tools_options) / sizeof(tools_options[0])) != 0) {
        return err_set(e, "internal error: the option table is wrong");
    }
    while ((c = cli_parser_next(&p, argc, argv, &v, e)) > 0) {
        switch (c) {
        case OPT_SCHEME:
            if (scheme_resolve(v, &a->scheme, &pe) != 0) {
                return err_set(e, "--scheme: %s", pe.msg);
            }
            a->has_scheme = true;
            break;
        case OPT_SECRET:
            a->secret = v;
            break;
        case OPT_TIMESTAMP:
            a->timestamp = v;
            break;
        case OPT_ID:
            a->id = v;
            break;
        case OPT_TYPE:
            a->type = v;
            break;
        case OPT_PROFILE:
            a->profile = v;
            break;
        case OPT_HELP:
            a->help = true;
            break;
        }
    }
    if (c < 0) {
        return -1;
    }
    if (takes_file && optind < argc) {
        a->file = argv[optind++];
    }
    if (optind < argc) {
        return err_set(e, "unexpected argument '%s'", argv[optind]);
    }
    return 0;
}

/* Reads FILE (or standard input for "-") whole. */
static char *tools_read(const char *path, size_t *len, struct err *e)
{
    /* tools_parse refuses a command without its FILE: path is set. */
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb"); // NOLINT(*NonNullParamChecker)
    char *buf = NULL;

    if (f == NULL) {
        err_set(e, "%s: cannot open", path);
        return NULL;
    }
    buf = xmalloc(TOOLS_BODY_MAX + 1);
    *len = fread(buf, 1, TOOLS_BODY_MAX + 1, f);
    if (ferror(f) || *len > TOOLS_BODY_MAX) {
        err_set(e, "%s: %s", path, ferror(f) ? "cannot read" : "larger than 16 MiB");
        free(buf);
        buf = NULL;
    }
    if (f != stdin) {
        fclose(f);
    }
    return buf;
}

/* The checks sign needs beyond well-formed options. */
static int tools_sign_check(struct tools_args *a, struct err *e)
{
    if (!a->has_scheme) {
        return err_set(e, "--scheme is required (vambe-harness schemes lists them)");
    }
    if (a->secret == NULL) {
        a->secret = getenv("VAMBE_SECRET");
    }
    if ((a->secret == NULL || *a->secret == '\0') && a->scheme.kind != SCHEME_NONE) {
        return err_set(e, "--secret is required (or set VAMBE_SECRET)");
    }
    if (a->file == NULL) {
        return err_set(e, "give the body's FILE, or - for standard input");
    }
    if (a->timestamp != NULL &&
        (a->timestamp[0] == '\0' || strspn(a->timestamp, "0123456789") != strlen(a->timestamp))) {
        return err_set(e, "--timestamp: '%.32s' is not a number of %s", a->timestamp,
                       signature_unit_name(a->scheme.unit));
    }
    return scheme_secret_check(&a->scheme, a->secret != NULL ? a->secret : "", e);
}

static int tools_sign(const struct tools_args *a, FILE *out, struct err *e)
{
    char ts[32];
    char id[IDS_EVENT_ID_LEN + 1];
    char delivery[IDS_UUID_LEN + 1];
    enum event_profile profile = EVENT_PROFILE_DOCUMENTED;
    struct scheme_wire *w = xmalloc(sizeof(*w));
    struct rng rng;
    size_t len = 0;
    char *body = tools_read(a->file, &len, e);
    int rc = -1;

    if (body == NULL) {
        goto out;
    }
    rng_seed_random(&rng);
    ids_event_id(&rng, id);
    ids_uuid4(&rng, delivery);
    signature_timestamp(clock_wall_ms(), a->scheme.unit, ts, sizeof(ts));
    (void)event_profile_parse(a->scheme.profile, &profile, NULL);
    struct scheme_input in = {a->secret != NULL ? a->secret : "",
                              a->id != NULL ? a->id : id,
                              a->type != NULL ? a->type : event_profile_default_type(profile),
                              delivery,
                              "wh_vambe_harness_sign",
                              1,
                              a->timestamp != NULL ? a->timestamp : ts,
                              body,
                              len,
                              NULL,
                              false};
    if (scheme_build(&a->scheme, &in, w, e) != 0) {
        goto out;
    }
    for (size_t i = 0; i < w->n; i++) {
        fprintf(out, "%s\n", w->lines[i]);
    }
    if (w->query_name[0] != '\0') {
        /* Not a header: curl -H would send it as one. Said on stderr. */
        fprintf(stderr, "vambe-harness: the token travels in the URL: add ?%s=<the token> to it\n",
                w->query_name);
    }
    rc = 0;
out:
    free(body);
    free(w);
    return rc;
}

static void tools_schemes(FILE *out)
{
    size_t n = 0;
    const struct scheme *all = scheme_builtins(&n);

    fprintf(out, "%-20s %-6s %s\n", "NAME", "KIND", "WHAT");
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%-20s %-6s %s\n", all[i].name, scheme_kind_name(all[i].kind), all[i].title);
    }
    fprintf(out, "%zu schemes (and any file in the same format: --scheme FILE)\n", n);
}

static int tools_list_topics(const struct tools_args *a, FILE *out, struct err *e)
{
    enum event_profile p = EVENT_PROFILE_DOCUMENTED;
    struct err pe = {{0}};

    if (a->profile != NULL && event_profile_parse(a->profile, &p, &pe) != 0) {
        const char *why = strncmp(pe.msg, "profile: ", 9) == 0 ? pe.msg + 9 : pe.msg;
        return err_set(e, "--profile: %s", why);
    }
    if (a->profile == NULL && a->has_scheme &&
        event_profile_parse(a->scheme.profile, &p, &pe) != 0) {
        return err_set(e, "--scheme: scheme %s: %s", a->scheme.name, pe.msg);
    }
    const char *const *types = event_profile_types(p);
    for (size_t i = 0; types != NULL && types[i] != NULL; i++) {
        fprintf(out, "%s\n", types[i]);
    }
    return 0;
}

bool hn_tools_is_tool(const char *name)
{
    return strcmp(name, "sign") == 0 || strcmp(name, "schemes") == 0 ||
           strcmp(name, "list-topics") == 0;
}

int hn_tools_main(int argc, char **argv, FILE *out)
{
    struct tools_args a;
    struct err e = {{0}};
    const char *tool = argv[0];
    bool sign = strcmp(tool, "sign") == 0;

    if (tools_parse(argc, argv, sign, &a, &e) != 0) {
        log_error("%s: %s", tool, e.msg);
        return KIT_EXIT_USAGE;
    }
    if (a.help) {
        if (sign) {
            fputs(tools_sign_usage, out);
        } else if (strcmp(tool, "schemes") == 0) {
            fputs("usage: vambe-harness schemes\nLists the built-in signing schemes.\n", out);
        } else {
            fputs("usage: vambe-harness list-topics [--scheme NAME|FILE | --profile P]\n"
                  "Lists the event types a sender emits under the scheme's payload profile.\n",
                  out);
        }
        return KIT_EXIT_OK;
    }
    if (sign) {
        if (tools_sign_check(&a, &e) != 0 || tools_sign(&a, out, &e) != 0) {
            log_error("sign: %s", e.msg);
            return KIT_EXIT_USAGE;
        }
    } else if (strcmp(tool, "schemes") == 0) {
        tools_schemes(out);
    } else if (tools_list_topics(&a, out, &e) != 0) {
        log_error("list-topics: %s", e.msg);
        return KIT_EXIT_USAGE;
    }
    return KIT_EXIT_OK;
}
