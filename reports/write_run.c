/* A run's report file (write.h): the writer of the format asked for,
 * rendered to a file replaced atomically by rp_write_atomic (write.c). Not
 * in write.c: the writers (junit.c, json.c, markdown.c, html.c) include
 * write.h for their declarations, so write.c calling them would make each
 * depend on the other. */
#include <stdio.h>

#include "reports/write.h"

/* In enum rp_format's order. */
static int (*const writers[RP_FORMAT_COUNT])(const struct rp_run *, FILE *) = {
    rp_junit_write, rp_json_write, rp_markdown_write, rp_html_write};

/* A run and the format to render it in, for rp_write_atomic. */
struct write_run {
    const struct rp_run *run;
    enum rp_format format;
};

static int write_run(const void *obj, FILE *f)
{
    const struct write_run *w = obj;
    return writers[w->format](w->run, f);
}

int rp_write_file(const struct rp_run *run, enum rp_format format, const char *path, struct err *e)
{
    struct write_run w = {run, format};
    if ((unsigned)format >= RP_FORMAT_COUNT) {
        return err_set(e, "report '%s': unknown format", path);
    }
    return rp_write_atomic(write_run, &w, path, e);
}
