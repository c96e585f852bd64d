/* The load result's report file (load.h): the writer (load_json.c,
 * load_junit.c, load_markdown.c, load_html.c) of the format asked for,
 * rendered to a file replaced atomically by rp_write_atomic (write.c), as
 * a run's report is. Kept out of load_model.c, whose helpers the writers
 * call. */
#include <stdio.h>

#include "core/err.h"
#include "reports/load.h"
#include "reports/write.h"

/* The four writers behind one signature, for rp_write_atomic. */
struct load_write {
    const struct rp_load *l;
    enum rp_format format;
};

static int load_write(const void *obj, FILE *f)
{
    static int (*const writers[RP_FORMAT_COUNT])(const struct rp_load *, FILE *) = {
        rp_load_junit_write, rp_load_json_write, rp_load_markdown_write, rp_load_html_write};
    const struct load_write *w = obj;
    return writers[w->format](w->l, f);
}

int rp_load_write_file(const struct rp_load *l, enum rp_format format, const char *path,
                       struct err *e)
{
    struct load_write w = {l, format};

    if ((unsigned)format >= RP_FORMAT_COUNT) {
        return err_set(e, "report '%s': unknown format", path);
    }
    return rp_write_atomic(load_write, &w, path, e);
}
