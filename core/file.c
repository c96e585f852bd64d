/* Regular input files (file.h). */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *file_kind(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "file";
    case S_IFDIR:
        return "folder";
    case S_IFIFO:
        return "FIFO";
    case S_IFCHR:
        return "character device";
    case S_IFBLK:
        return "block device";
    case S_IFSOCK:
        return "socket";
    case S_IFLNK:
        return "symbolic link";
    default:
        return "special file";
    }
}

FILE *file_open_regular(const char *path, struct err *e)
{
    struct stat st;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is
     * refused below, and a regular file ignores the flag. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    FILE *f = NULL;

    if (fd < 0) {
        err_set(e, "%s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        err_set(e, "%s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(e, "is a %s, not a regular file", file_kind(st.st_mode));
        close(fd);
        return NULL;
    }
    /* Back to blocking reads for the file itself. */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    f = fdopen(fd, "rb");
    if (f == NULL) {
        err_set(e, "%s", strerror(errno));
        close(fd);
    }
    return f;
}
