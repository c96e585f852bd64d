/* Report formats, --report arguments, and atomic report files. A run's
 * report in a format (rp_write_file) is in write_run.c, which picks the
 * writer; the writers call nothing here. */
#include "reports/write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/xalloc.h"

static const char *const format_names[RP_FORMAT_COUNT] = {"junit", "json", "md", "html"};
static const char *const default_names[RP_FORMAT_COUNT] = {"report.xml", "report.json", "report.md",
                                                           "report.html"};

int rp_format_parse(const char *s, enum rp_format *out, struct err *e)
{
    for (int i = 0; i < RP_FORMAT_COUNT; i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum rp_format)i;
            return 0;
        }
    }
    if (strcmp(s, "markdown") == 0) {
        *out = RP_FORMAT_MD;
        return 0;
    }
    return err_set(e, "unknown report format '%s' (use junit, json, md or html)", s);
}

const char *rp_format_name(enum rp_format f)
{
    return (unsigned)f < RP_FORMAT_COUNT ? format_names[f] : "?";
}

const char *rp_format_default_name(enum rp_format f)
{
    return (unsigned)f < RP_FORMAT_COUNT ? default_names[f] : "report";
}

int rp_report_spec_parse(const char *spec, enum rp_format *format, const char **path, struct err *e)
{
    const char *colon = strchr(spec, ':');
    if (colon == NULL) {
        return err_set(e, "--report '%s': expected FORMAT:PATH, e.g. junit:report.xml", spec);
    }
    char name[16];
    size_t n = (size_t)(colon - spec);
    if (n >= sizeof(name)) {
        return err_set(e, "--report '%s': unknown report format (use junit, json, md or html)",
                       spec);
    }
    memcpy(name, spec, n);
    name[n] = '\0';
    if (rp_format_parse(name, format, e) != 0) {
        err_prefix(e, "--report '%s'", spec);
        return -1;
    }
    if (colon[1] == '\0') {
        return err_set(e, "--report '%s': missing the file path after ':'", spec);
    }
    *path = colon + 1;
    return 0;
}

/* Splits path into its folder (a new string the caller frees; "." when
 * path has no slash) and its last component (pointing into path). */
static char *split_path(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        return xstrndup(".", 1);
    }
    *base = slash + 1;
    return xstrndup(slash == path ? "/" : path, slash == path ? 1 : (size_t)(slash - path));
}

/* Creates an empty temporary file next to base in dir; fills tmp (its
 * path, the caller frees it) and returns its descriptor, or -1 with errno. */
static int make_temp(const char *dir, const char *base, char **tmp)
{
    /* The base is cut so the name stays under NAME_MAX. */
    *tmp = xasprintf("%s/.%.200s.XXXXXX", dir, base);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        int saved = errno;
        free(*tmp);
        *tmp = NULL;
        errno = saved;
    }
    return fd;
}

/* The checks both entry points share: path is not empty, not a folder,
 * and its folder exists. Fills *dir (caller frees) and *base. */
static int check_target(const char *path, char **dir, const char **base, struct err *e)
{
    struct stat st;
    *dir = NULL;
    if (path[0] == '\0') {
        return err_set(e, "report path is empty");
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        return err_set(e, "report '%s': is a folder, not a file", path);
    }
    /* rename(2) replaces whatever node is at the path: as root, a report
     * to /dev/stdout would remove the device. Only a regular file is
     * replaced; "-" is the way to standard output. */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return err_set(e,
                       "report '%s': is a %s, not a regular file (give a file path, or - for "
                       "standard output)",
                       path, file_kind(st.st_mode));
    }
    *dir = split_path(path, base);
    if ((*base)[0] == '\0') {
        return err_set(e, "report '%s': names a folder, not a file", path);
    }
    if (stat(*dir, &st) != 0) {
        return err_set(e, "report '%s': folder '%s': %s", path, *dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return err_set(e, "report '%s': '%s' is not a folder", path, *dir);
    }
    return 0;
}

int rp_check_writable(const char *path, struct err *e)
{
    int rc = -1;
    char *dir = NULL, *tmp = NULL;
    const char *base = NULL;
    if (strcmp(path, "-") == 0) {
        return 0;
    }
    if (check_target(path, &dir, &base, e) != 0) {
        goto out;
    }
    /* access(2) says yes to root on a read-only mount or in /proc; creating
     * the file the writer will create is the test that cannot lie. */
    int fd = make_temp(dir, base, &tmp);
    if (fd < 0) {
        err_set(e, "report '%s': cannot write in folder '%s': %s", path, dir, strerror(errno));
        goto out;
    }
    close(fd);
    unlink(tmp);
    rc = 0;
out:
    free(tmp);
    free(dir);
    return rc;
}

/* Flushes f's data to the disk and closes it. 0 or -1 with errno. */
static int sync_close(FILE *f)
{
    int rc = 0;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = -1;
    }
    int saved = errno;
    if (fclose(f) != 0 && rc == 0) {
        return -1;
    }
    errno = saved;
    return rc;
}

/* Makes the rename durable: fsync the folder. Best effort: some file
 * systems refuse fsync on a folder, and the file itself is already safe. */
static void sync_dir(const char *dir)
{
    /* dir comes from check_target, which fails (-1) on every path that
     * leaves it NULL; the analyzer cannot see err_set's -1. */
    int fd = open(dir, O_RDONLY | O_DIRECTORY); // NOLINT(*NonNullParamChecker)
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int rp_write_atomic(rp_writer_fn write, const void *obj, const char *path, struct err *e)
{
    int rc = -1;
    char *dir = NULL, *tmp = NULL;
    const char *base = NULL;
    FILE *f = NULL;
    struct stat st;
    if (strcmp(path, "-") == 0) {
        errno = 0;
        if (write(obj, stdout) != 0 || fflush(stdout) != 0) {
            err_set(e, "report to standard output: write failed: %s",
                    strerror(errno ? errno : EIO));
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (check_target(path, &dir, &base, e) != 0) {
        goto out;
    }
    /* A replaced file keeps its permissions; a new one gets 0644 (mkstemp
     * makes 0600, too strict for a report a CI job uploads). */
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
    int fd = make_temp(dir, base, &tmp);
    if (fd < 0) {
        err_set(e, "report '%s': cannot create a file in '%s': %s", path, dir, strerror(errno));
        goto out;
    }
    if (fchmod(fd, mode) != 0 || (f = fdopen(fd, "w")) == NULL) {
        err_set(e, "report '%s': %s", path, strerror(errno));
        close(fd);
        goto out;
    }
    /* errno after a failed write says why (ENOSPC, EFBIG, EIO, ...). */
    errno = 0;
    int wrc = write(obj, f);
    int why = errno;
    int crc = sync_close(f);
    if (wrc == 0 || why == 0) {
        why = errno; /* the writer was fine: the flush or fsync failed */
    }
    if (why == 0) {
        why = EIO;
    }
    if (wrc != 0 || crc != 0) {
        err_set(e, "report '%s': write failed: %s", path, strerror(why));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        err_set(e, "report '%s': cannot replace it: %s", path, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    sync_dir(dir);
    rc = 0;
out:
    if (tmp != NULL) {
        unlink(tmp);
    }
    free(tmp);
    free(dir);
    return rc;
}
