/* Tests of conv.h, pool.h and lenet.h: the im2col convolution against the direct (naive) one and
 * against PyTorch (golden/make_conv_golden.py), every backward against centered differences with
 * a random upstream gradient, col2im as the adjoint of im2col, and the shape errors. */
#include "capture.h"
#include "conv.h"
#include "golden/conv_golden.h"
#include "gradcheck.h"
#include "lenet.h"
#include "loss.h"
#include "matmul.h"
#include "pool.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static float *randn(size_t n, rng_t *rng)
{
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = rng_normal(rng);
    return v;
}

static float max_diff(const float *a, const float *b, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmaxf(m, fabsf(a[i] - b[i]));
    return m;
}

/* B, C, H, W, OC, K, stride, pad, dilation */
static const int SHAPES[][9] = {
    {2, 3, 7, 6, 4, 3, 1, 0, 1}, {2, 2, 8, 7, 3, 3, 2, 1, 1}, {1, 2, 9, 9, 2, 3, 1, 2, 2},
    {3, 1, 6, 5, 2, 5, 3, 2, 1}, {2, 4, 5, 5, 3, 1, 1, 0, 1}, {1, 2, 11, 4, 2, 2, 3, 1, 3},
};
#define NSHAPES (int)(sizeof SHAPES / sizeof *SHAPES)

static conv_shape_t shape_of(const int *v)
{
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, v[0], v[1], v[2], v[3], v[4], v[5], v[5], v[6], v[7], v[8]) == 0);
    return s;
}

Test(conv, out_size_arithmetic)
{
    cr_assert_eq(conv_out_size(28, 5, 1, 2, 1, "h"), 28);
    cr_assert_eq(conv_out_size(28, 5, 1, 0, 1, "h"), 24);
    cr_assert_eq(conv_out_size(7, 3, 2, 1, 1, "h"), 4);  /* (7 + 2 - 3) / 2 + 1 */
    cr_assert_eq(conv_out_size(8, 3, 2, 1, 1, "h"), 4);  /* floor(7 / 2) + 1 */
    cr_assert_eq(conv_out_size(9, 3, 1, 2, 2, "h"), 9);  /* extent 5, (9 + 4 - 5) + 1 */
    cr_assert_eq(conv_out_size(5, 5, 1, 0, 1, "h"), 1);
}

static void bad_kernel(void *arg)
{
    (void)arg;
    conv_shape_t s;
    exit(conv_shape_init(&s, 1, 1, 4, 4, 1, 5, 5, 1, 0, 1) == -1 ? 7 : 0);
}

static void bad_stride(void *arg)
{
    (void)arg;
    conv_shape_t s;
    exit(conv_shape_init(&s, 1, 1, 8, 8, 1, 3, 3, 0, 1, 1) == -1 ? 7 : 0);
}

static void bad_pool(void *arg)
{
    (void)arg;
    exit(pool_out_size(3, 4, 1) == -1 && pool_out_size(8, 2, 0) == -1 ? 7 : 0);
}

Test(conv, shapes_that_do_not_fit_are_reported_and_returned)
{
    char err[2048];
    int st = capture_stderr(bad_kernel, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "a 5x5 kernel on a 4x4 input: expected -1 from conv_shape_init, status %d", st);
    cr_assert(strstr(err, "larger than the padded input") && strstr(err, "hint:"), "message: %s", err);
    st = capture_stderr(bad_stride, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "stride 0: expected -1, status %d", st);
    cr_assert(strstr(err, "stride 0") && strstr(err, "hint:"), "message: %s", err);
    st = capture_stderr(bad_pool, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "pooling window larger than input / stride 0: expected -1, status %d", st);
    cr_assert(strstr(err, "larger than the input"), "message: %s", err);
}

