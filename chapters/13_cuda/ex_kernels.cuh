/* ex_kernels.cuh — the kernels you write in chapter 13 (exercises 13.10 to 13.15).
 *
 * One source, two compilers. With cc (make check CH=13, make run CH=13 without a GPU) these
 * kernels run on the CUDA simulator of gpu/cusim.c, which checks the results and measures every
 * memory access: global-memory sectors per warp request, shared-memory bank conflicts, races,
 * barrier divergence, out-of-bounds accesses. With nvcc (gpu/exercises.cu includes this file
 * from the edition being built) they run on the GPU. The macro layer (gpu/cusim.h) is CUDA's own
 * vocabulary: KERNEL is __global__, SHARED(type, name, [dims]) is __shared__ type name[dims],
 * SYNC() is __syncthreads(), SHFL_XOR is __shfl_xor_sync over the whole warp. Every load and
 * store of global or shared memory is written LD(p, i) (p[i]) or ST(p, i, v) (p[i] = v), so that
 * the simulator sees it; local variables are registers and are written as usual.
 *
 * The task of each exercise is stated in the chapter's prose (13_cuda.c, section 13.13); the
 * comment above each kernel repeats the contract.
 */
#ifndef EX_KERNELS_CUH
#define EX_KERNELS_CUH

#include "cusim.h"
#include "kernel_math.h" /* TODO() for the workbook's stubs, on the CPU and on the GPU */

#include <math.h>

/* --- 13.10 a coalesced elementwise map ------------------------------------------------------------ */

#define EX_MAP_PER_THREAD 4

/* y[i] = a * x[i] + y[i] for 0 <= i < n. Block b owns the blockDim.x * EX_MAP_PER_THREAD
 * consecutive elements from b * blockDim.x * EX_MAP_PER_THREAD on; each of its threads handles
 * EX_MAP_PER_THREAD of them, one per iteration j. Which ones is the exercise. */
KERNEL void ex_saxpy(float *y, const float *x, float a, int n)
{
    int base = blockIdx.x * blockDim.x * EX_MAP_PER_THREAD;
    for (int j = 0; j < EX_MAP_PER_THREAD; j++) {
        /* BEGIN EXERCISE 13.10 (2 points): a coalesced elementwise map */
        int i = base + j * blockDim.x + threadIdx.x;
        if (i < n)
            ST(y, i, a * LD(x, i) + LD(y, i));
        /* END EXERCISE */
    }
}

/* --- 13.11 a block reduction in shared memory ------------------------------------------------------ */

#define EX_REDUCE_THREADS 256

/* out[b] = the sum of x[b * blockDim.x .. (b + 1) * blockDim.x), the elements beyond n counting
 * as 0. blockDim.x is EX_REDUCE_THREADS (a power of two). */
KERNEL void ex_block_sum(float *out, const float *x, int n)
{
    SHARED(float, buf, [EX_REDUCE_THREADS]);
    /* BEGIN EXERCISE 13.11 (3 points): a block reduction in shared memory */
    int t = threadIdx.x, i = blockIdx.x * blockDim.x + threadIdx.x;
    ST(buf, t, i < n ? LD(x, i) : 0.0f);
    SYNC();
    for (int s = blockDim.x / 2; s > 0; s /= 2) { /* sequential addressing: no bank conflicts */
        if (t < s)
            ST(buf, t, LD(buf, t) + LD(buf, t + s));
        SYNC(); /* outside the if: every thread of the block must reach it */
    }
    if (t == 0)
        ST(out, blockIdx.x, LD(buf, 0));
    /* END EXERCISE */
}

/* --- 13.12 a shared-memory tiled SGEMM ------------------------------------------------------------- */

#define EX_TILE 16

/* C = A B with A (M, K), B (K, N), C (M, N), row-major. Block (bx, by) of EX_TILE x EX_TILE
 * threads computes the tile of C at rows by * EX_TILE.., columns bx * EX_TILE..; thread (tx, ty)
 * computes C[by * EX_TILE + ty][bx * EX_TILE + tx]. */
KERNEL void ex_sgemm_tiled(float *C, const float *A, const float *B, int M, int N, int K)
{
    SHARED(float, As, [EX_TILE][EX_TILE]);
    SHARED(float, Bs, [EX_TILE][EX_TILE]);
    /* BEGIN EXERCISE 13.12 (3 points): a shared-memory tiled SGEMM */
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * EX_TILE + ty, col = blockIdx.x * EX_TILE + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += EX_TILE) {
        /* neighbouring tx read neighbouring addresses of one row: coalesced; zeros outside */
        ST(As[ty], tx, row < M && k0 + tx < K ? LD(A, row * K + k0 + tx) : 0.0f);
        ST(Bs[ty], tx, k0 + ty < K && col < N ? LD(B, (k0 + ty) * N + col) : 0.0f);
        SYNC(); /* the tiles are complete */
        for (int k = 0; k < EX_TILE; k++)
            acc += LD(As[ty], k) * LD(Bs[k], tx);
        SYNC(); /* nobody overwrites a tile that others still read */
    }
    if (row < M && col < N)
        ST(C, row * N + col, acc);
    /* END EXERCISE */
}

