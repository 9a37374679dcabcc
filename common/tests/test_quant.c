/* Tests of quant.h and qgemm.h: scales and zero points worked out by hand, rounding and clamping,
 * per-channel scales, calibration and its errors, the straight-through estimator, stochastic
 * rounding's mean, and every int8 GEMM path this CPU has against the portable one, exactly, on odd
 * shapes. */
#include "qgemm.h"
#include "quant.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

Test(quant, symmetric_params_and_round_trip_by_hand)
{
    quant_params_t p;
    cr_assert_eq(quant_params_symmetric(&p, 2.54f, "w"), 0);
    cr_assert(fabsf(p.scale - 0.02f) < 1e-7f && p.zero_point == 0, "s = 2.54 / 127 = 0.02, z = 0; got %g, %d", p.scale,
              p.zero_point);
    /* 0.01 / 0.02 = 0.5 rounds to even 0; 0.03 / 0.02 = 1.5 rounds to 2; -0.05 / 0.02 = -2.5 to -2 */
    const float x[6] = {0.01f, 0.03f, -0.05f, 2.54f, 10.0f, -10.0f};
    const int8_t want[6] = {0, 2, -2, 127, 127, -128};
    p.scale = 0.02f; /* exactly the printed value, so that the halves above are exact halves in float */
    for (int i = 0; i < 6; i++)
        cr_assert_eq(quant_quantize_value(x[i], p), want[i], "q(%g) = %d, got %d", x[i], want[i],
                     quant_quantize_value(x[i], p));
    cr_assert(fabsf(quant_dequantize_value(-128, p) + 2.56f) < 1e-6f, "dequantize(-128) = -2.56");
}

Test(quant, asymmetric_params_by_hand)
{
    quant_params_t p;
    /* [0, 5.1]: s = 5.1 / 255 = 0.02, z = round(-128 - 0/0.02) = -128 (relu outputs use the whole grid) */
    cr_assert_eq(quant_params_asymmetric(&p, 0.0f, 5.1f, "a"), 0);
    cr_assert(fabsf(p.scale - 0.02f) < 1e-7f && p.zero_point == -128, "got s %g z %d", p.scale, p.zero_point);
    cr_assert_eq(quant_quantize_value(0.0f, p), -128, "the real 0 is q = z exactly");
    cr_assert_eq(quant_quantize_value(5.1f, p), 127);
    /* [-1, 3]: s = 4/255, z = round(-128 + 255/4) = round(-64.25) = -64 */
    cr_assert_eq(quant_params_asymmetric(&p, -1.0f, 3.0f, "a"), 0);
    cr_assert(p.zero_point == -64, "z = -64, got %d", p.zero_point);
    /* [1, 3] is widened to [0, 3] so that 0 stays exactly representable */
    cr_assert_eq(quant_params_asymmetric(&p, 1.0f, 3.0f, "a"), 0);
    cr_assert(p.zero_point == -128 && fabsf(p.scale - 3.0f / 255) < 1e-8f, "got s %g z %d", p.scale, p.zero_point);
    float back = quant_dequantize_value(quant_quantize_value(0.0f, p), p);
    cr_assert(back == 0.0f, "0 -> %g", back);
}

static void zero_range(void *arg)
{
    (void)arg;
    quant_params_t p;
    exit(quant_params_asymmetric(&p, 0.0f, 0.0f, "conv1 input") == -1 ? 7 : 0);
}

Test(quant, zero_range_and_empty_set_are_reported)
{
    char buf[2048];
    cr_assert_eq(capture_stderr(zero_range, NULL, buf, sizeof buf), 7);
    cr_assert(strstr(buf, "conv1 input") && strstr(buf, "hint:") && strstr(buf, "all-zero"), "message: %s", buf);
    quant_params_t p;
    float lo, hi, x = NAN;
    cr_assert_eq(quant_params_symmetric(&p, 0.0f, "w"), -1);
    cr_assert_eq(quant_calibrate_minmax(&lo, &hi, &x, 0), -1);
    cr_assert_eq(quant_calibrate_minmax(&lo, &hi, &x, 1), -1, "a NaN in the calibration set");
    cr_assert_eq(quant_calibrate_percentile(&lo, &hi, &x, 0, 99.0f), -1);
}

