/* timing.h — a monotonic clock and the median of repeated timings, for benchmarks.
 *
 * Prefixes: timing_
 * Threads: every function is safe to call from any thread (no state).
 */
#ifndef NN_TIMING_H
#define NN_TIMING_H

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds since an arbitrary fixed point (monotonic clock). */
double timing_seconds(void);

/* The median of n timings (n >= 1; sorts them in place): what benchmarks report, since one
 * interrupted repetition moves a mean but not a median. */
double timing_median(double *seconds, int n);

#ifdef __cplusplus
}
#endif

#endif
