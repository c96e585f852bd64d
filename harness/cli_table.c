/* The option table and --help (see cli_priv.h): the single description of
 * every option, from which getopt_long's tables (core/cli.h), --help and
 * the re-run command are all built. */
#include "harness/cli.h"
#include "harness/cli_priv.h"

#include <stdio.h>

#include "core/cli.h"

/* Columns: the option (core/cli.h's row: long name, short letter,
 * argument (getopt_long's has_arg), id, the argument's name in --help, the
 * help text), then what a re-run command does with it. */
static const struct hn_cli_row cli_rows[] = {
    {{"target", 't', required_argument, HN_OPT_TARGET, "URL",
      "the receiver's webhook URL (http or https; its query string is sent as given)"},
     HN_RERUN_URL},
    {{"secret", 's', required_argument, HN_OPT_SECRET, "S",
      "the webhook secret the receiver verifies with (default: $VAMBE_SECRET)"},
     HN_RERUN_SECRET},
    {{"header", 0, required_argument, HN_OPT_HEADER, "'NAME: VALUE'",
      "add a header to every delivery (repeatable; values are never printed)"},
     HN_RERUN_HEADER},
    {{"suite", 0, required_argument, HN_OPT_SUITE, "DIR",
      "scenario folder (default: the built-in suite)"},
     HN_RERUN_KEEP},
    {{"scenario", 0, required_argument, HN_OPT_SCENARIO, "FILE",
      "run this scenario file (repeatable; without --suite, only these)"},
     HN_RERUN_KEEP},
    {{"only", 0, required_argument, HN_OPT_ONLY, "IDS",
      "run only these case ids (comma-separated)"},
     HN_RERUN_DROP},
    {{"skip", 0, required_argument, HN_OPT_SKIP, "IDS", "skip these case ids (comma-separated)"},
     HN_RERUN_DROP},
    {{"tags", 0, required_argument, HN_OPT_TAGS, "TAGS",
      "run only cases with one of these tags (comma-separated)"},
     HN_RERUN_DROP},
    {{"ignored-topics", 0, required_argument, HN_OPT_IGNORED_TOPICS, "TOPICS",
      "topics the receiver deliberately ignores (comma-separated, repeatable): DLV-007 does not "
      "expect them processed"},
     HN_RERUN_KEEP},
    {{"probe-url", 0, required_argument, HN_OPT_PROBE_URL, "TEMPLATE",
      "side-effect probe: a URL with {event_id} answering {\"count\": N}; 404 means 0"},
     HN_RERUN_URL},
    {{"probe-cmd", 0, required_argument, HN_OPT_PROBE_CMD, "CMD",
      "side-effect probe: shell command given $VAMBE_EVENT_ID, printing N"},
     HN_RERUN_KEEP},
    {{"state-probe-url", 0, required_argument, HN_OPT_STATE_PROBE_URL, "TEMPLATE",
      "state probe (ORD-002): a URL with {entity_id} answering {\"updated_at\": \"<RFC 3339>\"} "
      "for a contact or ticket; 404 while unknown"},
     HN_RERUN_URL},
    {{"restart-cmd", 0, required_argument, HN_OPT_RESTART_CMD, "CMD",
      "shell command that restarts the receiver (DLV-010); the harness then waits up to 30 s for "
      "it to accept connections"},
     HN_RERUN_KEEP},
    {{"ca-file", 0, required_argument, HN_OPT_CA_FILE, "FILE",
      "PEM CA certificates to verify an https target with, instead of the system's (SEC-004)"},
     HN_RERUN_KEEP},
    {{"resolve", 0, required_argument, HN_OPT_RESOLVE, "HOST:PORT:ADDR",
      "connect to ADDR for HOST:PORT, as curl --resolve (repeatable): test a receiver under its "
      "real name, e.g. its certificate (SEC-004), before DNS points at it"},
     HN_RERUN_KEEP},
    {{"probe-wait", 0, required_argument, HN_OPT_PROBE_WAIT, "DUR",
      "how long a probe waits for the expected count (default 5s)"},
     HN_RERUN_KEEP},
    {{"settle", 0, required_argument, HN_OPT_SETTLE, "DUR",
      "after the expected count appears, wait this long and check it again (default 300ms)"},
     HN_RERUN_KEEP},
    {{"timeout", 0, required_argument, HN_OPT_TIMEOUT, "DUR",
      "per-exchange timeout (default 6s: above Vambe's 5 s, so a slow answer is measured)"},
     HN_RERUN_KEEP},
    {{"scheme", 0, required_argument, HN_OPT_SCHEME, "NAME|FILE",
      "how deliveries are signed: a built-in scheme (vambe-harness schemes lists them) or a "
      "scheme file (default vambe)"},
     HN_RERUN_KEEP},
    {{"profile", 0, required_argument, HN_OPT_PROFILE, "P",
      "payload profile: documented, legacy or a provider's (default: the scheme's)"},
     HN_RERUN_KEEP},
    {{"timestamp-unit", 0, required_argument, HN_OPT_TS_UNIT, "U",
      "the timestamp in ms or s (default: the scheme's; ms for vambe)"},
     HN_RERUN_KEEP},
    {{"strict", 0, no_argument, HN_OPT_STRICT, NULL, "a failed SHOULD case fails the run"},
     HN_RERUN_KEEP},
    {{"long", 0, no_argument, HN_OPT_LONG, NULL,
      "also run the cases tagged long, which wait minutes (about 12 min in all)"},
     HN_RERUN_KEEP},
    {{"seed", 0, required_argument, HN_OPT_SEED, "N",
      "seed for generated events (default: random, printed in the summary)"},
     HN_RERUN_SEED},
    {{"report", 0, required_argument, HN_OPT_REPORT, "FORMAT:PATH",
      "write a report: junit, json, md or html (repeatable); PATH - is stdout"},
     HN_RERUN_DROP},
    {{"report-dir", 0, required_argument, HN_OPT_REPORT_DIR, "DIR",
      "write every report format into DIR (report.xml, .json, .md, .html)"},
     HN_RERUN_DROP},
    {{"no-color", 0, no_argument, HN_OPT_NO_COLOR, NULL, "no colour, even on a terminal"},
     HN_RERUN_KEEP},
    {{"verbose", 'v', no_argument, HN_OPT_VERBOSE, NULL, "log every exchange on stderr"},
     HN_RERUN_KEEP},
    {{"help", 'h', no_argument, HN_OPT_HELP, NULL, "show this help"}, HN_RERUN_DROP},
    {{"version", 'V', no_argument, HN_OPT_VERSION, NULL, "show the version"}, HN_RERUN_DROP},
};
#define CLI_N_OPTIONS (sizeof(cli_rows) / sizeof(cli_rows[0]))
_Static_assert(CLI_N_OPTIONS <= CLI_MAX_OPTIONS, "raise CLI_MAX_OPTIONS");

