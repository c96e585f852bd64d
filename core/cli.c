/* Option tables to getopt_long, --help and usage errors (see cli.h). */
#include "core/cli.h"

#include <getopt.h>
#include <stdint.h>
#include <string.h>

/* getopt_long returns CLI_ROW + i for the long form of row i: above any
 * letter, so the long and the one-letter form of an option, and the long
 * option an error is about (optopt), are told apart without guessing from
 * argv. cli_parser_next turns both forms into the row's id. */
#define CLI_ROW 0x10000

static bool cli_letter_ok(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void cli_parser_init(struct cli_parser *p, bool in_order)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->shorts, sizeof(p->shorts), "%s", in_order ? "+:" : ":");
    optind = 0; /* glibc: a full reset, so argv can be parsed again */
    opterr = 0; /* our messages, not getopt's */
}

/* The row whose one-letter form is c; NULL when none. */
static const struct cli_option *cli_by_letter(const struct cli_parser *p, int c)
{
    for (size_t i = 0; c != 0 && i < p->n; i++) {
        if (p->rows[i]->short_name == c) {
            return p->rows[i];
        }
    }
    return NULL;
}

int cli_parser_add(struct cli_parser *p, const struct cli_option *rows, size_t n)
{
    size_t ns = strlen(p->shorts);

    if (n > CLI_MAX_OPTIONS - p->n) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int c = rows[i].short_name;
        if (rows[i].id <= 0 || (c != 0 && (!cli_letter_ok(c) || cli_by_letter(p, c) != NULL))) {
            return -1;
        }
        for (size_t k = 0; c != 0 && k < i; k++) {
            if (rows[k].short_name == c) {
                return -1;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct cli_option *o = &rows[i];
        p->longopts[p->n] = (struct option){o->name, o->has_arg, NULL, CLI_ROW + (int)p->n};
        p->rows[p->n++] = o;
        if (o->short_name != 0) {
            p->shorts[ns++] = (char)o->short_name;
            if (o->has_arg == required_argument) {
                p->shorts[ns++] = ':';
            }
        }
    }
    p->shorts[ns] = '\0';
    p->longopts[p->n] = (struct option){NULL, 0, NULL, 0};
    return 0;
}

/* The one message of a usage error getopt_long reported with c ('?' or
 * ':'), from optopt: a row's CLI_ROW number for a long option, a letter
 * for a one-letter one, 0 for a long option it does not know (or cannot
 * tell from an abbreviation), whose name is then read from argv up to any
 * '=': the value of a mistyped option may be a secret. */
static int cli_error(const struct cli_parser *p, int c, char *const argv[], struct err *e)
{
    const struct cli_option *o = NULL;
    char name[80];

    if (optopt >= CLI_ROW && (size_t)(optopt - CLI_ROW) < p->n) {
        o = p->rows[optopt - CLI_ROW];
        snprintf(name, sizeof(name), "--%s", o->name);
    } else if (optopt != 0) {
        o = cli_by_letter(p, optopt);
        snprintf(name, sizeof(name), "-%c", optopt);
    } else {
        const char *given = argv[optind - 1];
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(given, "="), given);
    }
    if (c == ':') {
        if (o != NULL && o->arg != NULL) {
            return err_set(e, "option '%s' needs a value (%s)", name, o->arg);
        }
        return err_set(e, "option '%s' needs a value", name);
    }
    if (optopt >= CLI_ROW) {
        return err_set(e, "option '%s' takes no value", name);
    }
    return err_set(e, "unknown option '%s'", name);
}

int cli_parser_next(struct cli_parser *p, int argc, char *const argv[], const char **value,
                    struct err *e)
{
    const struct cli_option *o = NULL;
    int c = getopt_long(argc, argv, p->shorts, p->longopts, NULL);

    *value = NULL;
    if (c == -1) {
        return 0;
    }
    if (c == '?' || c == ':') {
        return cli_error(p, c, argv, e);
    }
    if (c >= CLI_ROW && (size_t)(c - CLI_ROW) < p->n) {
        o = p->rows[c - CLI_ROW];
    } else {
        o = cli_by_letter(p, c);
    }
    if (o == NULL) {
        return err_set(e, "option %d: not in the table", c);
    }
    *value = optarg;
    return o->id;
}

/* One entry of an option list (see struct cli_help_layout). */
static void cli_help_line(FILE *f, const char *left, const char *text,
                          const struct cli_help_layout *l)
{
    size_t room = SIZE_MAX;
    const char *p = text;

    if (l->width > 0 && l->width > l->column + 3) {
        room = (size_t)(l->width - l->column - 3);
    }
    if (strlen(left) > (size_t)l->column) {
        /* A wrapped list has always ended this line with the space that
         * separates the columns (vambe-harness --help): kept, so the help
         * texts stay byte for byte what they were. */
        fprintf(f, "  %s%s\n  %-*s ", left, l->width > 0 ? " " : "", l->column, "");
    } else {
        fprintf(f, "  %-*s ", l->column, left);
    }
    while (strlen(p) > room) {
        size_t cut = room;
        while (cut > 0 && p[cut] != ' ') {
            cut--;
        }
        if (cut == 0) {
            cut = room;
        }
        fprintf(f, "%.*s\n  %-*s ", (int)cut, p, l->column, "");
        p += cut;
        while (*p == ' ') {
            p++;
        }
    }
    fprintf(f, "%s\n", p);
}

void cli_help_options(FILE *f, const struct cli_option *rows, size_t n,
                      const struct cli_help_layout *layout)
{
    for (size_t i = 0; i < n; i++) {
        const struct cli_option *o = &rows[i];
        const char *arg = o->arg != NULL ? o->arg : "";
        const char *gap = o->arg != NULL ? " " : "";
        char left[96];

        if (o->help == NULL) {
            continue;
        }
        if (o->short_name != 0) {
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, gap, arg);
        } else {
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, gap, arg);
        }
        cli_help_line(f, left, o->help, layout);
    }
}
