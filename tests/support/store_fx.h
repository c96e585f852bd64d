/* Test support: mock_server/store in the tests of it: opening a store
 * that must open, and webhooks and call records made from a number. */
#ifndef TESTS_SUPPORT_STORE_FX_H
#define TESTS_SUPPORT_STORE_FX_H

#include <stdint.h>

#include "mock_server/store.h"

/* Opens path (NULL or ":memory:": in memory); fails the test when it
 * cannot. */
struct ms_store *store_fx_open(const char *path);
/* Webhook n: its id, URL and secret ("secret-<n>") from n, created and
 * updated at t, active. */
void store_fx_hook(struct ms_webhook *w, int n, uint64_t t);
/* Call record n of webhook hook with that outcome: event evt_<n/2>,
 * attempt 1, created at 1000 + n. */
void store_fx_call(struct ms_call *c, int n, const char *hook, const char *outcome);

#endif
