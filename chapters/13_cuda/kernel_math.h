/* kernel_math.h — the arithmetic the CUDA kernels share with the CPU (chapter 13).
 *
 * Each function here is a few lines of index or floating-point arithmetic that the kernels in
 * gpu/ run in every thread, and that the chapter's grader checks on the CPU, so the exercises
 * can be graded on a machine without a GPU. The file is compiled three ways: by cc as C (the
 * chapter and its tests), and by nvcc as CUDA C++ for the host and for the device (the .cu files of gpu/
 * include it from the edition being built: with a GPU, your solutions run inside the kernels).
 *
 * The task of each exercise is stated in the chapter's prose (13_cuda.c, the section named in
 * the comment above each function); the comments here repeat the contract.
 */
#ifndef KERNEL_MATH_H
#define KERNEL_MATH_H

#include <math.h>

#ifdef __CUDACC__
/* nvcc: every function is compiled for the host and for the device, and inlined into kernels. */
#define KM_FN static __host__ __device__ __forceinline__
#undef TODO
#ifdef __CUDA_ARCH__
/* The workbook's stub, on the GPU: a thread that reaches a missing exercise stops the kernel
 * (__trap); the launch then fails and gpu/ reports it with a hint naming the exercises. */
static __device__ __attribute__((noreturn)) void km_todo_device(void)
{
    __trap();
    __builtin_unreachable();
}
#define TODO(chapter, exercise) km_todo_device()
#else
extern "C" __attribute__((noreturn)) void nn_todo(int chapter, int exercise, const char *file);
#define TODO(chapter, exercise) nn_todo(chapter, exercise, __FILE__)
#endif
#else
#include "course.h" /* TODO(chapter, exercise) for the workbook's stubs */
#define KM_FN static inline
#endif

/* --- 13.3 Coalescing: which element of C a thread computes ----------------------------------- */

/* A block of tile*tile threads (numbered tid = 0 .. tile*tile - 1, one dimension) computes the
 * tile x tile block of C at block coordinates (block_row, block_col) of the grid. Thread tid
 * computes C[*row][*col]; neighbouring tids must get neighbouring columns of the same row. */
KM_FN void coalesced_index(int tile, int block_row, int block_col, int tid, int *row, int *col)
{
    /* BEGIN EXERCISE 13.1 (2 points): the coalesced thread-to-element mapping */
    *row = block_row * tile + tid / tile;
    *col = block_col * tile + tid % tile;
    /* END EXERCISE */
}

/* --- 13.4 Tiles: how many tiles cover a dimension --------------------------------------------- */

/* The number of tiles of `tile` elements needed to cover n >= 0 elements (the last one may be
 * partial): the ceiling of n / tile, for every n up to INT_MAX, without overflowing. */
KM_FN int tile_count(int n, int tile)
{
    /* BEGIN EXERCISE 13.2 (2 points): how many tiles cover n elements */
    return n / tile + (n % tile != 0);
    /* END EXERCISE */
}

/* --- 13.9 Online softmax: merging two partial results ------------------------------------------- */

/* What a thread knows about a part of a row x: its maximum m, and d = sum over the part of
 * exp(x_j - m). The empty part is {-INFINITY, 0}; one element x is {x, 1}. */
typedef struct {
    float m, d;
} softmax_state;

KM_FN softmax_state softmax_one(float x)
{
    softmax_state s = {x, 1.0f};
    return s;
}

/* The state of the union of two disjoint parts: m = max(a.m, b.m), and both sums rescaled to
 * it. A state whose maximum is -INFINITY holds no mass (whatever its d): the merge then returns
 * the other state unchanged, and never computes exp(-inf - (-inf)). */
KM_FN softmax_state softmax_merge(softmax_state a, softmax_state b)
{
    /* BEGIN EXERCISE 13.7 (3 points): merge two online-softmax states */
    if (a.m == -INFINITY)
        return b;
    if (b.m == -INFINITY)
        return a;
    float m = fmaxf(a.m, b.m);
    softmax_state r = {m, a.d * expf(a.m - m) + b.d * expf(b.m - m)};
    return r;
    /* END EXERCISE */
}

/* --- 13.10 Layer norm: merging two partial means and variances ----------------------------------- */

/* What a thread knows about a part of a row: n values, their mean, and m2 = the sum of squared
 * deviations from that mean (the variance of the part is m2 / n). The empty part is {0, 0, 0};
 * one value x is {1, x, 0}. */
typedef struct {
    int n;
    float mean, m2;
} welford_state;

KM_FN welford_state welford_one(float x)
{
    welford_state s = {1, x, 0.0f};
    return s;
}

/* The state of the union of two disjoint parts (Chan, Golub and LeVeque's parallel update).
 * Merging with an empty part returns the other one unchanged. */
KM_FN welford_state welford_merge(welford_state a, welford_state b)
{
    /* BEGIN EXERCISE 13.8 (3 points): merge two partial means and variances */
    if (a.n == 0)
        return b;
    if (b.n == 0)
        return a;
    int n = a.n + b.n;
    float delta = b.mean - a.mean, wb = (float)b.n / (float)n;
    welford_state r = {n, a.mean + delta * wb, a.m2 + b.m2 + delta * delta * (float)a.n * wb};
    return r;
    /* END EXERCISE */
}

/* --- 13.11 Fused attention: rescaling the running output ---------------------------------------- */

/* The running state of one query row after some key tiles: the largest score so far *m, the sum
 * *l of exp(s_j - *m) over those keys, and the unnormalized output o[i] = sum_j exp(s_j - *m)
 * v_j[i], i < d. A new tile arrives whose largest score is m_tile. Raise *m to max(*m, m_tile)
 * and multiply *l and every o[i] by exp(old *m - new *m), so that all three are again relative
 * to the current maximum. While the maximum is still -INFINITY (no key seen, or all masked),
 * change nothing. */
KM_FN void attn_rescale(float *o, int d, float *l, float *m, float m_tile)
{
    /* BEGIN EXERCISE 13.9 (3 points): rescale the running attention output */
    float m_new = fmaxf(*m, m_tile);
    if (m_new == -INFINITY)
        return;
    float c = expf(*m - m_new); /* *m = -inf (first tile): c = 0, and o, l are 0 anyway */
    for (int i = 0; i < d; i++)
        o[i] *= c;
    *l *= c;
    *m = m_new;
    /* END EXERCISE */
}

#endif