Test(conv, im2col_forward_matches_the_direct_convolution)
{
    rng_t rng;
    rng_seed(&rng, 1);
    for (int t = 0; t < NSHAPES; t++) {
        conv_shape_t s = shape_of(SHAPES[t]);
        size_t nx = (size_t)s.B * s.C * s.H * s.W, ny = conv_out_count(&s);
        float *x = randn(nx, &rng), *w = randn(conv_weight_count(&s), &rng), *b = randn(s.OC, &rng);
        float *y = malloc(ny * sizeof(float)), *y0 = malloc(ny * sizeof(float));
        float *work = malloc(conv_work_size(&s) * sizeof(float));
        conv2d_forward(y, work, x, w, b, &s);
        conv2d_forward_naive(y0, x, w, b, &s);
        float d = max_diff(y, y0, ny);
        cr_assert(d < 1e-4f, "shape %d: im2col vs direct differ by %g", t, d);
        free(x), free(w), free(b), free(y), free(y0), free(work);
    }
}

Test(conv, col2im_is_the_adjoint_of_im2col)
{
    /* <im2col(x), c> = <x, col2im(c)> for every x, c: col2im is im2col's transpose. */
    rng_t rng;
    rng_seed(&rng, 2);
    for (int t = 0; t < NSHAPES; t++) {
        conv_shape_t s = shape_of(SHAPES[t]);
        size_t nx = (size_t)s.B * s.C * s.H * s.W, nc = conv_cols_size(&s);
        float *x = randn(nx, &rng), *c = randn(nc, &rng), *cols = malloc(nc * sizeof(float)),
              *dx = malloc(nx * sizeof(float));
        conv_im2col(cols, x, &s);
        conv_col2im(dx, c, &s);
        double lhs = gradcheck_dot(cols, c, nc), rhs = gradcheck_dot(x, dx, nx);
        cr_assert(fabs(lhs - rhs) < 1e-3 * (1 + fabs(lhs)), "shape %d: <im2col x, c> = %g but <x, col2im c> = %g",
                  t, lhs, rhs);
        free(x), free(c), free(cols), free(dx);
    }
}

Test(conv, a_batch_split_into_chunks_matches_the_direct_convolution)
{
    /* (8*25 + 8) * 24*24 floats per image: more than CONV_CHUNK_BYTES / 2, so one image per chunk */
    rng_t rng;
    rng_seed(&rng, 6);
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, 5, 8, 24, 24, 8, 5, 5, 1, 2, 1) == 0);
    cr_assert(conv_work_size(&s) < conv_cols_size(&s) / 2, "expected several chunks");
    size_t nx = (size_t)s.B * s.C * s.H * s.W, ny = conv_out_count(&s), nw = conv_weight_count(&s);
    float *x = randn(nx, &rng), *w = randn(nw, &rng), *b = randn(s.OC, &rng), *dy = randn(ny, &rng);
    float *y = malloc(ny * sizeof(float)), *y0 = malloc(ny * sizeof(float));
    float *dx = malloc(nx * sizeof(float)), *dx0 = malloc(nx * sizeof(float));
    float *dw = malloc(nw * sizeof(float)), *dw0 = malloc(nw * sizeof(float)), db[8], db0[8];
    float *work = malloc(conv_work_size(&s) * sizeof(float));
    conv2d_forward(y, work, x, w, b, &s);
    conv2d_forward_naive(y0, x, w, b, &s);
    conv2d_backward(dx, dw, db, work, dy, x, w, &s);
    conv2d_backward_naive(dx0, dw0, db0, dy, x, w, &s);
    cr_assert(max_diff(y, y0, ny) < 1e-3f, "forward differs by %g", max_diff(y, y0, ny));
    cr_assert(max_diff(dx, dx0, nx) < 1e-3f, "dx differs by %g", max_diff(dx, dx0, nx));
    cr_assert(max_diff(dw, dw0, nw) < 1e-2f, "dw (sums of 14,400 products) differs by %g", max_diff(dw, dw0, nw));
    cr_assert(max_diff(db, db0, 8) < 1e-2f, "db differs by %g", max_diff(db, db0, 8));
    free(x), free(w), free(b), free(dy), free(y), free(y0), free(dx), free(dx0), free(dw), free(dw0), free(work);
}