Test(quant, calibration_minmax_and_percentile)
{
    float x[1000], scratch[1000], lo, hi, a;
    for (int i = 0; i < 1000; i++)
        x[i] = (float)(i % 2 ? i : -i) / 1000.0f; /* |x| = 0, 0.001, ..., 0.999 */
    x[500] = 50.0f;                               /* one outlier */
    cr_assert_eq(quant_calibrate_minmax(&lo, &hi, x, 1000), 0);
    cr_assert(lo == -0.998f && hi == 50.0f, "min %g max %g", lo, hi);
    cr_assert_eq(quant_calibrate_percentile(&a, scratch, x, 1000, 99.0f), 0);
    /* nearest rank 990 of the sorted |x| (0 .. 0.999 without 0.5, then 50) is 0.990 */
    cr_assert(fabsf(a - 0.990f) < 1e-6f, "99th percentile of |x|: 0.990, got %g", a);
    cr_assert_eq(quant_calibrate_percentile(&a, scratch, x, 1000, 100.0f), 0);
    cr_assert(a == 50.0f, "the 100th percentile is the max, got %g", a);
}

Test(quant, per_channel_scales_follow_each_row)
{
    const float w[6] = {0.012f, -0.02f, 0.005f, 1.2f, -2.0f, 0.5f}; /* two rows, 100x apart */
    int8_t q[6];
    quant_params_t p[2];
    quant_per_channel(q, p, w, 2, 3);
    cr_assert(fabsf(p[0].scale - 0.02f / 127) < 1e-9f && fabsf(p[1].scale - 2.0f / 127) < 1e-7f, "scales %g %g",
              p[0].scale, p[1].scale);
    /* 0.012 / 0.02 * 127 = 76.2, 0.005 / 0.02 * 127 = 31.75 */
    cr_assert(q[1] == -127 && q[4] == -127 && q[0] == 76 && q[3] == 76 && q[2] == 32 && q[5] == 32, "q = %d %d %d / %d %d %d", q[0], q[1], q[2],
              q[3], q[4], q[5]);
    /* with one scale for both rows, row 0 keeps almost nothing: 0.762 -> 1, 0.3175 -> 0 */
    quant_params_t t;
    cr_assert_eq(quant_params_symmetric(&t, 2.0f, "w"), 0);
    cr_assert(quant_quantize_value(w[0], t) == 1 && quant_quantize_value(w[2], t) == 0);
}

Test(quant, fake_quant_and_straight_through_estimator)
{
    quant_params_t p = {0.5f, 10}; /* range [0.5 (-138), 0.5 (117)] = [-69, 58.5] */
    const float x[5] = {-70.0f, -69.0f, 0.3f, 58.5f, 60.0f};
    float y[5], dy[5] = {1, 2, 3, 4, 5}, dx[5];
    quant_fake_forward(y, x, 5, p);
    cr_assert(y[0] == -69.0f && y[2] == 0.5f && y[4] == 58.5f, "y = %g %g %g", y[0], y[2], y[4]);
    quant_fake_backward(dx, dy, x, 5, p);
    const float want[5] = {0, 2, 3, 4, 0};
    for (int i = 0; i < 5; i++)
        cr_assert(dx[i] == want[i], "STE at x = %g: %g, got %g", x[i], want[i], dx[i]);
}

