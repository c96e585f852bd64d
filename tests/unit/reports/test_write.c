/* reports/write: format names, --report FORMAT:PATH, the writability check
 * made before any case runs, and atomic replacement of report files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above, in this order. */
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/write.h"
#include "unit/reports/fixture.h"

/* A fresh empty folder under /tmp; the caller removes it with wipe(). */
static char *fresh_dir(void)
{
    char *dir = strdup("/tmp/vambe-reports-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* Number of entries in dir, "." and ".." aside. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

/* Removes the files of a flat folder, then the folder. */
static void wipe(char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    char path[1024];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            chmod(path, 0700);
            if (unlink(path) != 0) {
                rmdir(path);
            }
        }
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

static void format_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum rp_format f;
        const char *file;
    } all[] = {{"junit", RP_FORMAT_JUNIT, "report.xml"},
               {"json", RP_FORMAT_JSON, "report.json"},
               {"md", RP_FORMAT_MD, "report.md"},
               {"html", RP_FORMAT_HTML, "report.html"}};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        enum rp_format f = RP_FORMAT_COUNT;
        struct err e = {{0}};
        assert_int_equal(rp_format_parse(all[i].name, &f, &e), 0);
        assert_int_equal(f, all[i].f);
        assert_string_equal(rp_format_name(f), all[i].name);
        assert_string_equal(rp_format_default_name(f), all[i].file);
    }
    enum rp_format f = RP_FORMAT_JUNIT;
    struct err e = {{0}};
    assert_int_equal(rp_format_parse("markdown", &f, &e), 0);
    assert_int_equal(f, RP_FORMAT_MD);
    assert_int_equal(rp_format_parse("pdf", &f, &e), -1);
    assert_string_equal(e.msg, "unknown report format 'pdf' (use junit, json, md or html)");
    assert_int_equal(rp_format_parse("JUNIT", &f, &e), -1);
}