Test(conv, a_batch_split_between_two_threads_matches_the_direct_convolution_and_repeats_exactly)
{
    /* LeNet's second layer on 7 images: above CONV_SPLIT_FLOPS, so images 0-2 and 3-6 run on two
     * threads; an odd batch checks the uneven halves, and a second call the fixed order of the sums */
    rng_t rng;
    rng_seed(&rng, 8);
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, 7, 6, 14, 14, 16, 5, 5, 1, 0, 1) == 0);
    cr_assert(conv_forward_flops(&s) >= CONV_SPLIT_FLOPS, "expected a split batch");
    size_t nx = (size_t)s.B * s.C * s.H * s.W, ny = conv_out_count(&s), nw = conv_weight_count(&s);
    float *x = randn(nx, &rng), *w = randn(nw, &rng), *b = randn(s.OC, &rng), *dy = randn(ny, &rng);
    float *y[2], *dx[2], *dw[2], db[2][16], *y0 = malloc(ny * sizeof(float));
    float *dx0 = malloc(nx * sizeof(float)), *dw0 = malloc(nw * sizeof(float)), db0[16];
    float *work = malloc(conv_work_size(&s) * sizeof(float));
    const int threads = matmul_set_threads(2);
    for (int k = 0; k < 2; k++) {
        y[k] = malloc(ny * sizeof(float)), dx[k] = malloc(nx * sizeof(float)), dw[k] = malloc(nw * sizeof(float));
        conv2d_forward(y[k], work, x, w, b, &s);
        conv2d_backward(dx[k], dw[k], db[k], work, dy, x, w, &s);
    }
    cr_assert(matmul_set_threads(threads) == 2, "the layers did not give OpenBLAS its threads back");
    conv2d_forward_naive(y0, x, w, b, &s);
    conv2d_backward_naive(dx0, dw0, db0, dy, x, w, &s);
    cr_assert(max_diff(y[0], y0, ny) < 1e-3f, "forward differs by %g", max_diff(y[0], y0, ny));
    cr_assert(max_diff(dx[0], dx0, nx) < 1e-3f, "dx differs by %g", max_diff(dx[0], dx0, nx));
    cr_assert(max_diff(dw[0], dw0, nw) < 1e-2f, "dw (sums of 700 products) differs by %g", max_diff(dw[0], dw0, nw));
    cr_assert(max_diff(db[0], db0, 16) < 1e-2f, "db differs by %g", max_diff(db[0], db0, 16));
    cr_assert(memcmp(y[0], y[1], ny * sizeof(float)) == 0 && memcmp(dx[0], dx[1], nx * sizeof(float)) == 0 &&
                  memcmp(dw[0], dw[1], nw * sizeof(float)) == 0 && memcmp(db[0], db[1], sizeof db[0]) == 0,
              "a second call gave different bits: the halves' sums must be added in a fixed order");
    for (int k = 0; k < 2; k++)
        free(y[k]), free(dx[k]), free(dw[k]);
    free(x), free(w), free(b), free(dy), free(y0), free(dx0), free(dw0), free(work);
}

typedef struct {
    conv_shape_t s;
    float *x, *w, *b, *y, *r;
} conv_ctx;

static double conv_loss(void *p)
{
    conv_ctx *c = p;
    conv2d_forward_naive(c->y, c->x, c->w, c->b, &c->s);
    return gradcheck_dot(c->y, c->r, conv_out_count(&c->s));
}

