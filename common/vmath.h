/* vmath.h — e^x, the sigmoid and tanh written so that a loop of them vectorizes, and a marker
 * that compiles a function once per vector width and picks the widest the CPU has when the
 * program starts. For the element-wise work between the matrix products of the recurrent cells.
 *
 * libm's expf is a call: a loop that calls it runs one element at a time. Chapter 8's LSTM
 * evaluates 5 exponentials per hidden unit per step (3 sigmoids, 2 tanh), and those calls were
 * about half of what its training step did besides the products. vmath_exp uses only
 * additions, multiplications and integer operations on the float's bits, with no branch (GCC
 * leaves a loop scalar when it holds a condition besides float operations that may raise a
 * floating-point exception, and a clamp written as `x < lo ? lo : x` is such a condition):
 *
 *   |x| is clamped to 87.3 (on the bits: an integer minimum), so that e^x stays a normal float:
 *       e^{87.3} = 8.1e37 and e^{-87.3} = 1.2e-38, far beyond where the sigmoid and tanh below
 *       round to their limits (tanh to exactly +-1, the sigmoid to 1, and to 1.2e-38 for 0);
 *   n = round(x / ln 2), by adding 1.5 * 2^23 (the float's rounding does the rounding);
 *   r = x - n ln 2 in [-ln2 / 2, ln2 / 2] (ln 2 in two parts, the first exact in 9 bits, so
 *       that n ln2_hi has no rounding error);
 *   e^r by Cephes' degree-6 polynomial, times 2^n written into the exponent field;
 *   a NaN input gives NaN (its bits are restored at the end: the clamp would have hidden it, and
 *       a NaN must reach the loss, where training looks for it).
 *
 * Within 2 ulp of expf over [-87.3, 87.3] (common/tests/test_vmath.c checks 2.5e-7 relative on a
 * fine grid, and the limits). Each lane does the same float operations in the same order, so
 * the result does not depend on the vector width, with one exception: the AVX-512 version fuses
 * multiplies and adds (every AVX-512 CPU has FMA), which changes last bits. So an AVX-512 CPU
 * and another one differ in the last bits (as their BLAS kernels do), and one CPU always
 * computes the same bits (the tests allow for the difference).
 *
 * VMATH_CLONES before a function definition (GCC or clang on x86-64) compiles it three times,
 * for AVX-512, AVX2 and the baseline (SSE2), and the loader picks one when the program starts
 * (an ifunc: no test on every call). Elsewhere it is empty and the function is compiled once;
 * defining it empty before including this header gives the portable version alone (the tests
 * compile lstm.c and gru.c that way, to check the vector versions against it).
 * The compiler vectorizes a loop at -O2 only when it needs no run-time check of overlap and no
 * leftover elements: write the loop over pointers declared `restrict` with a trip count that is a
 * constant multiple of 16 (VMATH_BLOCK) plus a tail loop (lstm.c's lstm_units shows the pattern).
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: vmath_, VMATH_
 */
#ifndef NN_VMATH_H
#define NN_VMATH_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Elements per block of a vectorized loop: one AVX-512 register of floats. */
enum { VMATH_BLOCK = 16 };

#if !defined(VMATH_CLONES) && defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VMATH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VMATH_CLONES
#define VMATH_CLONES
#endif

static inline uint32_t vmath_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float vmath_float(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* e^x (see the top of this file); x NaN gives NaN, |x| > 87.3 is computed at +-87.3. */
static inline float vmath_exp(float x)
{
    const uint32_t clamp = 0x42AE999Au; /* the bits of 87.3f */
    uint32_t ix = vmath_bits(x), ax = ix & 0x7FFFFFFFu;
    ax = ax < clamp ? ax : clamp;
    float xc = vmath_float((ix & 0x80000000u) | ax);
    float t = xc * 1.44269504f + 12582912.0f, n = t - 12582912.0f; /* 12582912 = 1.5 * 2^23 */
    float r = xc - n * 0.693359375f + n * 2.12194440e-4f;          /* ln 2 = 0.693359375 - 2.1219444e-4 */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* t's low mantissa bits hold n (t = 1.5 * 2^23 + n); shifted into the exponent field they
     * give n << 23, and adding the bias 127 << 23 makes the float 2^n */
    float e = p * vmath_float((vmath_bits(t) << 23) + 0x3F800000u);
    uint32_t nan = x != x ? 0xFFFFFFFFu : 0u; /* all ones for a NaN: x != x is a quiet comparison */
    return vmath_float(vmath_bits(e) | (nan & 0x7FC00000u));
}

/* sigmoid(x) = 1 / (1 + e^-x); 1.2e-38 (not 0) for x <= -87.3. */
static inline float vmath_sigmoid(float x) { return 1.0f / (1.0f + vmath_exp(-x)); }

/* tanh x = 1 - 2 / (1 + e^{2x}) on vmath_exp (libm's tanhf, through expm1f, is several times
 * slower): within about 2e-7 of tanh (absolute), exactly +-1 for large |x|. */
static inline float vmath_tanh(float x) { return 1.0f - 2.0f / (1.0f + vmath_exp(2.0f * x)); }

#ifdef __cplusplus
}
#endif

#endif
