/* test_cusim.c — the simulator's own tests (included by chapters/13_cuda/test_13_cuda.c, suite
 * cusim): each detector fires on a kernel that has the bug and stays silent on one that does not.
 * Line numbers of accesses are looked up with __LINE__ captured next to them. */
#include "cusim.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite(cusim, .timeout = 60);

typedef struct {
    float *y;
    const float *x;
    int n, stride, guard;
} cmap_args;

static int map_load_line;
KERNEL void cusim_test_map(float *y, const float *x, int n, int stride, int guard)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int j = stride == 1 ? i : (i % 32) * stride + i / 32; /* stride > 1: lanes `stride` floats apart */
    if (!guard || (i < n && j < n)) {
        map_load_line = __LINE__ + 1;
        ST(y, j, 2 * LD(x, j));
    }
}
static void cmap_entry(void *p)
{
    cmap_args *a = p;
    cusim_test_map(a->y, a->x, a->n, a->stride, a->guard);
}

static cusim_stats_t crun_map(int n, int stride, int guard, float **out)
{
    float *x = cusim_malloc((size_t)n * 4, "x"), *y = cusim_malloc((size_t)n * 4, "y");
    for (int i = 0; i < n; i++)
        x[i] = (float)i;
    cmap_args a = {y, x, n, stride, guard};
    cusim_stats_t st;
    cr_assert(cusim_launch(&st, CUSIM_DIM3((unsigned)(n + 63) / 64), CUSIM_DIM3(64), cmap_entry, &a) == 0);
    *out = y;
    cusim_free(x);
    return st;
}

Test(cusim, coalesced_loads_take_4_sectors_strided_take_32)
{
    float *y;
    cusim_stats_t st = crun_map(1024, 1, 1, &y);
    for (int i = 0; i < 1024; i++)
        cr_assert(y[i] == 2.0f * i, "y[%d] = %g, expected %g", i, y[i], 2.0f * i);
    cusim_free(y);
    const cusim_site_t *s = cusim_site(&st, map_load_line, CUSIM_GLOBAL_LOAD);
    cr_assert(s && s->requests == 32 && s->units == 4 * 32 && st.errors == 0,
              "1024 consecutive floats: expected 32 requests of 4 sectors and no errors, got %ld requests, %ld sectors, "
              "%d errors", s ? s->requests : -1, s ? s->units : -1, st.errors);
    st = crun_map(1024, 32, 1, &y);
    cusim_free(y);
    s = cusim_site(&st, map_load_line, CUSIM_GLOBAL_LOAD);
    cr_assert(s && s->requests == 32 && s->units == 32 * 32 && s->max_ways == 32,
              "lanes 32 floats apart: expected 32 sectors per request, got %ld sectors in %ld requests",
              s ? s->units : -1, s ? s->requests : -1);
    cr_assert(st.global_store_requests == 32 && st.global_store_sectors == 32 * 32, "stores: %ld sectors",
              st.global_store_sectors);
}

Test(cusim, out_of_bounds_is_reported_with_thread_and_block)
{
    float *y;
    cusim_stats_t st = crun_map(100, 1, 0, &y); /* 2 blocks of 64 threads, no guard: threads 100..127 */
    cusim_free(y);
    cr_assert(st.out_of_bounds == 2 * 28, "expected 28 out-of-bounds loads and 28 stores, got %d", st.out_of_bounds);
    cr_assert(st.n_messages >= 1 && strstr(st.messages[0], "thread (36,0,0) of block (1,0,0) reads x[100]") &&
              strstr(st.messages[0], "x has 100 elements"),
              "the first message should name thread (36,0,0) of block (1,0,0) and x[100], got: %s", st.messages[0]);
    st = crun_map(100, 1, 1, &y);
    cusim_free(y);
    cr_assert(st.errors == 0, "with the guard: expected no error, got %s", st.messages[0]);
}

/* A block sum in shared memory: barrier in the loop (right), none (race), or inside the branch
 * (divergence). */
typedef struct {
    float *out;
    const float *x;
    int variant;
} csum_args;

KERNEL void cusim_test_sum(float *out, const float *x, int variant)
{
    SHARED(float, buf, [128]);
    int t = threadIdx.x;
    ST(buf, t, LD(x, blockIdx.x * 128 + t));
    SYNC();
    for (int s = 64; s > 0; s /= 2) {
        if (t < s) {
            ST(buf, t, LD(buf, t) + LD(buf, t + s));
            if (variant == 2)
                SYNC();
        }
        if (variant == 0)
            SYNC();
    }
    if (t == 0)
        ST(out, blockIdx.x, LD(buf, 0));
}
static void csum_entry(void *p)
{
    csum_args *a = p;
    cusim_test_sum(a->out, a->x, a->variant);
}