Test(conv, backward_matches_centered_differences_and_the_direct_backward)
{
    rng_t rng;
    rng_seed(&rng, 3);
    for (int t = 0; t < NSHAPES; t++) {
        conv_ctx c = {.s = shape_of(SHAPES[t])};
        conv_shape_t *s = &c.s;
        size_t nx = (size_t)s->B * s->C * s->H * s->W, ny = conv_out_count(s), nw = conv_weight_count(s);
        c.x = randn(nx, &rng), c.w = randn(nw, &rng), c.b = randn(s->OC, &rng), c.r = randn(ny, &rng);
        c.y = malloc(ny * sizeof(float));
        float *work = malloc(conv_work_size(s) * sizeof(float));
        float *dx = malloc(nx * sizeof(float)), *dw = malloc(nw * sizeof(float)), db[8];
        float *dx0 = malloc(nx * sizeof(float)), *dw0 = malloc(nw * sizeof(float)), db0[8];
        conv2d_forward(c.y, work, c.x, c.w, c.b, s);
        conv2d_backward(dx, dw, db, work, c.r, c.x, c.w, s);
        conv2d_backward_naive(dx0, dw0, db0, c.r, c.x, c.w, s);
        cr_assert(max_diff(dx, dx0, nx) < 1e-4f && max_diff(dw, dw0, nw) < 1e-4f && max_diff(db, db0, s->OC) < 1e-4f,
                  "shape %d: im2col backward differs from the direct one", t);
        /* L = sum(y R) is linear in x, w and b: centered differences are exact up to rounding,
         * so a large step (h = 0.1) only shrinks the rounding noise: relative error below 1e-3. */
        double ex = gradcheck_max_rel_error(conv_loss, &c, c.x, dx, nx, 0.1f);
        double ew = gradcheck_max_rel_error(conv_loss, &c, c.w, dw, nw, 0.1f);
        double eb = gradcheck_max_rel_error(conv_loss, &c, c.b, db, s->OC, 0.1f);
        cr_assert(ex < 1e-3 && ew < 1e-3 && eb < 1e-3, "shape %d: relative errors dx %.2g dw %.2g db %.2g", t, ex, ew, eb);
        free(c.x), free(c.w), free(c.b), free(c.r), free(c.y), free(work), free(dx), free(dw), free(dx0),
            free(dw0);
    }
}

static float *formula(size_t n, double a, double b, double scale, int use_cos)
{
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((use_cos ? cos(a * i + b) : sin(a * i + b)) * scale);
    return v;
}

static void expect_close(const float *got, const double *want, size_t n, double tol, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(got[i] - want[i]) < tol, "%s[%zu]: expected %.7g (PyTorch), got %.7g", what, i, want[i], got[i]);
}

Test(conv, matches_pytorch_conv2d_forward_and_backward)
{
    for (size_t t = 0; t < sizeof CONV_GOLDEN / sizeof *CONV_GOLDEN; t++) {
        const conv_golden_t *g = &CONV_GOLDEN[t];
        conv_shape_t s;
        cr_assert(conv_shape_init(&s, g->B, g->C, g->H, g->W, g->OC, g->K, g->K, g->stride, g->pad, g->dil) == 0);
        cr_assert(s.OH == g->OH && s.OW == g->OW, "%s: output %dx%d, PyTorch %dx%d", g->name, s.OH, s.OW, g->OH, g->OW);
        size_t nx = (size_t)s.B * s.C * s.H * s.W, ny = conv_out_count(&s), nw = conv_weight_count(&s);
        float *x = formula(nx, 0.7, 0.3, 1, 0), *w = formula(nw, 1.3, 0, 1.0 / 3, 1), *dy = formula(ny, 0.37, 0, 1, 0);
        float b[8];
        for (int o = 0; o < s.OC; o++)
            b[o] = 0.1f * o - 0.2f;
        float *y = malloc(ny * sizeof(float)), *dx = malloc(nx * sizeof(float));
        float *dw = malloc(nw * sizeof(float)), db[8], *work = malloc(conv_work_size(&s) * sizeof(float));
        conv2d_forward(y, work, x, w, b, &s);
        conv2d_backward(dx, dw, db, work, dy, x, w, &s);
        expect_close(y, g->y, ny, 1e-5, g->name);
        expect_close(dx, g->dx, nx, 1e-5, "dx");
        expect_close(dw, g->dw, nw, 1e-4, "dw");
        expect_close(db, g->db, s.OC, 1e-4, "db");
        free(x), free(w), free(dy), free(y), free(dx), free(dw), free(work);
    }
}

