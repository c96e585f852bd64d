/* What the baseline programs of bench/ share: argument parsing, reading a
 * body file, a loopback listening socket and the port-file contract. Kept
 * free of the kit's own libraries so the baselines stay bare. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A decimal number from min to max; -1 when s is not one. */
int bu_number(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* The whole file, NUL-terminated, in a malloc'd buffer the caller frees;
 * NULL when it cannot be read. */
char *bu_read_file(const char *path, size_t *len);
/* A listening TCP socket on 127.0.0.1:port (0 picks one, *bound receives
 * it); -1 on failure. */
int bu_listen_loopback(unsigned port, bool nonblocking, unsigned *bound);
/* Writes the port to path atomically (a temporary file, then rename). */
int bu_write_port(const char *path, unsigned port);

#endif