/* --- 13.13 a 2-D register-tiled SGEMM step --------------------------------------------------------- */

#define EX_BM 32 /* rows of C per block */
#define EX_BN 32 /* columns of C per block */
#define EX_BK 8  /* k per shared-memory tile */
#define EX_TM 4  /* rows of C per thread */
#define EX_TN 4  /* columns of C per thread */

/* One step k of the block's product: thread (tx, ty) holds the EX_TM x EX_TN outputs at rows
 * ty * EX_TM + i, columns tx * EX_TN + j of the block's tile, and adds to each the product
 * A[row][k] B[k][col]. As_k is row k of the transposed A tile (As_k[r] = A tile [r][k], EX_BM
 * floats), Bs_k row k of the B tile (EX_BN floats), both in shared memory. Load each value a
 * thread needs once into a register, then do the EX_TM * EX_TN multiply-adds from registers. */
DEVICE void ex_outer_step(float acc[EX_TM][EX_TN], const float *As_k, const float *Bs_k, int tx, int ty)
{
    /* BEGIN EXERCISE 13.13 (3 points): a 2-D register-tiled SGEMM step */
    float a[EX_TM], b[EX_TN];
    for (int i = 0; i < EX_TM; i++)
        a[i] = LD(As_k, ty * EX_TM + i);
    for (int j = 0; j < EX_TN; j++)
        b[j] = LD(Bs_k, tx * EX_TN + j);
    for (int i = 0; i < EX_TM; i++)
        for (int j = 0; j < EX_TN; j++)
            acc[i][j] += a[i] * b[j]; /* EX_TM + EX_TN loads feed EX_TM * EX_TN FMAs */
    /* END EXERCISE */
}

/* C = A B (shapes as in 13.12) with blocks of (EX_BN / EX_TN) x (EX_BM / EX_TM) = 8 x 8 threads,
 * each computing EX_TM x EX_TN outputs. Written for you; it calls your step. */
KERNEL void ex_sgemm_regtile(float *C, const float *A, const float *B, int M, int N, int K)
{
    SHARED(float, As, [EX_BK][EX_BM]); /* transposed: As[k][r] = A[row0 + r][k0 + k] */
    SHARED(float, Bs, [EX_BK][EX_BN]);
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * blockDim.x + tx, nt = blockDim.x * blockDim.y;
    int row0 = blockIdx.y * EX_BM, col0 = blockIdx.x * EX_BN;
    float acc[EX_TM][EX_TN];
    for (int i = 0; i < EX_TM; i++)
        for (int j = 0; j < EX_TN; j++)
            acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += EX_BK) {
        for (int e = tid; e < EX_BM * EX_BK; e += nt) { /* A tile: consecutive threads, consecutive k */
            int r = e / EX_BK, k = e % EX_BK;
            ST(As[k], r, row0 + r < M && k0 + k < K ? LD(A, (row0 + r) * K + k0 + k) : 0.0f);
        }
        for (int e = tid; e < EX_BK * EX_BN; e += nt) { /* B tile: consecutive threads, consecutive columns */
            int k = e / EX_BN, c = e % EX_BN;
            ST(Bs[k], c, k0 + k < K && col0 + c < N ? LD(B, (k0 + k) * N + col0 + c) : 0.0f);
        }
        SYNC();
        for (int k = 0; k < EX_BK; k++)
            ex_outer_step(acc, As[k], Bs[k], tx, ty);
        SYNC();
    }
    for (int i = 0; i < EX_TM; i++)
        for (int j = 0; j < EX_TN; j++) {
            int r = row0 + ty * EX_TM + i, c = col0 + tx * EX_TN + j;
            if (r < M && c < N)
                ST(C, r * N + c, acc[i][j]);
        }
}

/* --- 13.14 online softmax, one row per warp -------------------------------------------------------- */

/* y = softmax of each row of x (rows, cols), one warp per row: row blockIdx.x * (blockDim.x / 32)
 * + threadIdx.x / 32. One pass over the row for its maximum and sum (online), merged across the
 * warp with SHFL_XOR, then a second pass that writes y. */