Test(conv, conv1d_matches_its_definition)
{
    rng_t rng;
    rng_seed(&rng, 4);
    enum { B = 2, C = 3, L = 13, OC = 4, K = 3 };
    conv_shape_t s;
    cr_assert(conv1d_shape_init(&s, B, C, L, OC, K, 2, 2, 2) == 0);
    cr_assert(s.OH == 1 && s.OW == (13 + 4 - 5) / 2 + 1, "OL = %d", s.OW);
    float *x = randn(B * C * L, &rng), *w = randn(OC * C * K, &rng), b[OC] = {0.5f, -1, 0, 2};
    float *y = malloc(conv_out_count(&s) * sizeof(float)), *work = malloc(conv_work_size(&s) * sizeof(float));
    conv1d_forward(y, work, x, w, b, &s);
    for (int bi = 0; bi < B; bi++)
        for (int o = 0; o < OC; o++)
            for (int j = 0; j < s.OW; j++) {
                double acc = b[o];
                for (int c = 0; c < C; c++)
                    for (int v = 0; v < K; v++) {
                        int t = j * 2 + v * 2 - 2;
                        if (t >= 0 && t < L)
                            acc += (double)w[(o * C + c) * K + v] * x[(bi * C + c) * L + t];
                    }
                float got = y[(bi * OC + o) * s.OW + j];
                cr_assert(fabs(got - acc) < 1e-4, "y[%d,%d,%d] = %g, expected %g", bi, o, j, got, acc);
            }
    free(x), free(w), free(y), free(work);
}

Test(pool, max_and_avg_match_pytorch)
{
    enum { H = 6, W = 7 };
    float *x = formula(2 * H * W, 0.7, 0.3, 1, 0);
    float y[2 * 3 * 3], dx[2 * H * W];
    int idx[2 * 3 * 3];
    float *dy = formula(18, 0.37, 0, 1, 0);
    cr_assert_eq(pool_out_size(H, 2, 2), 3);
    cr_assert_eq(pool_out_size(W, 2, 2), 3);
    pool_max_forward(y, idx, x, 1, 2, H, W, 2, 2);
    pool_max_backward(dx, dy, idx, 1, 2, H, W, 2, 2);
    expect_close(y, GOLD_POOL_MAX_Y, 18, 1e-6, "max pool y");
    expect_close(dx, GOLD_POOL_MAX_DX, 2 * H * W, 1e-6, "max pool dx");
    /* avg 3x3 stride 2 (overlapping windows): 2 x 3 outputs */
    float ya[2 * 2 * 3];
    pool_avg_forward(ya, x, 1, 2, H, W, 3, 2);
    pool_avg_backward(dx, dy, 1, 2, H, W, 3, 2);
    expect_close(ya, GOLD_POOL_AVG_Y, 12, 1e-6, "avg pool y");
    expect_close(dx, GOLD_POOL_AVG_DX, 2 * H * W, 1e-6, "avg pool dx");
    free(x), free(dy);
}

/* The 2x2 stride-2 max pool (four outputs at a time, then one at a time) against its rule written
 * out: the larger of the top pair, of the bottom pair, then of the two, the first of equal values
 * winning each time (a strict >) and a NaN beating any number (the first NaN: a NaN input must
 * reach the loss). Values from {0, 1, 2} (ties everywhere, as after a relu), -0.0 and NaN, on rows
 * of 14 and 5 outputs and an odd width. */
static int beats(float v, float best) { return v > best || (isnan(v) && !isnan(best)); }

Test(pool, max2_equals_its_rule_with_ties_and_nan)
{
    static const int shapes[][2] = {{28, 28}, {10, 10}, {11, 13}, {2, 9}, {6, 2}};
    rng_t rng;
    rng_seed(&rng, 5);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const int H = shapes[s][0], W = shapes[s][1], OH = H / 2, OW = W / 2, maps = 3;
        float x[3 * 28 * 28], y[3 * 14 * 14];
        int idx[3 * 14 * 14];
        for (int i = 0; i < maps * H * W; i++) {
            const unsigned r = rng_below(&rng, 20);
            x[i] = r < 18 ? (float)(r % 3) : r == 18 ? -0.0f : NAN;
        }
        pool_max_forward(y, idx, x, 1, maps, H, W, 2, 2);
        for (int m = 0; m < maps; m++)
            for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++) {
                    const float *xc = x + m * H * W;
                    const int t = 2 * i * W + 2 * j, b = t + W;
                    const int top = beats(xc[t + 1], xc[t]) ? t + 1 : t;
                    const int bottom = beats(xc[b + 1], xc[b]) ? b + 1 : b;
                    const int best = beats(xc[bottom], xc[top]) ? bottom : top;
                    const int o = (m * OH + i) * OW + j;
                    cr_assert_eq(idx[o], best, "H=%d W=%d map %d output (%d, %d): argmax %d, the rule says %d", H, W,
                                 m, i, j, idx[o], best);
                    cr_assert(memcmp(&y[o], &xc[best], sizeof(float)) == 0, "H=%d W=%d output (%d, %d)", H, W, i, j);
                }
    }
}