/* The option list: the text wrapped to 99 columns. */
static const struct cli_help_layout cli_layout = {28, 99};

void hn_cli_help(FILE *f)
{
    fputs("usage: vambe-harness run --target URL --secret S [options]\n"
          "       vambe-harness load --target URL --secret S (--rate N --duration D | --ramp)\n"
          "                          [options]\n"
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
          "  load       measure capacity: deliveries at a fixed rate or a ramp, to the knee\n"
          "  list       list the cases: id, level, tags, title\n"
          "  validate   check scenario files and folders (default: the built-in suite)\n"
          "  sign       print the headers a sender would send for a body (debug a verifier)\n"
          "  schemes    list the built-in signing schemes\n"
          "  list-topics  list the event types of a scheme's payload profile\n"
          "\n"
          "options:\n",
          f);
    struct cli_option options[CLI_MAX_OPTIONS];
    size_t n = hn_cli_options(options);

    cli_help_options(f, options, n, &cli_layout);
    fputs("\n"
          "exit status: 0 conformant, 1 not conformant, 2 usage, configuration or scenario\n"
          "error (also: no case selected), 3 target unreachable.\n",
          f);
}

const struct cli_option *hn_cli_option_by_id(int id)
{
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        if (cli_rows[i].opt.id == id) {
            return &cli_rows[i].opt;
        }
    }
    return NULL;
}

const struct hn_cli_row *hn_cli_rows(size_t *n)
{
    *n = CLI_N_OPTIONS;
    return cli_rows;
}

size_t hn_cli_options(struct cli_option *out)
{
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        out[i] = cli_rows[i].opt;
    }
    return CLI_N_OPTIONS;
}
