/* stats.h — the standard normal distribution, for the places that need its CDF and density.
 *
 * GELU weighs its input by Phi(x) (chapter 3), expected improvement integrates a Gaussian
 * surrogate's gain (chapter 6). Both need
 *
 *   phi(x) = exp(-x^2 / 2) / sqrt(2 pi)        the density
 *   Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2    the CDF
 *
 * The erfc form keeps full relative precision in the left tail, where 1 + erf(x / sqrt 2)
 * cancels (x = -10: Phi = 7.6e-24, while 1 + erf rounds to 0 in double).
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: stats_
 */
#ifndef NN_STATS_H
#define NN_STATS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Phi(x), the standard normal CDF, as erfc(-x / sqrt 2) / 2: 0 at -inf, 1/2 at 0, 1 at +inf. */
double stats_normal_cdf(double x);

/* phi(x), the standard normal density exp(-x^2 / 2) / sqrt(2 pi). */
double stats_normal_pdf(double x);

#ifdef __cplusplus
}
#endif

#endif
