/* examples/receiver/run: the port file is written whole through a rename,
 * and a failure names the path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "examples/receiver/run.h"

static void port_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/vambe-rcv-run-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/port", dir);
    struct err e = {{0}};

    assert_int_equal(rcv_run_write_port_file(path, 54321, &e), 0);
    /* overwriting an old file is the normal case on a restart */
    assert_int_equal(rcv_run_write_port_file(path, 8080, &e), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[32] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    assert_int_equal(n, 5);
    assert_string_equal(buf, "8080\n");

    /* no temporary file is left beside it */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        entries += de->d_name[0] != '.';
    }
    closedir(d);
    assert_int_equal(entries, 1);
    unlink(path);
    rmdir(dir);
}

static void port_file_error(void **state)
{
    (void)state;
    struct err e = {{0}};
    assert_int_equal(rcv_run_write_port_file("/nonexistent-dir/port", 1, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent-dir/port"));
    assert_non_null(strstr(e.msg, "No such file or directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(port_file),
        cmocka_unit_test(port_file_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
