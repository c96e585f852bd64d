/* The option table and --help (see cli_priv.h): the single description of
 * every option, from which getopt_long's table, --help and the re-run
 * command are all built. */
#include "harness/cli.h"
#include "harness/cli_priv.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Columns: long name, argument (getopt_long's has_arg), id (a short
 * option's letter, or a number past 0xff), the argument's name in --help,
 * the help text, and what a re-run command does with it. */
static const struct cli_option cli_options[] = {
    {"target", required_argument, CLI_TARGET, "URL",
     "the receiver's webhook URL (http or https; its query string is sent as given)",
     CLI_RERUN_URL},
    {"secret", required_argument, CLI_SECRET, "S",
     "the webhook secret the receiver verifies with (default: $VAMBE_SECRET)", CLI_RERUN_SECRET},
    {"header", required_argument, CLI_HEADER, "'NAME: VALUE'",
     "add a header to every delivery (repeatable; values are never printed)", CLI_RERUN_HEADER},
    {"suite", required_argument, CLI_SUITE, "DIR", "scenario folder (default: the built-in suite)",
     CLI_RERUN_KEEP},
    {"scenario", required_argument, CLI_SCENARIO, "FILE",
     "run this scenario file (repeatable; without --suite, only these)", CLI_RERUN_KEEP},
    {"only", required_argument, CLI_ONLY, "IDS", "run only these case ids (comma-separated)",
     CLI_RERUN_DROP},
    {"skip", required_argument, CLI_SKIP, "IDS", "skip these case ids (comma-separated)",
     CLI_RERUN_DROP},
    {"tags", required_argument, CLI_TAGS, "TAGS",
     "run only cases with one of these tags (comma-separated)", CLI_RERUN_DROP},
    {"ignored-topics", required_argument, CLI_IGNORED_TOPICS, "TOPICS",
     "topics the receiver deliberately ignores (comma-separated, repeatable): DLV-007 does not "
     "expect them processed",
     CLI_RERUN_KEEP},
    {"probe-url", required_argument, CLI_PROBE_URL, "TEMPLATE",
     "side-effect probe: a URL with {event_id} answering {\"count\": N}; 404 means 0",
     CLI_RERUN_URL},
    {"probe-cmd", required_argument, CLI_PROBE_CMD, "CMD",
     "side-effect probe: shell command given $VAMBE_EVENT_ID, printing N", CLI_RERUN_KEEP},
    {"state-probe-url", required_argument, CLI_STATE_PROBE_URL, "TEMPLATE",
     "state probe (ORD-002): a URL with {entity_id} answering {\"updated_at\": \"<RFC 3339>\"} "
     "for a contact or ticket; 404 while unknown",
     CLI_RERUN_URL},
    {"restart-cmd", required_argument, CLI_RESTART_CMD, "CMD",
     "shell command that restarts the receiver (DLV-010); the harness then waits up to 30 s for "
     "it to accept connections",
     CLI_RERUN_KEEP},
    {"ca-file", required_argument, CLI_CA_FILE, "FILE",
     "PEM CA certificates to verify an https target with, instead of the system's (SEC-004)",
     CLI_RERUN_KEEP},
    {"resolve", required_argument, CLI_RESOLVE, "HOST:PORT:ADDR",
     "connect to ADDR for HOST:PORT, as curl --resolve (repeatable): test a receiver under its "
     "real name, e.g. its certificate (SEC-004), before DNS points at it",
     CLI_RERUN_KEEP},
    {"probe-wait", required_argument, CLI_PROBE_WAIT, "DUR",
     "how long a probe waits for the expected count (default 5s)", CLI_RERUN_KEEP},
    {"settle", required_argument, CLI_SETTLE, "DUR",
     "after the expected count appears, wait this long and check it again (default 300ms)",
     CLI_RERUN_KEEP},
    {"timeout", required_argument, CLI_TIMEOUT, "DUR",
     "per-exchange timeout (default 6s: above Vambe's 5 s, so a slow answer is measured)",
     CLI_RERUN_KEEP},
    {"scheme", required_argument, CLI_SCHEME, "NAME|FILE",
     "how deliveries are signed: a built-in scheme (vambe-harness schemes lists them) or a "
     "scheme file (default vambe)",
     CLI_RERUN_KEEP},
    {"profile", required_argument, CLI_PROFILE, "P",
     "payload profile: documented, legacy or a provider's (default: the scheme's)", CLI_RERUN_KEEP},
    {"timestamp-unit", required_argument, CLI_TS_UNIT, "U",
     "the timestamp in ms or s (default: the scheme's; ms for vambe)", CLI_RERUN_KEEP},
    {"strict", no_argument, CLI_STRICT, NULL, "a failed SHOULD case fails the run", CLI_RERUN_KEEP},
    {"long", no_argument, CLI_LONG, NULL,
     "also run the cases tagged long, which wait minutes (about 12 min in all)", CLI_RERUN_KEEP},
    {"seed", required_argument, CLI_SEED, "N",
     "seed for generated events (default: random, printed in the summary)", CLI_RERUN_SEED},
    {"report", required_argument, CLI_REPORT, "FORMAT:PATH",
     "write a report: junit, json, md or html (repeatable); PATH - is stdout", CLI_RERUN_DROP},
    {"report-dir", required_argument, CLI_REPORT_DIR, "DIR",
     "write every report format into DIR (report.xml, .json, .md, .html)", CLI_RERUN_DROP},
    {"no-color", no_argument, CLI_NO_COLOR, NULL, "no colour, even on a terminal", CLI_RERUN_KEEP},
    {"verbose", no_argument, CLI_VERBOSE, NULL, "log every exchange on stderr", CLI_RERUN_KEEP},
    {"help", no_argument, CLI_HELP, NULL, "show this help", CLI_RERUN_DROP},
    {"version", no_argument, CLI_VERSION, NULL, "show the version", CLI_RERUN_DROP},
};
#define CLI_N_OPTIONS (sizeof(cli_options) / sizeof(cli_options[0]))

