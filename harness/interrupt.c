/* The run's stop flag (interrupt.h): the one global the house style
 * allows, set by a signal handler and read between cases. */
#include "harness/interrupt.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupt_sig;

static void interrupt_on_signal(int sig)
{
    static const char msg[] = "vambe-harness: stopping after the case in progress; the reports "
                              "are written (again to quit now)\n";

    interrupt_sig = sig;
    /* write(2) is async-signal-safe; nothing to do if it fails. */
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)n;
}

static void interrupt_set(void (*handler)(int), int flags)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void hn_interrupt_install(void)
{
    interrupt_sig = 0;
    /* SA_RESETHAND: the handler runs once per signal, the next one takes
     * the default action (the process ends). SA_RESTART: a case's
     * reads and waits go on. */
    interrupt_set(interrupt_on_signal, SA_RESETHAND | SA_RESTART);
}

void hn_interrupt_restore(void)
{
    interrupt_set(SIG_DFL, 0);
}

int hn_interrupt_signal(void)
{
    return (int)interrupt_sig;
}

const char *hn_interrupt_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : NULL;
}
