/* The command that re-runs one failed case (see hn_cli_rerun in cli.h):
 * the original command line, option by option through the option table,
 * with secrets replaced and the selection narrowed to the case. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "harness/cli.h"
#include "harness/cli_priv.h"
#include "harness/url.h"

/* A growing string. */
struct cli_buf {
    char *s;
    size_t len;
    size_t cap;
};

static void cli_put(struct cli_buf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* Appends " " and s, single-quoted for the shell when it needs to be. */
static void cli_put_arg(struct cli_buf *b, const char *s)
{
    bool plain = s[0] != '\0';

    for (const char *c = s; *c != '\0' && plain; c++) {
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-",
                       *c) != NULL;
    }
    if (b->len > 0) {
        cli_put(b, " ");
    }
    if (plain) {
        cli_put(b, s);
        return;
    }
    cli_put(b, "'");
    for (const char *c = s; *c != '\0'; c++) {
        char one[2] = {*c, '\0'};
        cli_put(b, *c == '\'' ? "'\\''" : one);
    }
    cli_put(b, "'");
}

/* Writes one option of the original command line into a re-run command. */
static void cli_rerun_option(struct cli_buf *b, const struct hn_cli_row *r, const char *value,
                             bool *had_seed)
{
    char flag[64];

    snprintf(flag, sizeof(flag), "--%s", r->opt.name);
    switch (r->rerun) {
    case HN_RERUN_DROP:
        return;
    case HN_RERUN_SECRET:
        cli_put(b, " --secret \"$VAMBE_SECRET\"");
        return;
    case HN_RERUN_HEADER: {
        /* Header options take a value (required_argument): never NULL. */
        size_t n = strcspn(value, ":"); // NOLINT(clang-analyzer-core.NonNullParamChecker)
        char *shown = xasprintf("%.*s: ***", (int)n, value);
        cli_put_arg(b, flag);
        cli_put_arg(b, shown);
        free(shown);
        return;
    }
    case HN_RERUN_URL: {
        char *shown = hn_url_redact(value);
        cli_put_arg(b, flag);
        cli_put_arg(b, shown);
        free(shown);
        return;
    }
    case HN_RERUN_SEED:
        *had_seed = true;
        break;
    case HN_RERUN_KEEP:
        break;
    }
    cli_put_arg(b, flag);
    if (value != NULL) {
        cli_put_arg(b, value);
    }
}

/* The option whose one-letter form is c; NULL when none. */
static const struct hn_cli_row *cli_find_short(int c)
{
    size_t n = 0;
    const struct hn_cli_row *all = hn_cli_rows(&n);

    for (size_t i = 0; i < n; i++) {
        if (all[i].opt.short_name == c) {
            return &all[i];
        }
    }
    return NULL;
}

/* Finds a long option by its exact name or a unique prefix, as getopt_long
 * does. */
static const struct hn_cli_row *cli_find_long(const char *name, size_t len)
{
    const struct hn_cli_row *hit = NULL;

    size_t n = 0;
    const struct hn_cli_row *all = hn_cli_rows(&n);

    for (size_t i = 0; i < n; i++) {
        if (strncmp(all[i].opt.name, name, len) == 0) {
            if (strlen(all[i].opt.name) == len) {
                return &all[i];
            }
            if (hit != NULL) {
                return NULL;
            }
            hit = &all[i];
        }
    }
    return hit;
}

char *hn_cli_rerun(const struct hn_config *cfg, const char *id, uint64_t seed)
{
    struct cli_buf b = {NULL, 0, 0};
    bool had_seed = false;
    char num[32];

    cli_put_arg(&b, cfg->argc > 0 ? cfg->argv[0] : "vambe-harness");
    for (int i = 1; i < cfg->argc; i++) {
        const char *a = cfg->argv[i];
        if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            size_t len = strcspn(a + 2, "=");
            const struct hn_cli_row *o = cli_find_long(a + 2, len);
            const char *value = NULL;
            if (o == NULL) {
                cli_put_arg(&b, a);
                continue;
            }
            if (o->opt.has_arg == required_argument) {
                value = a[2 + len] == '=' ? a + 3 + len : (i + 1 < cfg->argc ? cfg->argv[++i] : "");
            }
            cli_rerun_option(&b, o, value, &had_seed);
        } else if (a[0] == '-' && a[1] != '\0' && a[1] != '-') {
            for (size_t j = 1; a[j] != '\0'; j++) {
                const struct hn_cli_row *o = cli_find_short((unsigned char)a[j]);
                if (o == NULL) {
                    break;
                }
                if (o->opt.has_arg == required_argument) {
                    const char *value =
                        a[j + 1] != '\0' ? a + j + 1 : (i + 1 < cfg->argc ? cfg->argv[++i] : "");
                    cli_rerun_option(&b, o, value, &had_seed);
                    break;
                }
                cli_rerun_option(&b, o, NULL, &had_seed);
            }
        } else {
            cli_put_arg(&b, a);
        }
    }
    if (!had_seed) {
        snprintf(num, sizeof(num), "%llu", (unsigned long long)seed);
        cli_put(&b, " --seed ");
        cli_put(&b, num);
    }
    if (id != NULL) {
        cli_put(&b, " --only ");
        cli_put(&b, id);
    }
    return b.s;
}
