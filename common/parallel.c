/* parallel.c — see parallel.h.
 *
 * The pool: workers 1 .. threads-1 wait until a loop is posted (the generation counter moves),
 * briefly by watching memory, then asleep on a condition variable (see SPIN_NS). Then every thread, the caller included, claims parts one at a time
 * from a shared counter and runs them, until none is left; the caller waits until every part is
 * done. Claiming (rather than giving part i to thread i) matters on a busy machine: if a worker is
 * not scheduled soon, the caller runs its part too instead of waiting for it. A part's index is
 * claimed together with the loop's generation (one 64-bit compare-and-swap), so a worker that
 * wakes late cannot claim a part of the next loop with the previous loop's function. One loop at a
 * time: `busy` is held by the thread whose loop the pool is running. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static struct {
    pthread_mutex_t busy;     /* held while a loop uses the pool (and across fork()) */
    pthread_mutex_t lock;     /* guards the fields up to `parts`, and the condition variables */
    pthread_cond_t start;     /* a loop was posted */
    pthread_cond_t finished;  /* its last part is done */
    int threads;              /* 0 until the first call decides; the caller included */
    int atfork;               /* 1 once the fork handlers are registered */
    int workers;              /* worker threads running */
    unsigned long generation; /* loops posted so far */
    parallel_fn_t fn;         /* the current loop */
    void *ctx;
    size_t n;
    int parts;
    size_t align;             /* parts start at multiples of it */
    unsigned long born[PARALLEL_MAX_THREADS]; /* the generation when worker i started */
    _Atomic uint64_t claim;   /* (generation mod 2^32) << 32 | the next part to claim */
    _Atomic int done;         /* parts of the current loop finished */
    _Atomic unsigned long posted; /* = generation, readable without the lock (the spins below) */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL, 0, 0, 1, {0}, 0, 0, 0};

/* Waiting on a condition variable costs the waker a system call and the sleeper a trip through
 * the scheduler: tens of microseconds in a virtual machine, whose idle processor goes back to the
 * host, which must wake it. A GPT training step runs about a hundred loops on the pool, most of a
 * few hundred microseconds. So a thread that waits first watches memory for up to SPIN_NS (with
 * the processor's pause hint), which costs nothing when the other side is quick, and sleeps only
 * after: chapter 12's step went from 1.54 to 1.46 times its products-only floor (medians of 5
 * runs in turn on our 2-core machine; 12.5k to 13.0k tokens/s), chapter 8's LSTM from 1.20-1.25
 * to 1.16-1.17 and its GRU from 1.39-1.40 to 1.31-1.32 (two runs each). */
enum { SPIN_NS = 50000 };

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline void pause_hint(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* A worker between loops: spins until a loop after `seen` is posted, or SPIN_NS have passed. */
static void spin_for_next_loop(unsigned long seen)
{
    const uint64_t start = now_ns();
    for (int i = 0; atomic_load_explicit(&pool.posted, memory_order_acquire) == seen; i++) {
        pause_hint();
        if ((i & 63) == 63 && now_ns() - start > SPIN_NS)
            return;
    }
}

/* The caller after its own parts: spins until all `parts` are done, or SPIN_NS have passed. */
static void spin_for_parts(int parts)
{
    const uint64_t start = now_ns();
    for (int i = 0; atomic_load_explicit(&pool.done, memory_order_acquire) < parts; i++) {
        pause_hint();
        if ((i & 63) == 63 && now_ns() - start > SPIN_NS)
            return;
    }
}

/* Part i of `parts` of [0, n): contiguous, its start a multiple of align (parallel_for: 16
 * elements, 64 bytes of floats, so that two threads never write the same cache line). */
static void run_part(parallel_fn_t fn, void *ctx, size_t n, size_t align, int i, int parts)
{
    size_t size = ((n + parts - 1) / parts + align - 1) / align * align;
    size_t begin = (size_t)i * size, end = begin + size;
    if (begin < n)
        fn(ctx, begin, end < n ? end : n);
}

/* The next unclaimed part of loop `gen`, or -1 when none is left (or the loop is not current). */
static int claim_part(uint32_t gen, int parts)
{
    uint64_t c = atomic_load(&pool.claim);
    for (;;) {
        if ((uint32_t)(c >> 32) != gen || (int)(uint32_t)c >= parts)
            return -1;
        if (atomic_compare_exchange_weak(&pool.claim, &c, c + 1))
            return (int)(uint32_t)c;
    }
}

/* Claims and runs parts of loop `gen` until none is left; whoever finishes the last one tells the
 * caller. */
static void run_parts(uint32_t gen, parallel_fn_t fn, void *ctx, size_t n, size_t align, int parts)
{
    int i;
    while ((i = claim_part(gen, parts)) >= 0) {
        run_part(fn, ctx, n, align, i, parts);
        if (atomic_fetch_add(&pool.done, 1) + 1 == parts) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_signal(&pool.finished);
            pthread_mutex_unlock(&pool.lock);
        }
    }
}

