/* The kit's exit statuses (DESIGN §7), one set for vambe-mock,
 * vambe-harness and vambe-receiver: scripts and CI read them the same way
 * whichever program they run. Named KIT_ rather than EXIT_, which the C
 * library's EXIT_SUCCESS and EXIT_FAILURE own. */
#ifndef CORE_EXIT_H
#define CORE_EXIT_H

enum kit_exit {
    KIT_EXIT_OK = 0,    /* success; vambe-harness: the receiver is conformant */
    KIT_EXIT_FAIL = 1,  /* vambe-harness only: the receiver is not conformant */
    KIT_EXIT_USAGE = 2, /* usage, configuration or scenario error */
    /* The environment: cannot bind, open the database or the --state file,
     * write the port file; the target or the mock is unreachable. */
    KIT_EXIT_ENV = 3,
};

#endif
