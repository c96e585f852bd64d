/* core/file: only regular files are opened as input; a FIFO is refused at
 * once instead of blocking until a writer comes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"

struct dir {
    char path[64];
    char file[128];
    char fifo[128];
};

static int setup(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return -1;
    }
    snprintf(d->path, sizeof(d->path), "/tmp/vambe-file-XXXXXX");
    if (mkdtemp(d->path) == NULL) {
        return -1;
    }
    snprintf(d->file, sizeof(d->file), "%s/a.json", d->path);
    snprintf(d->fifo, sizeof(d->fifo), "%s/fifo.json", d->path);
    FILE *f = fopen(d->file, "w");
    if (f == NULL || fputs("{}", f) < 0 || fclose(f) != 0 || mkfifo(d->fifo, 0600) != 0) {
        return -1;
    }
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dir *d = *state;
    unlink(d->file);
    unlink(d->fifo);
    rmdir(d->path);
    free(d);
    return 0;
}

static void regular_file_opens(void **state)
{
    struct dir *d = *state;
    struct err e = {{0}};
    char buf[8] = "";
    FILE *f = file_open_regular(d->file, &e);

    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    assert_string_equal(buf, "{}");
    fclose(f);
}

/* Returns at once (the test would hang otherwise) with what the path is. */
static void other_kinds_refused(void **state)
{
    struct dir *d = *state;
    struct err e = {{0}};
    char missing[160];

    assert_null(file_open_regular(d->fifo, &e));
    assert_string_equal(e.msg, "is a FIFO, not a regular file");
    assert_null(file_open_regular(d->path, &e));
    assert_string_equal(e.msg, "is a folder, not a regular file");
    assert_null(file_open_regular("/dev/null", &e));
    assert_string_equal(e.msg, "is a character device, not a regular file");
    snprintf(missing, sizeof(missing), "%s/none.json", d->path);
    assert_null(file_open_regular(missing, &e));
    assert_string_equal(e.msg, "No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regular_file_opens),
        cmocka_unit_test(other_kinds_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
