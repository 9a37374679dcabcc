/* simd4.h — four floats (or ints) as one value, through GCC's vector extension (SSE on x86-64,
 * NEON on arm64), for the short rows of conv.c and pool.c: rows of 10 to 28 floats in LeNet, too
 * short for a memcpy call to pay off, and a loop of unknown length that -O2 leaves scalar.
 *
 * Internal to the library: included by its .c files only, not installed (Makefile), so its short
 * names are not part of the library's public names. Loads and stores go through memcpy (any
 * alignment, compiled to one unaligned move); the arithmetic operators work lane by lane, and a
 * comparison gives an i4_t of -1 (true) or 0 per lane.
 */
#ifndef NN_SIMD4_H
#define NN_SIMD4_H

#include <string.h>

typedef float f4_t __attribute__((vector_size(16)));
typedef int i4_t __attribute__((vector_size(16)));

static inline f4_t f4_load(const float *p)
{
    f4_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void f4_store(float *p, f4_t v) { memcpy(p, &v, sizeof v); }

static inline void i4_store(int *p, i4_t v) { memcpy(p, &v, sizeof v); }

/* Per lane: m (all ones or 0) ? x : y, on the bits. */
static inline f4_t f4_select(i4_t m, f4_t x, f4_t y) { return (f4_t)((m & (i4_t)x) | (~m & (i4_t)y)); }

/* Lanes i0..i3 of the 8 lanes of x then y. */
#ifdef __clang__
#define F4_SHUFFLE(x, y, i0, i1, i2, i3) __builtin_shufflevector(x, y, i0, i1, i2, i3)
#else
#define F4_SHUFFLE(x, y, i0, i1, i2, i3) __builtin_shuffle(x, y, (i4_t){i0, i1, i2, i3})
#endif

#endif
