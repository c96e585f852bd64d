/* Small formatting helpers shared by the report writers: durations, UTC
 * timestamps and measured windows, into caller-supplied buffers (ISO 8601 with milliseconds
 * is core/clock.h's clock_iso8601). */
#ifndef REPORTS_FMT_H
#define REPORTS_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "reports/model.h"

/* Microseconds as seconds with 3 decimals, "0.012" (JUnit's time). */
void rp_fmt_seconds(uint64_t us, char *buf, size_t size);
/* Epoch milliseconds as "2024-09-30T10:00:00", UTC without a zone: the
 * form Apache Ant's JUnit schema requires for a testsuite's timestamp. */
void rp_fmt_utc_plain(uint64_t ms, char *buf, size_t size);
/* A measured timestamp window for people: "299 s (300 s refused)",
 * "604800 s (none refused)", "none (now refused)"; "" when not measured. */
void rp_fmt_window(const struct rp_window *w, char *buf, size_t size);

#endif
