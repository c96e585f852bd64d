/* Test support: a vambe-mock server inside the test process (the mock's
 * library, not its program), on 127.0.0.1 and a port the kernel picks. */
#ifndef TESTS_SUPPORT_MOCK_H
#define TESTS_SUPPORT_MOCK_H

#include "mock_server/server.h"

/* The defaults of an in-process test mock: port 0, API key key, two HTTP
 * threads, no access log; the caller may change more before starting. */
void test_mock_options(struct ms_options *o, const char *key);
/* Starts o and sets *port; a failure fails the test with the reason. */
struct ms_server *test_mock_start(const struct ms_options *o, unsigned *port);

#endif
