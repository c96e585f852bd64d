/* Internal to harness/delivery*.c. */
#ifndef HARNESS_DELIVERY_PRIV_H
#define HARNESS_DELIVERY_PRIV_H

#include <stddef.h>

#include "harness/scenario.h"

/* "signed with another secret, timestamp 600 s in the past, ..." for the
 * mutations of m ("" when none); body_len for a raw body's size. The
 * caller frees the result. */
char *hn_delivery_summary(const struct hn_mutation *m, size_t body_len);

#endif
