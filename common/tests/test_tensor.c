/* Tests of arena.h, tensor.h and matmul.h. */
#include "arena.h"
#include "matmul.h"
#include "rng.h"
#include "tensor.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

Test(arena, aligned_zeroed_and_reset)
{
    arena_t a = arena_new(1 << 16);
    float *x = arena_floats(&a, 3);
    char *c = arena_alloc(&a, 1);
    float *y = arena_floats(&a, 5);
    cr_assert_eq((uintptr_t)x % 64, 0, "allocations are 64-byte aligned");
    cr_assert_eq((uintptr_t)y % 64, 0, "allocations are 64-byte aligned after an odd size");
    cr_assert(c > (char *)x && (char *)y > c, "allocations do not overlap");
    cr_assert(y[0] == 0 && y[4] == 0, "arena_floats zeroes");
    size_t mark = arena_mark(&a);
    arena_floats(&a, 100);
    arena_release(&a, mark);
    cr_assert_eq(arena_mark(&a), mark, "release returns to the mark");
    arena_reset(&a);
    cr_assert_eq(arena_floats(&a, 1), x, "after reset the first allocation comes back");
    cr_assert_geq(a.peak, 3 * 64 + 400, "peak remembers the largest use (%zu)", a.peak);
    arena_free(&a);
}

static void overflow(void *unused)
{
    (void)unused;
    arena_t a = arena_new(1024);
    arena_alloc(&a, 2048);
}

Test(arena, overflow_is_a_clear_error)
{
    char err[2048];
    int status = capture_stderr(overflow, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "arena_alloc past the capacity must stop the program with status 1 (got %d)", status);
    cr_assert(strstr(err, "arena full: asked for 2048 bytes") && strstr(err, "hint:"), "got: %s", err);
}

Test(tensor, shape_size_and_rows)
{
    tensor_t t = tensor_new(NULL, 3, (int[]){2, 3, 4});
    char buf[64];
    cr_assert_eq(tensor_size(t), 24);
    cr_assert_eq(tensor_rows(t), 6, "a (2,3,4) tensor is 6 rows of 4 as a matrix");
    cr_assert_eq(tensor_cols(t), 4);
    cr_assert_str_eq(tensor_shape_str(t, buf), "(2, 3, 4)");
    tensor_free(&t);
}

static void add_mismatched(void *unused)
{
    (void)unused;
    tensor_t a = tensor_new(NULL, 2, (int[]){2, 3}), b = tensor_new(NULL, 2, (int[]){3, 2});
    tensor_check_same("add", a, b);
}

Test(tensor, mismatch_message_names_op_and_shapes)
{
    char err[2048];
    int status = capture_stderr(add_mismatched, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "a shape mismatch exits with status 1 (got %d)", status);
    cr_assert(strstr(err, "add: shape mismatch: (2, 3) vs (3, 2)"), "message names the op and both shapes: %s", err);
    cr_assert(strstr(err, "hint:"), "message carries a hint: %s", err);
}

static void wrong_cols(void *unused)
{
    (void)unused;
    tensor_t a = tensor_new(NULL, 2, (int[]){2, 3});
    tensor_check_shape("linear_forward", "x", a, 2, (int[]){-1, 3}); /* fine: any rows, 3 cols */
    tensor_check_shape("linear_forward", "x", a, 2, (int[]){-1, 4});
}

Test(tensor, check_shape_accepts_wildcards_and_reports_expected)
{
    char err[2048];
    int status = capture_stderr(wrong_cols, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "a wrong shape exits with status 1 (got %d)", status);
    cr_assert(strstr(err, "linear_forward: x has shape (2, 3), expected (*, 4)"), "got: %s", err);
}

/* beta = 0 means C's old values are not read (not even a NaN), and with a row stride ldc > N the
 * floats between the rows are left alone: matmul_blas_ld zeroes the (M, N) block itself. */
Test(matmul, beta_zero_ignores_c_and_keeps_the_gaps_between_rows)
{
    enum { M = 5, N = 3, K = 4, LDC = 7 };
    float A[M * K], B[K * N], C[M * LDC], want[M * N];
    for (int i = 0; i < M * K; i++) A[i] = (float)(i % 5) - 2;
    for (int i = 0; i < K * N; i++) B[i] = (float)(i % 3) + 0.5f;
    for (int i = 0; i < M * LDC; i++) C[i] = i % LDC < N ? NAN : 99.0f;
    matmul_naive(0, 0, M, N, K, 1.0f, A, B, 0.0f, want);
    matmul_blas_ld(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, LDC);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < LDC; j++)
            if (j < N)
                cr_assert_eq(C[i * LDC + j], want[i * N + j], "C[%d][%d] = %g, expected %g", i, j, C[i * LDC + j],
                             want[i * N + j]);
            else
                cr_assert_eq(C[i * LDC + j], 99.0f, "C[%d][%d], outside the block, was written: %g", i, j,
                             C[i * LDC + j]);
}

Test(matmul, sgemm_matches_naive_in_all_transpose_modes)
{
    rng_t r;
    rng_seed(&r, 5);
    enum { M = 37, N = 23, K = 51 };
    float A[M * K], B[K * N], C1[M * N], C2[M * N];
    for (int i = 0; i < M * K; i++) A[i] = rng_normal(&r);
    for (int i = 0; i < K * N; i++) B[i] = rng_normal(&r);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            for (int i = 0; i < M * N; i++) C1[i] = C2[i] = (float)i / 100;
            /* the same memory read as (K,M)/(N,K) when transposed: still a valid test of layout */
            matmul_blas(ta, tb, M, N, K, 0.5f, A, B, 2.0f, C1);
            matmul_naive(ta, tb, M, N, K, 0.5f, A, B, 2.0f, C2);
            float err = 0;
            for (int i = 0; i < M * N; i++) err = fmaxf(err, fabsf(C1[i] - C2[i]));
            /* sums of 51 products of N(0,1) numbers: float rounding stays below 1e-4 */
            cr_assert_lt(err, 1e-4f, "transA=%d transB=%d: max |sgemm - naive| = %g", ta, tb, err);
        }
}
