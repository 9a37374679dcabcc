/* parallel.h — run the parts of a loop on all the cores: the element-wise work between matrix
 * products (the optimizer's update, gathering a batch).
 *
 * OpenBLAS spreads each matrix product over the cores, but everything between two products runs
 * on the calling thread while the other cores wait. In a small network that is a third of a
 * training step (chapter 3's MLP: Adam alone reads and writes 7 arrays of 235,146 floats per
 * step). parallel_for() splits [0, n) into a few contiguous parts per thread and runs them at
 * once, on the caller and a pool of worker threads (started at the first call, kept waiting for the
 * next); a part no worker has taken yet when the caller is done with its own, the caller runs too,
 * so a busy machine costs no more than running the loop on one thread.
 *
 *   static void scale_part(void *ctx, size_t begin, size_t end) { ... elements [begin, end) ... }
 *   parallel_for(n, 16384, scale_part, &args);
 *
 * Results do not depend on the number of threads as long as each element's computation does not
 * depend on the others (every use in the library is of that kind): the parts only decide which
 * core computes an element. A loop of fewer than 2 * min_part elements runs on the caller alone,
 * since waking a thread costs microseconds.
 *
 * The number of threads is the number of processors this process may run on (its affinity, at
 * most PARALLEL_MAX_THREADS), or the environment variable NN_THREADS when it is set (NN_THREADS=1:
 * everything on the caller).
 *
 * Threads: parallel_for() may be called from any thread; the pool serves one loop at a time and
 * a call that finds it busy (another thread's loop, or fn calling parallel_for() inside a loop)
 * runs its loop on its own thread. fn must not call parallel_threads() (it waits for the pool).
 * A child process made by fork() starts its own pool when it needs one (and reads NN_THREADS
 * again then).
 *
 * Prefixes: parallel_, PARALLEL_
 */
#ifndef NN_PARALLEL_H
#define NN_PARALLEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { PARALLEL_MAX_THREADS = 8 };

/* One part of a loop: the elements [begin, end). ctx is what parallel_for() was given. */
typedef void (*parallel_fn_t)(void *ctx, size_t begin, size_t end);

/* Calls fn on disjoint parts covering [0, n), in parallel, and returns when all are done. */
void parallel_for(size_t n, size_t min_part, parallel_fn_t fn, void *ctx);

/* Calls fn(ctx, i, i + 1) for every part i of [0, parts), in parallel. Here the caller chooses
 * the parts, not the machine: for work whose result depends on how it is split (each part sums
 * into its own partial result, which the caller adds up in a fixed order afterwards), so that
 * every machine computes the same bits whatever its number of cores. */
void parallel_parts(int parts, parallel_fn_t fn, void *ctx);

/* The number of threads parallel_for() uses (the caller included), at least 1. */
int parallel_threads(void);

#ifdef __cplusplus
}
#endif

#endif
