/* Tests of vmath.h: vmath_exp against libm's double exp on a fine grid, its limits and NaN; and
 * the code that VMATH_CLONES compiles once per vector width, as the loader picked it on this CPU
 * (AVX-512 or AVX2 if it has them): the LSTM cell against the same formulas computed one element
 * at a time here, and the LSTM and GRU layers against their portable versions, which this file
 * compiles from lstm.c and gru.c with VMATH_CLONES empty (baseline instructions, no dispatch),
 * their public names renamed so that they sit beside the library's. */
#include "gru.h"
#include "lstm.h"
#include "parallel.h"
#include "rng.h"
#include "rnn.h"

#define VMATH_CLONES
#define lstm_cache_new portable_lstm_cache_new
#define lstm_cache_free portable_lstm_cache_free
#define lstm_output portable_lstm_output
#define lstm_last_h portable_lstm_last_h
#define lstm_last_c portable_lstm_last_c
#define lstm_cell_pointwise portable_lstm_cell_pointwise
#define lstm_forward portable_lstm_forward
#define lstm_backward portable_lstm_backward
#define gru_cache_new portable_gru_cache_new
#define gru_cache_free portable_gru_cache_free
#define gru_output portable_gru_output
#define gru_forward portable_gru_forward
#define gru_backward portable_gru_backward
#include "gru.c"
#include "lstm.c"
#undef lstm_cache_new
#undef lstm_cache_free
#undef lstm_output
#undef lstm_last_h
#undef lstm_last_c
#undef lstm_cell_pointwise
#undef lstm_forward
#undef lstm_backward
#undef gru_cache_new
#undef gru_cache_free
#undef gru_output
#undef gru_forward
#undef gru_backward
#include "vmath.h" /* included by lstm.c already, with VMATH_CLONES empty */

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

/* Cephes' polynomial is good to about 1 ulp on the reduced range; the reduction and the scaling
 * add at most about one more: 2.5e-7 relative is 2 ulp of float. */
Test(vmath, exp_matches_libm_within_2_ulp)
{
    double worst = 0, worst_x = 0;
    for (int i = -873000; i <= 873000; i++) {
        float x = (float)i * 1e-4f;
        double want = exp((double)x), err = fabs((double)vmath_exp(x) - want) / want;
        if (err > worst) worst = err, worst_x = x;
    }
    cr_assert(worst <= 2.5e-7, "vmath_exp is %.3g (relative) from exp at x = %g: expected within 2.5e-7", worst,
              worst_x);
}

/* Beyond +-87.3 the result is e^{+-87.3}, finite and normal; NaN stays NaN (the clamp must not hide
 * it); the sigmoid and tanh reach their limits. */
Test(vmath, limits_and_nan)
{
    float big = vmath_exp(1000.0f), small = vmath_exp(-1000.0f);
    cr_assert(isfinite(big) && big > 8e37f && isnormal(small) && small < 1.3e-38f,
              "vmath_exp(+-1000) = %g, %g: expected e^87.3 = 8.1e37 and e^-87.3 = 1.2e-38", big, small);
    cr_assert(vmath_exp(INFINITY) == big && vmath_exp(-INFINITY) == small,
              "vmath_exp(+-inf) = %g, %g: expected the clamped values %g, %g", vmath_exp(INFINITY),
              vmath_exp(-INFINITY), big, small);
    cr_assert(isnan(vmath_exp(NAN)) && isnan(vmath_exp(-NAN)) && isnan(vmath_sigmoid(NAN)) && isnan(vmath_tanh(NAN)),
              "a NaN input must give NaN (exp %g, sigmoid %g, tanh %g)", vmath_exp(NAN), vmath_sigmoid(NAN),
              vmath_tanh(NAN));
    cr_assert(vmath_tanh(100.0f) == 1.0f && vmath_tanh(-100.0f) == -1.0f && vmath_sigmoid(100.0f) == 1.0f,
              "tanh(+-100) = %.9g, %.9g and sigmoid(100) = %.9g: expected exactly 1, -1, 1", vmath_tanh(100.0f),
              vmath_tanh(-100.0f), vmath_sigmoid(100.0f));
    cr_assert(vmath_sigmoid(-100.0f) >= 0 && vmath_sigmoid(-100.0f) < 1e-37f, "sigmoid(-100) = %g: expected ~0",
              vmath_sigmoid(-100.0f));
    double worst = 0;
    for (int i = -100000; i <= 100000; i++) {
        float x = (float)i * 1e-4f;
        double e = fmax(fabs(vmath_tanh(x) - tanh((double)x)), fabs(vmath_sigmoid(x) - 1 / (1 + exp(-(double)x))));
        worst = fmax(worst, e);
    }
    cr_assert(worst <= 2.5e-7, "vmath_tanh or vmath_sigmoid is %.3g from the double formula on [-10, 10]: "
              "expected within 2.5e-7", worst);
}

/* lstm_cell_pointwise (compiled for each vector width, picked at load) against the same formulas
 * element by element. H = 37: two blocks of 16 and a tail of 5. Equal up to the last bits a fused
 * multiply-add changes where the CPU has one: 1e-6 absolute on values of order 1. */
