/* parallel.c — see parallel.h.
 *
 * The pool: workers 1 .. threads-1 sleep on a condition variable until a loop is posted (the
 * generation counter moves), run their part, count themselves done, and sleep again; the caller
 * runs part 0 and waits until every worker has counted itself done. One loop at a time: `busy` is
 * held by the thread whose loop the pool is running. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

static struct {
    pthread_mutex_t busy;     /* held while a loop uses the pool (and across fork()) */
    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t start;     /* a loop was posted */
    pthread_cond_t finished;  /* the last worker is done with it */
    int threads;              /* 0 until the first call decides; the caller included */
    int workers;              /* worker threads running */
    unsigned long generation; /* loops posted so far */
    int pending;              /* workers not yet done with the current loop */
    parallel_fn_t fn;         /* the current loop */
    void *ctx;
    size_t n;
    int parts;
    unsigned long born[PARALLEL_MAX_THREADS]; /* the generation when worker i started */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL, 0, 0, {0}};

/* Part i of `parts` of [0, n): contiguous, cut at multiples of 16 elements (64 bytes of floats)
 * so that two threads never write the same cache line. */
static void run_part(parallel_fn_t fn, void *ctx, size_t n, int i, int parts)
{
    size_t size = ((n + parts - 1) / parts + 15) & ~(size_t)15;
    size_t begin = (size_t)i * size, end = begin + size;
    if (begin >= n)
        return;
    fn(ctx, begin, end < n ? end : n);
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
        pthread_mutex_unlock(&pool.lock);
        if (id < parts)
            run_part(fn, ctx, n, id, parts);
        pthread_mutex_lock(&pool.lock);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.finished);
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
    pool.pending = 0;
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
    if (pool.threads == 0) {
        pool.threads = wanted_threads();
        pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    }
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

void parallel_for(size_t n, size_t min_part, parallel_fn_t fn, void *ctx)
{
    if (min_part < 1)
        min_part = 1;
    if (n < 2 * min_part || pthread_mutex_trylock(&pool.busy) != 0) {
        fn(ctx, 0, n); /* too small to share, or the pool is serving another thread's loop */
        return;
    }
    int parts = pool_ready();
    if ((size_t)parts > n / min_part)
        parts = (int)(n / min_part);
    if (parts < 2) {
        pthread_mutex_unlock(&pool.busy);
        fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&pool.lock);
    pool.fn = fn, pool.ctx = ctx, pool.n = n, pool.parts = parts;
    pool.pending = pool.workers;
    pool.generation++;
    pthread_cond_broadcast(&pool.start);
    pthread_mutex_unlock(&pool.lock);

    run_part(fn, ctx, n, 0, parts);

    pthread_mutex_lock(&pool.lock);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.finished, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.busy);
}