static void *worker(void *arg)
{
    const int id = (int)(intptr_t)arg;
    pthread_mutex_lock(&pool.lock);
    unsigned long seen = pool.born[id]; /* loops posted before this worker existed are not its */
    for (;;) {
        while (pool.generation == seen)
            pthread_cond_wait(&pool.start, &pool.lock);
        seen = pool.generation;
        parallel_fn_t fn = pool.fn;
        void *ctx = pool.ctx;
        size_t n = pool.n;
        int parts = pool.parts;
        size_t align = pool.align;
        pthread_mutex_unlock(&pool.lock);
        run_parts((uint32_t)seen, fn, ctx, n, align, parts);
        spin_for_next_loop(seen); /* the next loop often follows within microseconds */
        pthread_mutex_lock(&pool.lock);
    }
    return NULL;
}

/* fork() copies the pool's memory but not its threads: the child starts with none. Both locks are
 * held across the fork, so no loop is half-way through and no lock is owned by a thread the child
 * does not have; the child's condition variables start afresh (their old waiters are gone). */
static void before_fork(void)
{
    pthread_mutex_lock(&pool.busy);
    pthread_mutex_lock(&pool.lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.busy);
}

static void after_fork_child(void)
{
    pool.workers = 0;
    pool.threads = 0; /* decided again: the child may have set NN_THREADS */
    pthread_cond_init(&pool.start, NULL);
    pthread_cond_init(&pool.finished, NULL);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.busy);
}

static int wanted_threads(void)
{
    const char *env = getenv("NN_THREADS");
    long t = 0;
    if (env && *env) {
        char *end;
        t = strtol(env, &end, 10);
        if (*end != '\0' || t < 1)
            t = 1; /* not a positive number: the safe choice, one thread */
    } else {
        cpu_set_t set;
        t = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    }
    return t < 1 ? 1 : t > PARALLEL_MAX_THREADS ? PARALLEL_MAX_THREADS : (int)t;
}

/* Starts the workers that are missing (called with `busy` held). Returns how many threads the
 * pool has now, the caller included: fewer than asked if a thread could not be created. */
static int pool_ready(void)
{
    if (pool.threads == 0)
        pool.threads = wanted_threads();
    if (!pool.atfork)
        pool.atfork = pthread_atfork(before_fork, after_fork_parent, after_fork_child) == 0;
    while (pool.workers + 1 < pool.threads) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pool.born[pool.workers + 1] = pool.generation;
        int failed = pthread_create(&t, &attr, worker, (void *)(intptr_t)(pool.workers + 1));
        pthread_attr_destroy(&attr);
        if (failed)
            break;
        pool.workers++;
    }
    return pool.workers + 1;
}

int parallel_threads(void)
{
    pthread_mutex_lock(&pool.busy);
    int t = pool_ready();
    pthread_mutex_unlock(&pool.busy);
    return t;
}

/* Runs the loop on the pool (called with `busy` held, which it releases). */
static void run_on_pool(size_t n, size_t align, int parts, parallel_fn_t fn, void *ctx)
{
    pthread_mutex_lock(&pool.lock);
    pool.fn = fn, pool.ctx = ctx, pool.n = n, pool.align = align, pool.parts = parts;
    uint32_t gen = (uint32_t)++pool.generation;
    atomic_store(&pool.done, 0);
    atomic_store(&pool.claim, (uint64_t)gen << 32);
    atomic_store_explicit(&pool.posted, pool.generation, memory_order_release);
    pthread_cond_broadcast(&pool.start);
    pthread_mutex_unlock(&pool.lock);

    run_parts(gen, fn, ctx, n, align, parts);
    spin_for_parts(parts); /* the parts the workers took: usually a moment away */

    pthread_mutex_lock(&pool.lock);
    while (atomic_load(&pool.done) < parts)
        pthread_cond_wait(&pool.finished, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.busy);
}

void parallel_for(size_t n, size_t min_part, parallel_fn_t fn, void *ctx)
{
    if (min_part < 1)
        min_part = 1;
    if (n < 2 * min_part || pthread_mutex_trylock(&pool.busy) != 0) {
        fn(ctx, 0, n); /* too small to share, or the pool is serving another thread's loop */
        return;
    }
    /* a few parts per thread: a worker that wakes late still finds some left to take */
    int parts = 4 * pool_ready();
    if ((size_t)parts > n / min_part)
        parts = (int)(n / min_part);
    if (parts < 2 || pool.workers == 0) {
        pthread_mutex_unlock(&pool.busy);
        fn(ctx, 0, n);
        return;
    }
    run_on_pool(n, 16, parts, fn, ctx);
}

void parallel_parts(int parts, parallel_fn_t fn, void *ctx)
{
    if (parts < 1)
        return;
    if (parts == 1 || pthread_mutex_trylock(&pool.busy) != 0) {
        for (int i = 0; i < parts; i++)
            fn(ctx, (size_t)i, (size_t)i + 1);
        return;
    }
    if (pool_ready() < 2) {
        pthread_mutex_unlock(&pool.busy);
        for (int i = 0; i < parts; i++)
            fn(ctx, (size_t)i, (size_t)i + 1);
        return;
    }
    run_on_pool((size_t)parts, 1, parts, fn, ctx);
}