Test(vmath, lstm_cell_matches_the_scalar_formulas)
{
    enum { B = 3, H = 37 };
    float pre[B * 4 * H], ref[B * 4 * H], c[B * H], tc[B * H], h[B * H], cp[B * H];
    rng_t rng;
    rng_seed(&rng, 5);
    for (int i = 0; i < B * 4 * H; i++) pre[i] = ref[i] = 3.0f * rng_normal(&rng);
    for (int i = 0; i < B * H; i++) cp[i] = 2.0f * rng_normal(&rng);
    lstm_cell_pointwise(pre, c, tc, h, cp, B, H);
    for (int r = 0; r < B; r++)
        for (int j = 0; j < H; j++) {
            float *a = ref + r * 4 * H;
            int k = r * H + j;
            float i = vmath_sigmoid(a[j]), f = vmath_sigmoid(a[H + j]), g = vmath_tanh(a[2 * H + j]);
            float o = vmath_sigmoid(a[3 * H + j]), cn = f * cp[k] + i * g, t = vmath_tanh(cn);
            float want[7] = {i, f, g, o, cn, t, o * t};
            float got[7] = {pre[r * 4 * H + j], pre[r * 4 * H + H + j], pre[r * 4 * H + 2 * H + j],
                            pre[r * 4 * H + 3 * H + j], c[k], tc[k], h[k]};
            for (int q = 0; q < 7; q++)
                cr_assert(fabsf(got[q] - want[q]) <= 1e-6f * (1 + fabsf(want[q])),
                          "row %d, unit %d, value %d (i f g o c tanh(c) h): scalar %.9g, vector path %.9g", r, j, q,
                          want[q], got[q]);
        }
}

/* rnn_sum_rows splits the columns into blocks and over the threads (parallel.h): each column must
 * still be summed over the rows in order, the same bits as the plain double loop. */
Test(vmath, sum_rows_is_the_plain_loop_bit_for_bit)
{
    enum { ROWS = 300, N = 1000 + 5 };
    float *dy = malloc(sizeof(float) * ROWS * N), db[N];
    rng_t rng;
    rng_seed(&rng, 9);
    for (int i = 0; i < ROWS * N; i++) dy[i] = rng_normal(&rng);
    rnn_sum_rows(db, dy, ROWS, N);
    for (int j = 0; j < N; j++) {
        float s = 0;
        for (int i = 0; i < ROWS; i++) s += dy[i * N + j];
        cr_assert(db[j] == s, "column %d: the plain loop gives %.9g, rnn_sum_rows %.9g (on %d threads)", j, s, db[j],
                  parallel_threads());
    }
    free(dy);
}

/* The whole layers, forward and backward, as the loader dispatched them (AVX-512 or AVX2 where the
 * CPU has it) against the portable versions compiled above: H = 37 (two blocks of 16 and a tail
 * of 5), T = 3 steps. Only fused multiply-adds may differ: 1e-5 relative (plus 1e-5). */
static void expect_same(const char *what, const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabsf(got[i] - want[i]) <= 1e-5f * (1 + fabsf(want[i])),
                  "%s[%zu]: portable version %.9g, dispatched version %.9g", what, i, want[i], got[i]);
}

Test(vmath, lstm_and_gru_layers_match_their_portable_versions)
{
    enum { T = 3, B = 2, D = 4, H = 37 };
    static float x[T * B * D], Wx[D * 4 * H], Wh[H * 4 * H], b[4 * H], bh[3 * H], h0[B * H], c0[B * H],
        R[T * B * H], g1[5][H * 4 * H], g2[5][H * 4 * H];
    rng_t rng;
    rng_seed(&rng, 21);
    float *all[] = {x, Wx, Wh, b, bh, h0, c0, R};
    size_t n[] = {T * B * D, D * 4 * H, H * 4 * H, 4 * H, 3 * H, B * H, B * H, T * B * H};
    for (int k = 0; k < 8; k++)
        for (size_t i = 0; i < n[k]; i++)
            all[k][i] = 0.5f * rng_normal(&rng);
    lstm_cache_t d = lstm_cache_new(T, B, D, H), p = portable_lstm_cache_new(T, B, D, H);
    lstm_forward(&d, x, Wx, Wh, b, h0, c0);
    portable_lstm_forward(&p, x, Wx, Wh, b, h0, c0);
    expect_same("lstm h", d.h, p.h, (size_t)(T + 1) * B * H);
    expect_same("lstm c", d.c, p.c, (size_t)(T + 1) * B * H);
    lstm_backward(g1[0], g1[1], g1[2], g1[3], g1[4], NULL, &d, R, x, Wx, Wh);
    portable_lstm_backward(g2[0], g2[1], g2[2], g2[3], g2[4], NULL, &p, R, x, Wx, Wh);
    size_t ng[] = {T * B * D, D * 4 * H, H * 4 * H, 4 * H, B * H};
    const char *names[] = {"lstm dx", "lstm dWx", "lstm dWh", "lstm db", "lstm dh0"};
    for (int k = 0; k < 5; k++)
        expect_same(names[k], g1[k], g2[k], ng[k]);
    lstm_cache_free(&d), portable_lstm_cache_free(&p);

    gru_cache_t gd = gru_cache_new(T, B, D, H), gp = portable_gru_cache_new(T, B, D, H);
    gru_forward(&gd, x, Wx, Wh, b, bh, h0);
    portable_gru_forward(&gp, x, Wx, Wh, b, bh, h0);
    expect_same("gru h", gd.h, gp.h, (size_t)(T + 1) * B * H);
    gru_backward(g1[0], g1[1], g1[2], g1[3], g1[4], NULL, &gd, R, x, Wx, Wh);
    portable_gru_backward(g2[0], g2[1], g2[2], g2[3], g2[4], NULL, &gp, R, x, Wx, Wh);
    size_t ngr[] = {T * B * D, D * 3 * H, H * 3 * H, 3 * H, 3 * H};
    const char *gnames[] = {"gru dx", "gru dWx", "gru dWh", "gru dbx", "gru dbh"};
    for (int k = 0; k < 5; k++)
        expect_same(gnames[k], g1[k], g2[k], ngr[k]);
    gru_cache_free(&gd), portable_gru_cache_free(&gp);
}