/* A NaN anywhere in a window makes its output NaN (PyTorch's max pooling), in the 2x2 stride-2
 * path and in the general one: before, only a NaN in the window's first position came through,
 * so a NaN input could vanish from the loss while x^T dy still carried it into the weights. */
Test(pool, a_nan_in_the_window_wins)
{
    const float x2[8] = {1, NAN, 5, 6, 2, 0, NAN, NAN}; /* (2, 4): two 2x2 windows */
    float y[2];
    int idx[2];
    pool_max_forward(y, idx, x2, 1, 1, 2, 4, 2, 2);
    cr_assert(isnan(y[0]) && idx[0] == 1, "2x2 window (1, NaN; 2, 0): %g at %d, expected NaN at 1", y[0], idx[0]);
    cr_assert(isnan(y[1]) && idx[1] == 6, "2x2 window (5, 6; NaN, NaN): %g at %d, expected the first NaN (6)", y[1],
              idx[1]);
    float x3[9] = {1, 2, 3, 4, 5, 6, 7, NAN, 9};
    pool_max_forward(y, idx, x3, 1, 1, 3, 3, 3, 1);
    cr_assert(isnan(y[0]) && idx[0] == 7, "3x3 window with a NaN at 7: %g at %d", y[0], idx[0]);
}

typedef struct {
    float x[2 * 3 * 8 * 8], y[2 * 3 * 4 * 4], r[2 * 3 * 4 * 4];
    int idx[2 * 3 * 4 * 4], k, stride, avg;
} pool_ctx;

static double pool_loss(void *p)
{
    pool_ctx *c = p;
    if (c->avg)
        pool_avg_forward(c->y, c->x, 2, 3, 8, 8, c->k, c->stride);
    else
        pool_max_forward(c->y, c->idx, c->x, 2, 3, 8, 8, c->k, c->stride);
    return gradcheck_dot(c->y, c->r, (size_t)2 * 3 * 16);
}

Test(pool, backward_matches_centered_differences)
{
    /* Random inputs have no ties, so the max is differentiable away from measure-zero points; h = 1e-3
     * is far below the typical gap between the window's values. Bound: 1e-2 relative. */
    for (int avg = 0; avg < 2; avg++)
        for (int k = 2; k <= 3; k++) {
            pool_ctx c = {.k = k, .stride = 2, .avg = avg};
            rng_t rng;
            rng_seed(&rng, 10 + k + avg);
            for (int i = 0; i < 2 * 3 * 64; i++)
                c.x[i] = rng_normal(&rng);
            int O = (8 - k) / 2 + 1;
            gradcheck_random_upstream(c.r, (size_t)2 * 3 * O * O, &rng);
            float dx[2 * 3 * 64];
            pool_loss(&c);
            if (avg)
                pool_avg_backward(dx, c.r, 2, 3, 8, 8, k, 2);
            else
                pool_max_backward(dx, c.r, c.idx, 2, 3, 8, 8, k, 2);
            double e = gradcheck_max_rel_error(pool_loss, &c, c.x, dx, 2 * 3 * 64, 1e-3f);
            cr_assert(e < 1e-2, "%s pool k=%d: relative error %.2g", avg ? "avg" : "max", k, e);
        }
}