KERNEL void ex_softmax_warp(float *y, const float *x, int rows, int cols)
{
    /* BEGIN EXERCISE 13.14 (3 points): online softmax, one row per warp */
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows)
        return; /* the whole warp leaves together */
    const float *xr = x + (long)row * cols;
    float m = -INFINITY, d = 0.0f;
    for (int j = lane; j < cols; j += 32) { /* lane j, j + 32, ...: a warp reads 32 neighbours */
        float v = LD(xr, j), m_new = fmaxf(m, v);
        d = d * expf(m - m_new) + expf(v - m_new);
        m = m_new;
    }
    for (int mask = 16; mask > 0; mask /= 2) { /* butterfly: every lane ends with the row's state */
        float m_o = SHFL_XOR(m, mask), d_o = SHFL_XOR(d, mask), m_new = fmaxf(m, m_o);
        if (m_new != -INFINITY) /* a lane with no elements holds (-inf, 0): no mass */
            d = (m == -INFINITY ? 0.0f : d * expf(m - m_new)) + (m_o == -INFINITY ? 0.0f : d_o * expf(m_o - m_new));
        m = m_new;
    }
    for (int j = lane; j < cols; j += 32)
        ST(y, (long)row * cols + j, expf(LD(xr, j) - m) / d);
    /* END EXERCISE */
}

/* --- 13.15 the fused attention's inner update ------------------------------------------------------ */

#define EX_D 16  /* head size */
#define EX_KT 16 /* keys per tile */

/* One tile of keys for one query: q (EX_D floats, registers) against the nkeys <= EX_KT keys of
 * the tile, Ks[j * EX_D + i] and Vs[j * EX_D + i] in shared memory. The running state is the
 * largest score *m seen so far, *l = sum of exp(s - *m) and the unnormalized output
 * o[i] = sum of exp(s - *m) v[i] over the keys seen so far; scores are s_j = scale * q . k_j.
 * Fold the tile in: compute its scores, raise *m to the new maximum, rescale *l and o, add the
 * tile's terms. Read each element of Ks and Vs once. */
DEVICE void ex_attn_tile(float o[EX_D], float *l, float *m, const float q[EX_D], const float *Ks, const float *Vs,
                         int nkeys, float scale)
{
    /* BEGIN EXERCISE 13.15 (3 points): the fused attention's inner update */
    float s[EX_KT], m_tile = -INFINITY;
    for (int j = 0; j < nkeys; j++) {
        float dot = 0.0f;
        for (int i = 0; i < EX_D; i++)
            dot += q[i] * LD(Ks, j * EX_D + i);
        s[j] = scale * dot;
        m_tile = fmaxf(m_tile, s[j]);
    }
    float m_new = fmaxf(*m, m_tile);
    float c = expf(*m - m_new); /* *m = -inf on the first tile: c = 0, and o, l are 0 */
    *l *= c;
    for (int i = 0; i < EX_D; i++)
        o[i] *= c;
    for (int j = 0; j < nkeys; j++) {
        float p = expf(s[j] - m_new);
        *l += p;
        for (int i = 0; i < EX_D; i++)
            o[i] += p * LD(Vs, j * EX_D + i);
    }
    *m = m_new;
    /* END EXERCISE */
}

/* Attention for BH independent heads, no mask: o = softmax(q k^T / sqrt(D)) v, q, k, v, o of
 * shape (BH, T, EX_D). Block (qb, h) handles the 32 queries qb * 32.. of head h, one per thread,
 * and walks the keys in tiles of EX_KT loaded into shared memory. Written for you; it calls your
 * update. */
KERNEL void ex_attention(float *o, const float *q, const float *k, const float *v, int T)
{
    SHARED(float, Ks, [EX_KT * EX_D]);
    SHARED(float, Vs, [EX_KT * EX_D]);
    int h = blockIdx.y, t = threadIdx.x, row = blockIdx.x * blockDim.x + t;
    long head = (long)h * T * EX_D;
    float qr[EX_D], acc[EX_D], l = 0.0f, m = -INFINITY, scale = 1.0f / sqrtf((float)EX_D);
    for (int i = 0; i < EX_D; i++) {
        qr[i] = row < T ? LD(q, head + (long)row * EX_D + i) : 0.0f;
        acc[i] = 0.0f;
    }
    for (int j0 = 0; j0 < T; j0 += EX_KT) {
        int nkeys = T - j0 < EX_KT ? T - j0 : EX_KT;
        for (int e = t; e < EX_KT * EX_D; e += blockDim.x) { /* coalesced: the tile is contiguous */
            int inside = e < nkeys * EX_D;
            ST(Ks, e, inside ? LD(k, head + (long)j0 * EX_D + e) : 0.0f);
            ST(Vs, e, inside ? LD(v, head + (long)j0 * EX_D + e) : 0.0f);
        }
        SYNC();
        ex_attn_tile(acc, &l, &m, qr, Ks, Vs, nkeys, scale);
        SYNC();
    }
    if (row < T)
        for (int i = 0; i < EX_D; i++)
            ST(o, head + (long)row * EX_D + i, acc[i] / l);
}

#endif
