/* SIGINT and SIGTERM during `vambe-harness run`: the first asks the run to
 * stop after the case in progress, so that the reports of the cases that
 * finished are still written (marked interrupted) and the exit status is
 * 128 + the signal (130, 143); a second one ends the process at once. */
#ifndef HARNESS_INTERRUPT_H
#define HARNESS_INTERRUPT_H

/* Installs the handlers (SIGINT, SIGTERM). */
void hn_interrupt_install(void);
/* Puts the default actions back. */
void hn_interrupt_restore(void);
/* The signal received since hn_interrupt_install, or 0. */
int hn_interrupt_signal(void);
/* "SIGINT", "SIGTERM" (static text), or NULL for 0. */
const char *hn_interrupt_name(int sig);

#endif