#define CLI_HELP_LEFT  28
#define CLI_HELP_WIDTH 99

/* One option of --help: the left column, then the text wrapped at word
 * boundaries to CLI_HELP_WIDTH columns. */
static void cli_help_line(FILE *f, const char *left, const char *text)
{
    size_t room = CLI_HELP_WIDTH - CLI_HELP_LEFT - 3;
    const char *p = text;

    fprintf(f, "  %-*s ", CLI_HELP_LEFT, left);
    if (strlen(left) > CLI_HELP_LEFT) {
        fprintf(f, "\n  %-*s ", CLI_HELP_LEFT, "");
    }
    while (strlen(p) > room) {
        size_t cut = room;
        while (cut > 0 && p[cut] != ' ') {
            cut--;
        }
        if (cut == 0) {
            cut = room;
        }
        fprintf(f, "%.*s\n  %-*s ", (int)cut, p, CLI_HELP_LEFT, "");
        p += cut;
        while (*p == ' ') {
            p++;
        }
    }
    fprintf(f, "%s\n", p);
}

void hn_cli_help(FILE *f)
{
    fputs("usage: vambe-harness run --target URL --secret S [options]\n"
          "       vambe-harness list [--suite DIR] [--scenario FILE]... [--only IDS] [--tags T]\n"
          "       vambe-harness validate [FILE|DIR]... [--scenario FILE]... [--suite DIR]\n"
          "       vambe-harness sign --scheme S --secret K [--timestamp T] [--id I] [--type T]\n"
          "                          FILE|-\n"
          "       vambe-harness schemes | list-topics [--scheme S | --profile P]\n"
          "       vambe-harness --help | --version\n"
          "\n"
          "Fires the Vambe webhook conformance cases at a receiver and says, case by case,\n"
          "whether it answers fast, with the right status, idempotently, and only to\n"
          "correctly signed deliveries.\n"
          "\n"
          "commands:\n"
          "  run        run the selected cases against --target\n"
          "  list       list the cases: id, level, tags, title\n"
          "  validate   check scenario files and folders (default: the built-in suite)\n"
          "  sign       print the headers a sender would send for a body (debug a verifier)\n"
          "  schemes    list the built-in signing schemes\n"
          "  list-topics  list the event types of a scheme's payload profile\n"
          "\n"
          "options:\n",
          f);
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        const struct cli_option *o = &cli_options[i];
        char left[64];
        if (o->id < 0x100) {
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        } else {
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        }
        cli_help_line(f, left, o->help);
    }
    fputs("\n"
          "exit status: 0 conformant, 1 not conformant, 2 usage, configuration or scenario\n"
          "error (also: no case selected), 3 target unreachable.\n",
          f);
}

const struct cli_option *hn_cli_option_by_id(int id)
{
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        if (cli_options[i].id == id) {
            return &cli_options[i];
        }
    }
    return NULL;
}

_Static_assert(CLI_N_OPTIONS <= CLI_MAX_OPTIONS, "raise CLI_MAX_OPTIONS");

void hn_cli_getopt(struct option *longopts, char *shorts, size_t shorts_size)
{
    size_t ns = 0;

    shorts[ns++] = ':';
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        longopts[i].name = cli_options[i].name;
        longopts[i].has_arg = cli_options[i].has_arg;
        longopts[i].flag = NULL;
        longopts[i].val = cli_options[i].id;
        if (cli_options[i].id < 0x100 && ns + 2 < shorts_size) {
            shorts[ns++] = (char)cli_options[i].id;
            if (cli_options[i].has_arg == required_argument) {
                shorts[ns++] = ':';
            }
        }
    }
    shorts[ns] = '\0';
    memset(&longopts[CLI_N_OPTIONS], 0, sizeof(longopts[0]));
}

const struct cli_option *hn_cli_options(size_t *n)
{
    *n = CLI_N_OPTIONS;
    return cli_options;
}
