/* Test support: the real vambe-mock program in the tests that run it: its
 * path, the instance a test is running (killed by the teardown after a
 * failed assertion: its output would keep CTest waiting), and a receiver
 * in this process for it to deliver to. */
#ifndef TESTS_SUPPORT_MOCK_PROG_H
#define TESTS_SUPPORT_MOCK_PROG_H

#include "core/http_server.h"
#include "support/proc.h"

/* The vambe-mock program (VAMBE_MOCK_BIN); fails the test when unset. */
const char *mock_prog_bin(void);

/* Starts `vambe-mock serve <extra>` (extra NULL-terminated, or NULL) on
 * port 0; fails the test with the program's log when it does not start. */
void mock_prog_start(struct proc *p, const char *const *extra);
/* One request to 127.0.0.1:port with x-api-key key (NULL: none) and a
 * JSON body (NULL: none); returns the status, the body in *body (caller
 * frees; may be NULL). */
long mock_prog_http(unsigned port, const char *method, const char *path, const char *key,
                    const char *json_body, char **body);

/* The mock of the test running, or NULL. */
extern struct proc *mock_prog_running;

/* A test's teardown: kills mock_prog_running, if any. */
int mock_prog_kill_running(void **state);

/* A receiver on 127.0.0.1 port 0 with one route and two threads; fails
 * the test when it cannot start. */
struct http_server *mock_prog_rx_start(const struct http_route *routes);

#endif
