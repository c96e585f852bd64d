/* A seeded pseudo-random generator (xoshiro256**): reproducible sequences
 * for generated payloads, jitter and fault injection. Not for secrets. */
#ifndef CORE_RNG_H
#define CORE_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* Seeds from the operating system's entropy (getrandom). */
void rng_seed_random(struct rng *r);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n == 0 returns 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform in [0, 1). */
double rng_double(struct rng *r);

#endif
