/* Tests of parallel.h: every element is visited exactly once whatever n and the part size; the
 * library's users of the pool (Adam, the batch gather) give the same bits on one thread and on
 * all; a forked child and two threads calling at once both get their loops done. */
#include "optim.h"
#include "parallel.h"
#include "prep.h"
#include "rng.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void count_visits(void *ctx, size_t begin, size_t end)
{
    int *visits = ctx;
    for (size_t i = begin; i < end; i++)
        __atomic_add_fetch(&visits[i], 1, __ATOMIC_RELAXED);
}

/* 1 if parallel_for(n, min_part) visits each of [0, n) exactly once. */
static int visits_each_once(size_t n, size_t min_part)
{
    int *visits = calloc(n ? n : 1, sizeof(int)), ok = 1;
    parallel_for(n, min_part, count_visits, visits);
    for (size_t i = 0; i < n; i++)
        ok &= visits[i] == 1;
    free(visits);
    return ok;
}

Test(parallel, visits_every_element_once)
{
    cr_assert_geq(parallel_threads(), 1, "at least the caller's thread");
    const size_t sizes[] = {0, 1, 15, 16, 17, 31, 33, 100, 1000, 4097, 100003};
    const size_t parts[] = {0, 1, 7, 16, 64, 5000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t j = 0; j < sizeof parts / sizeof *parts; j++)
            cr_assert(visits_each_once(sizes[i], parts[j]), "n=%zu, min_part=%zu: some element was skipped or "
                      "visited twice", sizes[i], parts[j]);
}

static void count_calls(void *ctx, size_t begin, size_t end)
{
    (void)begin, (void)end;
    __atomic_add_fetch((int *)ctx, 1, __ATOMIC_RELAXED);
}

Test(parallel, a_short_loop_stays_on_the_caller)
{
    /* 1,999 elements with parts of at least 1,000: at most one part, so one call of fn. */
    int calls = 0;
    parallel_for(1999, 1000, count_calls, &calls);
    cr_assert_eq(calls, 1, "n < 2 * min_part: expected one call of fn (no worker woken), got %d", calls);
}

/* Adam on 100,003 parameters (several parts and a scalar tail), 5 steps, in this process. */
static void adam_run(float *p, size_t n)
{
    enum { N = 100003 };
    (void)n; /* always N */
    float *g = malloc(N * sizeof(float));
    rng_t r;
    rng_seed(&r, 5);
    for (int i = 0; i < N; i++)
        p[i] = rng_normal(&r);
    adam_t a = adam_new(N, 1e-2f);
    for (int t = 0; t < 5; t++) {
        for (int i = 0; i < N; i++)
            g[i] = rng_normal(&r);
        adam_step(&a, p, g);
    }
    adam_free(&a);
    free(g);
}

Test(parallel, adam_gives_the_same_bits_on_one_thread_and_on_all)
{
    enum { N = 100003 };
    float *all = malloc(N * sizeof(float)), *one = malloc(N * sizeof(float));
    adam_run(all, N);
    cr_assert_eq(capture_one_thread(adam_run, one, N), 0, "the one-thread run (a child with NN_THREADS=1) failed, "
                 "or ran on more threads");
    cr_assert(memcmp(all, one, N * sizeof(float)) == 0, "Adam on %d threads differs from Adam on one",
              parallel_threads());
    free(all), free(one);
}

Test(parallel, gather_copies_the_named_rows)
{
    enum { ROWS = 300, D = 784, K = 256 };
    float *src = malloc(sizeof(float) * ROWS * D), *dst = malloc(sizeof(float) * K * D);
    int rows[K];
    for (int i = 0; i < ROWS * D; i++)
        src[i] = (float)i;
    for (int i = 0; i < K; i++)
        rows[i] = (i * 7919) % ROWS;
    prep_gather_rows(dst, src, rows, K, D);
    for (int i = 0; i < K; i++)
        cr_assert(memcmp(dst + (size_t)i * D, src + (size_t)rows[i] * D, D * sizeof(float)) == 0,
                  "row %d of the batch is not row %d of the data", i, rows[i]);
    free(src), free(dst);
}

Test(parallel, a_forked_child_gets_its_own_pool)
{
    cr_assert(visits_each_once(100000, 16), "the parent's loop"); /* the parent's pool is running */
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork");
    if (pid == 0) /* the child has none of the parent's workers: its loop must still finish */
        _exit(visits_each_once(100000, 16) && visits_each_once(100000, 16) ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the forked child's loops did not complete");
}

static void *loops(void *arg)
{
    (void)arg;
    int ok = 1;
    for (int i = 0; i < 200; i++)
        ok &= visits_each_once(20000, 16);
    return (void *)(intptr_t)ok;
}

Test(parallel, two_threads_calling_at_once)
{
    /* One of them gets the pool, the other runs its loop alone: both must finish, each correct. */
    pthread_t t[2];
    void *ok[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, loops, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], &ok[i]);
    cr_assert(ok[0] && ok[1], "a loop skipped or repeated elements while another thread used the pool");
}

static void record_part(void *ctx, size_t begin, size_t end)
{
    int *calls = ctx;
    if (end == begin + 1)
        __atomic_add_fetch(&calls[begin], 1, __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(&calls[63], 1000, __ATOMIC_RELAXED); /* a part must be exactly one index */
}

Test(parallel, parts_runs_each_part_once_as_one_index)
{
    for (int parts = 0; parts <= 40; parts++) {
        int calls[64] = {0};
        parallel_parts(parts, record_part, calls);
        for (int i = 0; i < 64; i++)
            cr_assert_eq(calls[i], i < parts ? 1 : 0, "parallel_parts(%d): part %d ran %d times (expected %d)",
                         parts, i, calls[i], i < parts ? 1 : 0);
    }
}