static void report_specs(void **state)
{
    (void)state;
    enum rp_format f = RP_FORMAT_COUNT;
    const char *path = NULL;
    struct err e = {{0}};
    assert_int_equal(rp_report_spec_parse("junit:out/report.xml", &f, &path, &e), 0);
    assert_int_equal(f, RP_FORMAT_JUNIT);
    assert_string_equal(path, "out/report.xml");
    assert_int_equal(rp_report_spec_parse("html:/tmp/a:b.html", &f, &path, &e), 0);
    assert_int_equal(f, RP_FORMAT_HTML);
    assert_string_equal(path, "/tmp/a:b.html");
    static const struct {
        const char *spec;
        const char *msg;
    } bad[] = {
        {"report.xml", "--report 'report.xml': expected FORMAT:PATH, e.g. junit:report.xml"},
        {"json:", "--report 'json:': missing the file path after ':'"},
        {"pdf:x.pdf",
         "--report 'pdf:x.pdf': unknown report format 'pdf' (use junit, json, md or html)"},
        {"averyveryverylongformat:x",
         "--report 'averyveryverylongformat:x': unknown report format (use junit, json, md or "
         "html)"},
        {":x", "--report ':x': unknown report format '' (use junit, json, md or html)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rp_report_spec_parse(bad[i].spec, &f, &path, &e), -1);
        assert_string_equal(e.msg, bad[i].msg);
    }
}

static void writable_checks(void **state)
{
    (void)state;
    char *dir = fresh_dir();
    char path[1024];
    struct err e = {{0}};
    snprintf(path, sizeof(path), "%s/report.xml", dir);
    assert_int_equal(rp_check_writable(path, &e), 0);
    assert_int_equal(entries(dir), 0); /* the probe file is gone */
    /* a missing folder */
    snprintf(path, sizeof(path), "%s/no/such/report.xml", dir);
    assert_int_equal(rp_check_writable(path, &e), -1);
    assert_non_null(strstr(e.msg, "/no/such': No such file or directory"));
    /* the path is a folder */
    assert_int_equal(rp_check_writable(dir, &e), -1);
    assert_non_null(strstr(e.msg, "is a folder, not a file"));
    snprintf(path, sizeof(path), "%s/", dir);
    assert_int_equal(rp_check_writable(path, &e), -1);
    assert_non_null(strstr(e.msg, "is a folder"));
    /* the parent is a file */
    snprintf(path, sizeof(path), "%s/file", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/file/report.xml", dir);
    assert_int_equal(rp_check_writable(path, &e), -1);
    assert_non_null(strstr(e.msg, "/file' is not a folder"));
    /* a folder no one can create files in, not even root */
    assert_int_equal(rp_check_writable("/proc/vambe-report.xml", &e), -1);
    assert_string_equal(e.msg, "report '/proc/vambe-report.xml': cannot write in folder '/proc': "
                               "No such file or directory");
    /* permissions, when they apply (root ignores them) */
    if (geteuid() != 0) {
        snprintf(path, sizeof(path), "%s/ro", dir);
        assert_int_equal(mkdir(path, 0500), 0);
        snprintf(path, sizeof(path), "%s/ro/report.xml", dir);
        assert_int_equal(rp_check_writable(path, &e), -1);
        assert_non_null(strstr(e.msg, "Permission denied"));
    }
    assert_int_equal(rp_check_writable("", &e), -1);
    assert_string_equal(e.msg, "report path is empty");
    wipe(dir);
}

/* rename(2) would replace whatever node is at the path: a FIFO, a
 * symbolic link or a device is refused and left as it was; "-" is
 * standard output. */
static void only_regular_files(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    char *dir = fresh_dir();
    char path[1024], target[1024], msg[1200];
    struct err e = {{0}};
    struct stat st;

    snprintf(path, sizeof(path), "%s/fifo.json", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(rp_check_writable(path, &e), -1);
    snprintf(msg, sizeof(msg),
             "report '%s': is a FIFO, not a regular file (give a file path, or - for standard "
             "output)",
             path);
    assert_string_equal(e.msg, msg);
    assert_int_equal(rp_write_file(run, RP_FORMAT_JSON, path, &e), -1);
    assert_string_equal(e.msg, msg);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    unlink(path);

    snprintf(path, sizeof(path), "%s/link.json", dir);
    snprintf(target, sizeof(target), "%s/real.json", dir);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(rp_write_file(run, RP_FORMAT_JSON, path, &e), -1);
    assert_non_null(strstr(e.msg, "is a symbolic link, not a regular file"));
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    unlink(path);

    assert_int_equal(rp_check_writable("/dev/null", &e), -1);
    assert_string_equal(e.msg, "report '/dev/null': is a character device, not a regular file "
                               "(give a file path, or - for standard output)");

    /* "-": the report on standard output (redirected to a file here). */
    snprintf(path, sizeof(path), "%s/stdout.json", dir);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);
    assert_int_equal(rp_check_writable("-", &e), 0);
    int rc = rp_write_file(run, RP_FORMAT_JSON, "-", &e);
    fflush(stdout);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    assert_int_equal(rc, 0);
    size_t len = 0;
    char *text = fixture_slurp(path, &len);
    assert_non_null(text);
    assert_true(len > 10 && text[0] == '{');
    free(text);
    unlink(path);
    rp_run_free(run);
    wipe(dir);
}

static void replaces_atomically(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    char *dir = fresh_dir();
    char path[1024];
    struct err e = {{0}};
    snprintf(path, sizeof(path), "%s/report.json", dir);
    /* a new file: 0644, content in place, nothing else in the folder */
    assert_int_equal(rp_write_file(run, RP_FORMAT_JSON, path, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(entries(dir), 1);
    /* an existing file, held open by a reader: replaced by rename, so the
     * reader keeps the old content whole and the path shows the new one */
    FILE *old = fopen(path, "w");
    assert_non_null(old);
    fputs("old content", old);
    fclose(old);
    assert_int_equal(chmod(path, 0640), 0);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(rp_write_file(run, RP_FORMAT_MD, path, &e), 0);
    char buf[64] = {0};
    assert_int_equal(read(fd, buf, sizeof(buf) - 1), 11);
    assert_string_equal(buf, "old content");
    close(fd);
    size_t len = 0;
    char *now = fixture_slurp(path, &len);
    assert_non_null(now);
    assert_non_null(strstr(now, "# \xE2\x9D\x8C Vambe webhook conformance"));
    free(now);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640); /* permissions kept */
    assert_int_equal(entries(dir), 1);          /* no temporary file left */
    /* every format, same path */
    for (int f = 0; f < RP_FORMAT_COUNT; f++) {
        assert_int_equal(rp_write_file(run, (enum rp_format)f, path, &e), 0);
        assert_int_equal(entries(dir), 1);
    }
    wipe(dir);
    rp_run_free(run);
}

static void unwritable_is_a_clear_error(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    struct err e = {{0}};
    assert_int_equal(rp_write_file(run, RP_FORMAT_HTML, "/nonexistent-vambe/r.html", &e), -1);
    assert_string_equal(e.msg, "report '/nonexistent-vambe/r.html': folder '/nonexistent-vambe': "
                               "No such file or directory");
    assert_int_equal(rp_write_file(run, RP_FORMAT_JUNIT, "/proc/vambe-r.xml", &e), -1);
    assert_string_equal(e.msg, "report '/proc/vambe-r.xml': cannot create a file in '/proc': No "
                               "such file or directory");
    char *dir = fresh_dir();
    assert_int_equal(rp_write_file(run, RP_FORMAT_JSON, dir, &e), -1);
    assert_non_null(strstr(e.msg, "is a folder, not a file"));
    assert_int_equal(entries(dir), 0);
    assert_int_equal(rp_write_file(run, (enum rp_format)99, "x.json", &e), -1);
    assert_string_equal(e.msg, "report 'x.json': unknown format");
    wipe(dir);
    rp_run_free(run);
}

static void write_error_leaves_no_file(void **state)
{
    (void)state;
    struct rp_run *run = fixture_run(false);
    /* the writers report a failing stream */
    FILE *full = fopen("/dev/full", "w");
    assert_non_null(full);
    assert_int_equal(rp_markdown_write(run, full), -1);
    fclose(full);
    full = fopen("/dev/full", "w");
    assert_non_null(full);
    assert_int_equal(rp_html_write(run, full), -1);
    fclose(full);
    /* a disk that fills up mid-write: a 4 KiB file size limit, with
     * SIGXFSZ ignored so write(2) fails with EFBIG instead of killing us.
     * The old report stays, whole, and no temporary file is left. */
    char *dir = fresh_dir();
    char path[1024];
    struct err e = {{0}};
    snprintf(path, sizeof(path), "%s/report.json", dir);
    FILE *old = fopen(path, "w");
    assert_non_null(old);
    fputs("previous report", old);
    fclose(old);
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    struct rlimit small = {.rlim_cur = 4096, .rlim_max = saved.rlim_max};
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = rp_write_file(run, RP_FORMAT_JSON, path, &e);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(e.msg, "write failed: File too large"));
    assert_int_equal(entries(dir), 1);
    char *now = fixture_slurp(path, NULL);
    assert_non_null(now);
    assert_string_equal(now, "previous report");
    free(now);
    wipe(dir);
    rp_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_names),
        cmocka_unit_test(report_specs),
        cmocka_unit_test(writable_checks),
        cmocka_unit_test(replaces_atomically),
        cmocka_unit_test(only_regular_files),
        cmocka_unit_test(unwritable_is_a_clear_error),
        cmocka_unit_test(write_error_leaves_no_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