static cusim_stats_t crun_sum(int variant, float *total)
{
    float *x = cusim_malloc(256 * 4, "x"), *out = cusim_malloc(2 * 4, "out");
    for (int i = 0; i < 256; i++)
        x[i] = (float)(i % 7);
    csum_args a = {out, x, variant};
    cusim_stats_t st;
    cr_assert(cusim_launch(&st, CUSIM_DIM3(2), CUSIM_DIM3(128), csum_entry, &a) == 0);
    *total = out[0] + out[1];
    cusim_free(x), cusim_free(out);
    return st;
}

Test(cusim, races_and_barrier_divergence)
{
    float total, expect = 0;
    for (int i = 0; i < 256; i++)
        expect += (float)(i % 7);
    cusim_stats_t st = crun_sum(0, &total);
    cr_assert(total == expect && st.errors == 0, "the correct sum: %g (expected %g), errors %d: %s", total, expect,
              st.errors, st.messages[0]);
    cr_assert(st.barriers == 2 * 8, "2 blocks x 8 barriers, got %ld", st.barriers);
    cr_assert(st.shared_max_ways == 1, "sequential addressing is conflict-free, got %d-way", st.shared_max_ways);
    st = crun_sum(1, &total); /* no barrier in the loop: fibers run in order, so the sum is right... */
    cr_assert(st.races > 0 && strstr(st.messages[0], "race on shared memory") && strstr(st.messages[0], "buf["),
              "no barrier in the loop: expected a race on buf, got %d races: %s", st.races, st.messages[0]);
    st = crun_sum(2, &total);
    cr_assert(st.divergences > 0 && strstr(st.messages[0], "barrier divergence"),
              "SYNC() inside if (t < s): expected barrier divergence, got: %s", st.messages[0]);
}

/* Reading a 32x32 tile down its columns: 32-way conflicts, none with a padded row. */
typedef struct {
    float *out;
    int pad;
} ctr_args;

KERNEL void cusim_test_transpose(float *out, int pad)
{
    SHARED(float, tile, [32 * 33]);
    int w = 32 + pad, r = threadIdx.y, c = threadIdx.x;
    ST(tile, r * w + c, (float)(r * 32 + c));
    SYNC();
    ST(out, r * 32 + c, LD(tile, c * w + r));
}
static void ctr_entry(void *p)
{
    ctr_args *a = p;
    cusim_test_transpose(a->out, a->pad);
}

Test(cusim, bank_conflicts_of_a_column_read)
{
    for (int pad = 0; pad <= 1; pad++) {
        float *out = cusim_malloc(1024 * 4, "out");
        ctr_args a = {out, pad};
        cusim_stats_t st;
        cr_assert(cusim_launch(&st, CUSIM_DIM3(1), CUSIM_DIM3(32, 32), ctr_entry, &a) == 0);
        for (int r = 0; r < 32; r++)
            for (int c = 0; c < 32; c++)
                cr_assert(out[r * 32 + c] == (float)(c * 32 + r), "transpose wrong at (%d, %d)", r, c);
        cr_assert(st.shared_load_requests == 32 && st.shared_load_wavefronts == (pad ? 32 : 32 * 32) &&
                  st.shared_store_wavefronts == 32 && st.errors == 0,
                  "pad %d: expected 32 load requests of %d wavefronts each, got %ld wavefronts in %ld requests", pad,
                  pad ? 1 : 32, st.shared_load_wavefronts, st.shared_load_requests);
        cusim_free(out);
    }
}

/* The tile of A in SGEMM steps 7 and 9 (gpu/sgemm/07_warptile.cuh, 09_async_swizzle.cuh), scalar:
 * a 128 x 16 tile stored transposed in shared memory by 128 threads, then read as the 4 warps of
 * the warp-tiled kernels read it (a thread's 8 rows of A at every k). layout 0: step 7 (a thread
 * stores the 4 consecutive k of a float4 of its row; it reads rows 8 t_row .. 8 t_row + 7).
 * layout 1: step 9 (a warp copies 4 rows x 8 consecutive k; element (k, m) goes to float4 slot
 * (m / 4) XOR (k mod 8) of row k, as as_index() there; a thread reads rows 4 t_row + {0..3} and
 * 32 + 4 t_row + {0..3}). out[t * 8 + i] = sum over k of (k + 1) * A[row i of thread t][k]. */
typedef struct {
    float *out;
    const float *A;
    int layout;
} catile_args;

DEVICE int catile_swizzled(int k, int m) { return k * 128 + ((((m >> 2) ^ (k & 7))) << 2) + (m & 3); }

