/* Stop signals, the port file and the program shell around them
 * (lifecycle.h). */
#include "core/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/xalloc.h"

static const struct {
    int sig;
    const char *name;
} lifecycle_signals[] = {{SIGINT, "SIGINT"},   {SIGTERM, "SIGTERM"}, {SIGHUP, "SIGHUP"},
                         {SIGQUIT, "SIGQUIT"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}};

#define LIFECYCLE_N_SIGNALS (sizeof(lifecycle_signals) / sizeof(lifecycle_signals[0]))

void lifecycle_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < LIFECYCLE_N_SIGNALS; i++) {
        sigaddset(set, lifecycle_signals[i].sig);
    }
}

const char *lifecycle_signal_name(int sig)
{
    for (size_t i = 0; i < LIFECYCLE_N_SIGNALS; i++) {
        if (lifecycle_signals[i].sig == sig) {
            return lifecycle_signals[i].name;
        }
    }
    return "signal";
}

int lifecycle_port_file_check(const char *path, struct err *e)
{
    struct stat st;

    if (path[0] == '\0') {
        return err_set(e, "the port file path is empty");
    }
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return err_set(e,
                       "port file %s is a %s: give the path of a regular file (it is replaced "
                       "as a whole)",
                       path, file_kind(st.st_mode));
    }
    return 0;
}

int lifecycle_port_file_write(const char *path, unsigned port, struct err *e)
{
    char *tmp = NULL;
    char text[16];
    int len = snprintf(text, sizeof(text), "%u\n", port);
    int fd = -1;
    int ret = -1;

    if (lifecycle_port_file_check(path, e) != 0) {
        goto out;
    }
    tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    /* O_EXCL: never write through whatever already sits at the temporary
     * name (a symbolic link planted there). */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_set(e, "cannot write the port file %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write(fd, text, (size_t)len) != (ssize_t)len) {
        err_set(e, "cannot write the port file %s: %s", tmp, strerror(errno ? errno : EIO));
        goto out;
    }
    int closed = close(fd);
    fd = -1;
    if (closed != 0) {
        err_set(e, "cannot write the port file %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        err_set(e, "cannot write the port file %s: %s", path, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    if (ret != 0 && tmp != NULL) {
        unlink(tmp);
    }
    free(tmp);
    return ret;
}

void lifecycle_port_file_remove(const char *path, unsigned port)
{
    char text[32];
    char want[16];
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        return;
    }
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, text, sizeof(text) - 1) : -1;
    close(fd);
    snprintf(want, sizeof(want), "%u\n", port);
    if (n > 0) {
        text[n] = '\0';
        if (strcmp(text, want) == 0) {
            unlink(path);
        }
    }
}

void lifecycle_begin(struct lifecycle *lc, const char *port_file)
{
    lc->port_file = port_file;
    lc->port = 0;
    lc->written = false;
    lifecycle_stop_signals(&lc->stop);
    pthread_sigmask(SIG_BLOCK, &lc->stop, &lc->old);
    /* libmicrohttpd and libcurl suppress SIGPIPE themselves on Linux; a
     * write elsewhere (a log to a closed pipe) must not kill either. */
    signal(SIGPIPE, SIG_IGN);
}

int lifecycle_ready(struct lifecycle *lc, unsigned port, struct err *e)
{
    lc->port = port;
    if (lc->port_file == NULL) {
        return 0;
    }
    if (lifecycle_port_file_write(lc->port_file, port, e) != 0) {
        return -1;
    }
    lc->written = true;
    return 0;
}

int lifecycle_wait(struct lifecycle *lc, bool (*again)(int sig, void *arg), void *arg)
{
    int sig = 0;

    for (;;) {
        if (sigwait(&lc->stop, &sig) != 0) {
            continue; /* only EINVAL, for a set that cannot be: try again */
        }
        if (again == NULL || !again(sig, arg)) {
            return sig;
        }
    }
}

void lifecycle_end(struct lifecycle *lc)
{
    const struct timespec no_wait = {0, 0};

    if (lc->written) {
        lifecycle_port_file_remove(lc->port_file, lc->port);
        lc->written = false;
    }
    while (sigtimedwait(&lc->stop, NULL, &no_wait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &lc->old, NULL);
}