Test(pool, global_average)
{
    float x[2 * 3 * 4], y[2 * 3], dx[2 * 3 * 4], dy[6] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 24; i++)
        x[i] = (float)i;
    pool_global_avg_forward(y, x, 2, 3, 2, 2);
    for (int i = 0; i < 6; i++)
        cr_assert(fabsf(y[i] - (4 * i + 1.5f)) < 1e-6f, "y[%d] = %g, expected %g", i, y[i], 4 * i + 1.5);
    pool_global_avg_backward(dx, dy, 2, 3, 2, 2);
    for (int i = 0; i < 24; i++)
        cr_assert(fabsf(dx[i] - dy[i / 4] / 4) < 1e-7f, "dx[%d] = %g", i, dx[i]);
}

typedef struct {
    lenet_t m;
    float x[3 * 784];
    int y[3];
} lenet_ctx;

static double lenet_loss(void *p)
{
    lenet_ctx *c = p;
    const float *z = lenet_forward(&c->m, c->x, 3);
    double l = 0;
    /* the mean cross-entropy in double: softmax_cross_entropy in float is too noisy for h = 1e-2 */
    for (int b = 0; b < 3; b++) {
        double mx = z[b * 10], s = 0;
        for (int k = 1; k < 10; k++)
            mx = fmax(mx, z[b * 10 + k]);
        for (int k = 0; k < 10; k++)
            s += exp(z[b * 10 + k] - mx);
        l += log(s) + mx - z[b * 10 + c->y[b]];
    }
    return l / 3;
}

Test(lenet, gradient_matches_centered_differences, .timeout = 30)
{
    static lenet_ctx c;
    cr_assert(lenet_new(&c.m, (lenet_config_t){3, 4, 10, 8}, 3) == 0);
    rng_t rng;
    rng_seed(&rng, 5);
    lenet_init(&c.m, &rng);
    for (int i = 0; i < 3 * 784; i++)
        c.x[i] = rng_uniform(&rng);
    c.y[0] = 1, c.y[1] = 7, c.y[2] = 3;
    float dz[30];
    softmax_cross_entropy(dz, lenet_forward(&c.m, c.x, 3), c.y, 3, 10);
    lenet_backward(&c.m, c.x, dz, 3);
    /* Every parameter of the trunk and the first weights of each head layer; relu and max-pool
     * kinks are detected and skipped by gradcheck (see gradcheck.h). Bound 1e-2. */
    gradcheck_result_t r = gradcheck_run(lenet_loss, &c, c.m.params, c.m.grads, c.m.n_trunk + 200, 1e-2f);
    cr_assert(r.max_rel_error < 1e-2, "worst relative error %.2g at parameter %zu (analytic %g, numeric %g)",
              r.max_rel_error, r.worst, r.analytic, r.numeric);
    gradcheck_result_t h = gradcheck_run(lenet_loss, &c, c.m.f3w, c.m.df3w, 80, 1e-2f);
    cr_assert(h.max_rel_error < 1e-2, "last layer: worst relative error %.2g", h.max_rel_error);
    lenet_free(&c.m);
}

static void lenet_bad(void *arg)
{
    (void)arg;
    lenet_t m;
    exit(lenet_new(&m, (lenet_config_t){0, 16, 120, 84}, 8) == -1 ? 7 : 0);
}

static void lenet_bad_batch(void *arg)
{
    (void)arg;
    lenet_t m;
    float x[784] = {0}, dz[10] = {0};
    if (lenet_new(&m, LENET_5, 8) != 0)
        exit(1);
    exit(lenet_forward(&m, x, 9) == NULL && lenet_backward(&m, x, dz, 0) == -1 ? 7 : 0);
}

Test(lenet, bad_sizes_are_reported)
{
    char err[1024];
    int st = capture_stderr(lenet_bad, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "lenet_new with c1 = 0: expected -1, status %d", st);
    cr_assert(strstr(err, "c1 0") && strstr(err, "hint:"), "message: %s", err);
    st = capture_stderr(lenet_bad_batch, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "a batch of 9 on a max_batch 8 network: expected NULL / -1, status %d", st);
    cr_assert(strstr(err, "batch of 9 examples: expected 1 to 8"), "message: %s", err);
}
