/* Clocks. Monotonic time measures durations; wall time stamps records and
 * signatures. A time scale compresses delays (retry backoff) for tests: the
 * delay is multiplied by the scale, the wall clock is never altered. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

uint64_t clock_mono_us(void);
uint64_t clock_wall_ms(void);
/* delay_ms * scale, rounded, saturating; scale <= 0 is treated as 1. */
uint64_t clock_scale_ms(uint64_t delay_ms, double scale);
/* ISO-8601 UTC with milliseconds, "2024-09-30T10:00:00.000Z" (25 bytes). */
void clock_iso8601(uint64_t wall_ms, char *out, size_t out_size);
/* A duration for people: "0.4 ms", "12.3 ms", "1.52 s". */
void clock_duration_text(uint64_t us, char *out, size_t out_size);
/* Parses an RFC 3339 date-time, "2024-09-30T10:00:00Z" with an optional
 * fraction (milliseconds kept, further digits dropped) and "Z" or an
 * offset "+03:00" (a 't' or a space may stand for the 'T', a 'z' for the
 * 'Z'), into milliseconds since the epoch. 0, or -1 for anything else
 * (trailing bytes, a time before 1970, a field out of range). */
int clock_parse_iso8601(const char *s, uint64_t *wall_ms);
/* Sleeps for us microseconds (restarts on EINTR). */
void clock_sleep_us(uint64_t us);
/* The time ms milliseconds from now on clk (CLOCK_MONOTONIC or
 * CLOCK_REALTIME, the one the condition variable waits on), as
 * pthread_cond_timedwait takes it. */
struct timespec clock_deadline(clockid_t clk, uint64_t ms);

#endif
