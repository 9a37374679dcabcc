/* rng.h — a deterministic random number generator with explicit state.
 *
 * The course never calls rand(): every random choice (initial weights, shuffles, dropout masks,
 * synthetic data) draws from an rng_t that the caller owns and seeds, so a run is reproducible
 * from its --seed and two generators never interfere. The generator is xoshiro256** (Blackman &
 * Vigna), seeded through splitmix64 so that nearby seeds give unrelated streams.
 *
 * Threads: an rng_t belongs to one thread at a time: give each thread its own, seeded differently.
 * Prefixes: rng_
 */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t s[4];
} rng_t;

/* Seed the generator; any 64-bit seed (0 included) is fine. */
void rng_seed(rng_t *r, uint64_t seed);

/* Next raw 64 random bits. */
uint64_t rng_u64(rng_t *r);

/* Uniform float in [0, 1), 24 random bits. */
float rng_uniform(rng_t *r);

/* Uniform float in [lo, hi). */
float rng_range(rng_t *r, float lo, float hi);

/* Uniform integer in [0, n), without modulo bias. n must be > 0. */
uint32_t rng_below(rng_t *r, uint32_t n);

/* Standard normal N(0, 1) (Box–Muller; one of the pair is discarded to keep no hidden state). */
float rng_normal(rng_t *r);

/* Shuffle idx[0..n) in place (Fisher–Yates): every permutation is equally likely. */
void rng_shuffle(rng_t *r, int *idx, int n);

/* Fill idx with 0..n-1. */
void rng_iota(int *idx, int n);

#ifdef __cplusplus
}
#endif

#endif