Test(quant, stochastic_rounding_is_unbiased)
{
    rng_t rng;
    rng_seed(&rng, 3);
    enum { N = 20000 };
    static float x[N];
    static int8_t q[N];
    for (int i = 0; i < N; i++)
        x[i] = 0.3f; /* 0.3 / 1: nearest rounding always gives 0; stochastic gives 1 three times in ten */
    quant_quantize_stochastic(q, x, N, (quant_params_t){1.0f, 0}, &rng);
    double mean = 0;
    for (int i = 0; i < N; i++)
        mean += q[i];
    mean /= N;
    /* a binomial mean with p = 0.3: standard error sqrt(0.21 / 20000) = 0.0032; 5 of them */
    cr_assert(fabs(mean - 0.3) < 0.016, "mean of the stochastic roundings of 0.3: 0.3, got %g", mean);
}

static void fill_random(int8_t *v, size_t n, rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (int8_t)((int)rng_below(rng, 256) - 128);
}

Test(qgemm, every_path_equals_portable_on_odd_shapes)
{
    static const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {4, 4, 64}, {5, 9, 65}, {7, 3, 130}, {17, 13, 400},
                                    {2, 300, 33}, {9, 261, 129}, {33, 31, 1000}, {0, 3, 5}, {3, 4, 0}};
    rng_t rng;
    rng_seed(&rng, 11);
    int tested = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        int8_t *A = malloc((size_t)M * K + 1), *B = malloc((size_t)N * K + 1);
        int32_t *ref = malloc(((size_t)M * N + 1) * 4), *got = malloc(((size_t)M * N + 1) * 4);
        fill_random(A, (size_t)M * K, &rng);
        fill_random(B, (size_t)N * K, &rng);
        if (M * K > 0)
            A[0] = -128;
        if (N * K > 0)
            B[0] = -128; /* the corner of the range: -128 * -128 */
        cr_assert_eq(qgemm_s8_path(QGEMM_PORTABLE, ref, A, B, M, N, K), 0);
        if (M > 0 && N > 0 && K > 0) { /* the portable path against a double-checked dot product */
            long d = 0;
            for (int k = 0; k < K; k++)
                d += (long)A[(size_t)(M - 1) * K + k] * B[(size_t)(N - 1) * K + k];
            cr_assert_eq(ref[(size_t)M * N - 1], d);
        }
        for (int p = 1; p < QGEMM_PATHS; p++) {
            if (!qgemm_available((qgemm_path_t)p))
                continue;
            cr_assert_eq(qgemm_s8_path((qgemm_path_t)p, got, A, B, M, N, K), 0);
            for (int i = 0; i < M * N; i++)
                cr_assert_eq(got[i], ref[i], "path %s, shape M=%d N=%d K=%d, output %d: %d, portable %d",
                             qgemm_path_name((qgemm_path_t)p), M, N, K, i, got[i], ref[i]);
            tested++;
        }
        free(A), free(B), free(ref), free(got);
    }
    cr_log_info("qgemm paths tested against the portable one: %d shape x path pairs", tested);
}

Test(qgemm, extremes_accumulate_exactly_in_int32)
{
    enum { K = 4096 }; /* 4096 * 16384 = 2^26: far beyond int16, exact in int32 */
    static int8_t A[2 * K], B[3 * K];
    static int32_t C[6], R[6];
    for (int k = 0; k < 2 * K; k++)
        A[k] = k < K ? -128 : 127;
    for (int k = 0; k < 3 * K; k++)
        B[k] = k < K ? -128 : k < 2 * K ? 127 : -127;
    for (int p = 0; p < QGEMM_PATHS; p++) {
        if (!qgemm_available((qgemm_path_t)p))
            continue;
        qgemm_s8_path((qgemm_path_t)p, C, A, B, 2, 3, K);
        const int32_t want[6] = {K * 16384, -K * 16256, K * 16256, -K * 16256, K * 16129, -K * 16129};
        for (int i = 0; i < 6; i++)
            cr_assert_eq(C[i], want[i], "path %s output %d", qgemm_path_name((qgemm_path_t)p), i);
    }
    qgemm_s8(R, A, B, 2, 3, K);
    cr_assert_eq(memcmp(R, C, sizeof C), 0, "qgemm_s8 (best path %s)", qgemm_path_name(qgemm_best_path()));
}
