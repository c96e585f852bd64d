/* The programs' command lines, driven by option tables: one row per option
 * gives getopt_long its tables, --help its option list and the usage errors
 * their names, so vambe-mock, vambe-harness and vambe-receiver parse,
 * document and refuse options the same way. The programs keep their own
 * tables, commands, usage lines and the meaning of each option. */
#ifndef CORE_CLI_H
#define CORE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/* The most rows one parser holds (its tables together). */
#define CLI_MAX_OPTIONS 64

/* One option. Columns: the long name, the one-letter form, whether it
 * takes a value, the id the parser returns for it, the value's name in
 * --help and in errors, and the help text. A program that needs a column
 * more embeds this row in its own (vambe-harness's re-run rule). */
struct cli_option {
    const char *name; /* long name, without "--" */
    int short_name;   /* the letter of its one-letter form ('v' for -v), or 0 */
    int has_arg;      /* getopt_long's no_argument or required_argument */
    int id;           /* what cli_parser_next returns for either form; above 0 */
    const char *arg;  /* the value's name ("URL"); NULL for a switch */
    const char *help; /* one paragraph; NULL: not listed by cli_help_options */
};

/* getopt_long's tables, built from one or more option tables. Fill with
 * cli_parser_init and cli_parser_add; read with cli_parser_next. */
struct cli_parser {
    const struct cli_option *rows[CLI_MAX_OPTIONS]; /* borrowed */
    size_t n;
    struct option longopts[CLI_MAX_OPTIONS + 1]; /* the last zeroed */
    char shorts[2 * CLI_MAX_OPTIONS + 3];        /* "+:" or ":", then "v", "s:", ... */
};

/* Starts a parser without rows, and resets getopt's state (optind 0,
 * opterr 0), so the next scan starts at argv[1] and prints nothing itself.
 * in_order: options end at the first operand (getopt's '+', POSIX order: a
 * stray word is an operand, reported by the caller); else getopt_long
 * permutes argv, and options may follow operands ("run --target URL").
 * A missing value is always told apart from an unknown option (':'). */
void cli_parser_init(struct cli_parser *p, bool in_order);
/* Appends n rows (borrowed: they must outlive p), after those added
 * before: a command may take several tables. 0, or -1, with nothing added,
 * when p would hold more than CLI_MAX_OPTIONS rows, a row's id is not
 * above 0 or its letter is not an ASCII letter or digit, or the letter is
 * taken: the table is wrong, a programming error. */
int cli_parser_add(struct cli_parser *p, const struct cli_option *rows, size_t n);
/* The next option of argv (argc elements; argv[0] is the program or the
 * command). Returns its row's id, with *value the value given (NULL for a
 * switch); 0 when the options are over (optind then indexes the first
 * operand); or -1 with e set on a usage error. The message names the
 * option and never its value ("--secrt=TOPSECRET" is a mistyped secret):
 *   unknown option '--secrt'            (also an ambiguous abbreviation)
 *   unknown option '-Z'                 ("-ZTOPSECRET" too)
 *   option '--help' takes no value      ("--help=x", "--he=x")
 *   option '--port' needs a value (N)   (the table's name, however abbreviated)
 *   option '-s' needs a value (S)
 * Uses getopt_long, so one parser at a time per process. */
int cli_parser_next(struct cli_parser *p, int argc, char *const argv[], const char **value,
                    struct err *e);

/* How an option list is laid out: after a two-space indent, the option
 * ("-v, --verbose", "    --port N") padded to column characters, a space,
 * then the help text. A longer option has its line to itself, and the text
 * starts on the next one, at the same place. */
struct cli_help_layout {
    int column; /* the option column's width */
    /* Lines are at most width characters: the text is wrapped at spaces
     * (a word longer than a line is cut). 0: never wrapped. */
    int width;
};

/* Prints rows that have a help text, one after the other, as --help lists
 * them. */
void cli_help_options(FILE *f, const struct cli_option *rows, size_t n,
                      const struct cli_help_layout *layout);

#endif
