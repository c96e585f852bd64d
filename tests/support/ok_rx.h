/* Test support: a receiver on 127.0.0.1 port 0 that answers every
 * delivery to POST /hook 200 "ok", for the tests of the mock's client
 * commands. */
#ifndef TESTS_SUPPORT_OK_RX_H
#define TESTS_SUPPORT_OK_RX_H

#include "core/http_server.h"

/* Starts one; fails the test when it cannot (stop it with
 * http_server_stop). */
struct http_server *ok_rx_start(void);

#endif