KERNEL void cusim_test_atile(float *out, const float *A, int layout)
{
    SHARED(float, As, [16 * 128]);
    const int tid = threadIdx.x, warp_row = tid / 32 / 2, t_row = (tid % 32) / 4;
    if (layout == 0) {
        const int a_row = tid / 4, a_c4 = (tid % 4) * 4;
        for (int off = 0; off < 128; off += 32)
            for (int j = 0; j < 4; j++)
                ST(As, (a_c4 + j) * 128 + a_row + off, LD(A, (a_row + off) * 16 + a_c4 + j));
    } else {
        const int a_k = tid % 8, a_m = tid / 8;
        for (int kk = 0; kk < 16; kk += 8)
            for (int off = 0; off < 128; off += 16)
                ST(As, catile_swizzled(a_k + kk, a_m + off), LD(A, (a_m + off) * 16 + a_k + kk));
    }
    SYNC();
    float sum[8] = {0};
    for (int k = 0; k < 16; k++)
        for (int i = 0; i < 8; i++) {
            const int m = layout == 0 ? warp_row * 64 + t_row * 8 + i : warp_row * 64 + (i / 4) * 32 + t_row * 4 + i % 4;
            sum[i] += (float)(k + 1) * LD(As, layout == 0 ? k * 128 + m : catile_swizzled(k, m));
        }
    for (int i = 0; i < 8; i++)
        ST(out, tid * 8 + i, sum[i]);
}
static void catile_entry(void *p)
{
    catile_args *a = p;
    cusim_test_atile(a->out, a->A, a->layout);
}

Test(cusim, the_swizzled_tile_of_sgemm_step_9_has_no_bank_conflicts)
{
    float *A = cusim_malloc(128 * 16 * 4, "A"), *out = cusim_malloc(128 * 8 * 4, "out");
    for (int i = 0; i < 128 * 16; i++)
        A[i] = (float)(i % 37);
    for (int layout = 0; layout <= 1; layout++) {
        catile_args a = {out, A, layout};
        cusim_stats_t st;
        cr_assert(cusim_launch(&st, CUSIM_DIM3(1), CUSIM_DIM3(128), catile_entry, &a) == 0);
        for (int t = 0; t < 128; t++)
            for (int i = 0; i < 8; i++) {
                const int wr = t / 64, tr = (t % 32) / 4;
                const int m = layout == 0 ? wr * 64 + tr * 8 + i : wr * 64 + (i / 4) * 32 + tr * 4 + i % 4;
                float want = 0;
                for (int k = 0; k < 16; k++)
                    want += (float)(k + 1) * A[m * 16 + k];
                cr_assert(out[t * 8 + i] == want, "layout %d: thread %d row %d: %g, expected %g", layout, t, m,
                          out[t * 8 + i], want);
            }
        /* 4 warps x 16 stores; 4 warps x 16 k x 8 reads. Step 7: the 4 threads of a row store to one
         * bank (4-way), and rows 8 t_row and 8 (t_row + 4) read the same bank (2-way). Step 9: none. */
        const long ways_st = layout == 0 ? 4 : 1, ways_ld = layout == 0 ? 2 : 1;
        cr_assert(st.errors == 0, "layout %d: %s", layout, st.n_messages ? st.messages[0] : "");
        cr_assert(st.shared_store_requests == 64 && st.shared_store_wavefronts == 64 * ways_st,
                  "layout %d: expected 64 shared stores of %ld wavefronts each, got %ld wavefronts in %ld requests",
                  layout, ways_st, st.shared_store_wavefronts, st.shared_store_requests);
        cr_assert(st.shared_load_requests == 512 && st.shared_load_wavefronts == 512 * ways_ld,
                  "layout %d: expected 512 shared loads of %ld wavefronts each, got %ld wavefronts in %ld requests",
                  layout, ways_ld, st.shared_load_wavefronts, st.shared_load_requests);
    }
    cusim_free(A);
    cusim_free(out);
}

/* A warp sum with shuffles: every lane ends with the total. */
typedef struct {
    float *out;
} cshfl_args;

KERNEL void cusim_test_shuffle(float *out)
{
    float v = (float)threadIdx.x;
    for (int m = 16; m > 0; m /= 2)
        v += SHFL_XOR(v, m);
    ST(out, threadIdx.x, v);
}
static void cshfl_entry(void *p)
{
    cusim_test_shuffle(((cshfl_args *)p)->out);
}

Test(cusim, warp_shuffle_sums_a_warp)
{
    float *out = cusim_malloc(64 * 4, "out");
    cshfl_args a = {out};
    cusim_stats_t st;
    cr_assert(cusim_launch(&st, CUSIM_DIM3(1), CUSIM_DIM3(64), cshfl_entry, &a) == 0);
    for (int i = 0; i < 64; i++) {
        float w = i < 32 ? 496.0f : 496.0f + 32 * 32; /* 0+..+31 = 496; lanes 32..63: 496 + 32*32 */
        cr_assert(out[i] == w, "lane %d: %g, expected %g", i, out[i], w);
    }
    cr_assert(st.shuffles == 2 * 5 && st.errors == 0, "2 warps x 5 shuffles: %ld, errors %d", st.shuffles, st.errors);
    cusim_free(out);
}

Test(cusim, impossible_launches_are_refused)
{
    cshfl_args a = {NULL};
    cr_assert(cusim_launch(NULL, CUSIM_DIM3(1), CUSIM_DIM3(2048), cshfl_entry, &a) == -1, "2048 threads per block");
    cr_assert(cusim_launch(NULL, CUSIM_DIM3(0), CUSIM_DIM3(32), cshfl_entry, &a) == -1, "0 blocks");
}
