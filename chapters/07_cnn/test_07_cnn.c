/* test_07_cnn.c — the grader of chapter 7.
 *
 * One suite per exercise (ex07_K); the suite ch07 checks the chapter program's handling of bad
 * input and carries no points. Golden values come from PyTorch (common/tests/golden/
 * make_conv_golden.py wrote conv_golden.h, shared with the library's tests; PyTorch is not needed
 * here), from the library's batched layers (common/conv.c, pool.c, themselves checked against
 * PyTorch and centered differences), from closed forms worked out in the comments, or from
 * centered differences with the error bound stated next to the check.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "07_cnn.c"
#endif
#include CHAPTER_SOURCE

#include "gradcheck.h"
#include "tests/capture.h" /* capture_stderr: a function's stderr and exit status */
#include "tests/golden/conv_golden.h"

#include <criterion/criterion.h>

TestSuite(ex07_1, .timeout = 10);
TestSuite(ex07_2, .timeout = 10);
TestSuite(ex07_3, .timeout = 10);
TestSuite(ex07_4, .timeout = 10);
TestSuite(ex07_5, .timeout = 10);
TestSuite(ex07_6, .timeout = 10);
TestSuite(ex07_7, .timeout = 10);
TestSuite(ex07_8, .timeout = 10);
TestSuite(ex07_9, .timeout = 10);
TestSuite(ch07, .timeout = 30);

/* Inputs built by the same formulas as the PyTorch goldens (make_conv_golden.py). */
static float *golden_seq(size_t n, double a, double b, double scale, int use_cos)
{
    float *v = nn_malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((use_cos ? cos(a * i + b) : sin(a * i + b)) * scale);
    return v;
}

static float *random_vec(size_t n, rng_t *rng)
{
    float *v = nn_malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = rng_normal(rng);
    return v;
}

static conv_shape_t golden_shape(const conv_golden_t *g, int B)
{
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, B, g->C, g->H, g->W, g->OC, g->K, g->K, g->stride, g->pad, g->dil) == 0);
    return s;
}

static const char *describe(const conv_golden_t *g, char *buf)
{
    snprintf(buf, 160, "'%s' (C=%d, %dx%d image, %d kernels %dx%d, stride %d, padding %d, dilation %d)", g->name, g->C,
             g->H, g->W, g->OC, g->K, g->K, g->stride, g->pad, g->dil);
    return buf;
}

/* --- 07.1: the output size ---------------------------------------------------------------------- */

/*hint 07.1
1. How many positions does a kernel of k taps cover when its taps are d apart? Where does the last
   one land?
2. Output i starts at pixel i*s of the padded input, which has n + 2p pixels. Write the condition
   "the last tap of output i is still inside" and solve it for i.
3. n' = floor((n + 2p - d(k - 1) - 1) / s) + 1: the +1 counts output 0, and p is added on BOTH sides.
*/
/*note 07.1
The same formula, with p = 0 and d = 1, gives the output size of pooling (section 7.5); a causal
convolution pads on one side only and uses n + p instead of n + 2p. Frameworks differ in one detail:
PyTorch's pooling "ceil_mode" replaces the floor by a ceiling so a last, partial window still
produces an output. Read conv_out_size in common/conv.c to see which inputs have no sensible answer at all.
*/

/*forbid 07.1
-- its twins in common/conv.h, common/pool.h: the exercise writes its own
conv_out_size pool_out_size
*/

Test(ex07_1, sizes_worked_out_by_hand)
{
    /* n, k, stride, pad, dilation, expected (worked out in section 7.2 and below) */
    static const int cases[][6] = {
        {28, 5, 1, 0, 1, 24}, /* 28 - 5 + 1 */
        {28, 5, 1, 2, 1, 28}, /* padding (k - 1) / 2 keeps the size */
        {7, 3, 2, 1, 1, 4},   /* (7 + 2 - 3) / 2 + 1 */
        {8, 3, 2, 1, 1, 4},   /* floor(7 / 2) + 1: the last pixel starts no patch */
        {9, 3, 1, 2, 2, 9},   /* extent 5: 9 + 4 - 5 + 1 */
        {10, 3, 1, 0, 3, 4},  /* extent 7: 10 - 7 + 1 */
        {5, 5, 1, 0, 1, 1},   /* the kernel fits exactly once */
        {14, 2, 2, 0, 1, 7},  /* a 2x2 pool */
        {32, 11, 4, 2, 1, 7}, /* AlexNet-like first layer: (32 + 4 - 11) / 4 + 1 */
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        const int *c = cases[t];
        int got = output_size(c[0], c[1], c[2], c[3], c[4]);
        cr_assert(got == c[5], "n=%d, k=%d, stride %d, padding %d, dilation %d: expected %d outputs, got %d. Hint: "
                  "n' = floor((n + 2p - d(k-1) - 1) / s) + 1; is the padding added on both sides, and is output 0 "
                  "counted?", c[0], c[1], c[2], c[3], c[4], c[5], got);
    }
}

Test(ex07_1, agrees_with_the_library_and_pytorch)
{
    for (size_t t = 0; t < sizeof CONV_GOLDEN / sizeof *CONV_GOLDEN; t++) {
        const conv_golden_t *g = &CONV_GOLDEN[t];
        int oh = output_size(g->H, g->K, g->stride, g->pad, g->dil), ow = output_size(g->W, g->K, g->stride, g->pad, g->dil);
        char d[200];
        cr_assert(oh == g->OH && ow == g->OW, "%s: PyTorch's output is %dx%d, yours %dx%d. Hint: check the dilation "
                  "term d(k - 1) and the floor (integer division).", describe(g, d), g->OH, g->OW, oh, ow);
    }
}

/* Rectangular kernels (KH != KW) on images that are not square either: with a square kernel, an
 * index that uses KH where KW belongs (the loop over v, the row r = (c*KH + u)*KW + v, the weight
 * index) gives the right answer by luck. One shape per row: C, H, W, OC, KH, KW, stride, padding,
 * dilation of the rows (stride_h, pad_h, dil_h), then of the columns (stride_w, pad_w, dil_w): the last
 * two rows differ along the two axes, so that the height's stride, padding or dilation used along
 * the width too (every other test has the same on both axes) fails. Buffers get RECT_SLACK spare floats so that such an index fails a check instead of
 * reading or writing outside them. */
static const int RECT[][12] = {{2, 6, 7, 3, 2, 3, 1, 1, 1, 1, 1, 1}, {2, 7, 5, 2, 3, 1, 2, 0, 2, 2, 0, 2},
                               {1, 5, 8, 2, 1, 4, 1, 2, 1, 1, 2, 1}, {2, 7, 9, 2, 2, 3, 1, 0, 2, 2, 1, 1},
                               {1, 8, 6, 3, 3, 2, 2, 2, 1, 1, 0, 2}};
enum { RECT_N = sizeof RECT / sizeof *RECT, RECT_SLACK = 256 };

static conv_shape_t rect_shape(int t)
{
    const int *v = RECT[t];
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, 1, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]) == 0);
    s.stride_w = v[9], s.pad_w = v[10], s.dil_w = v[11];
    s.OW = conv_out_size(s.W, s.KW, s.stride_w, s.pad_w, s.dil_w, "width");
    cr_assert(s.OW > 0);
    return s;
}

/* The hint of a failed check on a rectangular shape: on a shape whose axes have different strides,
 * paddings or dilations, name the axis mix-up; else `kernel`, the hint about KH and KW. */
static const char *rect_hint(const conv_shape_t *s, const char *kernel)
{
    if (s->stride_h == s->stride_w && s->pad_h == s->pad_w && s->dil_h == s->dil_w)
        return kernel;
    return "the rows and the columns have their own stride, padding and dilation: yy = i*stride_h + u*dil_h - "
           "pad_h, xx = j*stride_w + v*dil_w - pad_w (every other shape has the same on both axes, which hides "
           "an _h written where _w belongs).";
}

static const char *describe_rect(const conv_shape_t *s, char *buf)
{
    snprintf(buf, 200, "C=%d, %dx%d image, %d kernels of %d rows x %d columns, stride %dx%d, padding %dx%d, "
             "dilation %dx%d (rows x columns)", s->C, s->H, s->W, s->OC, s->KH, s->KW, s->stride_h, s->stride_w,
             s->pad_h, s->pad_w, s->dil_h, s->dil_w);
    return buf;
}

/* n random floats followed by RECT_SLACK copies of `fill` */
static float *random_slack(size_t n, float fill, rng_t *rng)
{
    float *v = nn_malloc((n + RECT_SLACK) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = rng_normal(rng);
    for (size_t i = n; i < n + RECT_SLACK; i++)
        v[i] = fill;
    return v;
}

/* --- 07.2: the direct convolution --------------------------------------------------------------- */

/*hint 07.2
1. Which input pixel does tap (u, v) of output (i, j) read? Write its row and column before writing
   any loop.
2. Row i*s + u*d - p, column j*s + v*d - p; the weight is w[o][c][u][v] with u and v NOT reversed
   (frameworks compute a cross-correlation). A pixel outside 0..H-1 or 0..W-1 is a padding zero.
3. y[o][i][j] = b[o] + sum over c, u, v of w[((o*C + c)*KH + u)*KW + v] * x[(c*H + yy)*W + xx] for the
   taps with 0 <= yy < H and 0 <= xx < W; b may be NULL.
*/
/*note 07.2
This is the definition, and the oracle every faster convolution is tested against (the library's
conv2d_forward_naive is the same loops over a batch). It ran at about 1.5 GFLOP/s in our runs, 15 to
25 times slower than im2col + sgemm on LeNet's second layer, which main measures (section 7.8). Fast direct convolutions exist (they
block the loops for the cache and vectorize across output channels, as oneDNN does), but im2col
reuses decades of matrix-multiplication tuning in one call.
*/

/*forbid 07.2
-- its twins in common/conv.h: the exercise writes its own
conv2d_forward conv2d_forward_naive conv1d_forward
*/

Test(ex07_2, matches_pytorch_on_four_shapes)
{
    for (size_t t = 0; t < sizeof CONV_GOLDEN / sizeof *CONV_GOLDEN; t++) {
        const conv_golden_t *g = &CONV_GOLDEN[t];
        conv_shape_t s = golden_shape(g, 1);
        const size_t nx = (size_t)g->C * g->H * g->W, ny = (size_t)g->OC * g->OH * g->OW;
        float *x = golden_seq(nx * g->B, 0.7, 0.3, 1, 0), *w = golden_seq(conv_weight_count(&s), 1.3, 0, 1.0 / 3, 1);
        float b[8], *y = nn_malloc(ny * sizeof(float));
        for (int o = 0; o < g->OC; o++)
            b[o] = 0.1f * o - 0.2f;
        char d[200];
        for (int img = 0; img < g->B; img++) {
            conv2d_direct(y, x + img * nx, w, b, &s);
            for (size_t i = 0; i < ny; i++)
                cr_assert(fabs(y[i] - g->y[img * ny + i]) < 1e-4, "%s, image %d: y[%zu] expected %.6f (PyTorch), got "
                          "%.6f. Hint: tap (u, v) of output (i, j) reads x[c][i*s + u*d - p][j*s + v*d - p], kernel not "
                          "flipped, zero outside the image.", describe(g, d), img, i, g->y[img * ny + i], y[i]);
        }
        free(x), free(w), free(y);
    }
}

Test(ex07_2, no_bias_and_every_output_written)
{
    rng_t rng;
    rng_seed(&rng, 72);
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, 1, 2, 6, 7, 3, 3, 2 + 1, 1, 1, 1) == 0);
    float *x = random_vec(2 * 42, &rng), *w = random_vec(conv_weight_count(&s), &rng);
    float y[3 * 6 * 7], ref[3 * 6 * 7];
    for (int i = 0; i < 3 * 42; i++)
        y[i] = NAN; /* garbage: every output must be overwritten */
    conv2d_direct(y, x, w, NULL, &s);
    conv2d_forward_naive(ref, x, w, NULL, &s);
    for (int i = 0; i < 3 * 42; i++)
        cr_assert(fabsf(y[i] - ref[i]) < 1e-4f, "b = NULL: y[%d] expected %g, got %g. Hint: NULL means no bias (start "
                  "from 0), and every output is assigned, not added to.", i, ref[i], y[i]);
    free(x), free(w);
}

Test(ex07_2, rectangular_kernels)
{
    /* Reference: the library's conv2d_forward_naive, the same sum accumulated in double (checked
     * against PyTorch in common/tests/test_conv.c). */
    rng_t rng;
    rng_seed(&rng, 721);
    for (int t = 0; t < RECT_N; t++) {
        conv_shape_t s = rect_shape(t);
        const size_t nx = (size_t)s.C * s.H * s.W, ny = conv_out_count(&s);
        float *x = random_slack(nx, 0, &rng), *w = random_slack(conv_weight_count(&s), 0, &rng);
        const float b[4] = {0.5f, -1, 2, 0};
        float *y = nn_malloc(ny * sizeof(float)), *ref = nn_malloc(ny * sizeof(float));
        conv2d_direct(y, x, w, b, &s);
        conv2d_forward_naive(ref, x, w, b, &s);
        char d[200];
        for (size_t i = 0; i < ny; i++)
            cr_assert(fabsf(y[i] - ref[i]) < 1e-4f, "%s: y[%zu] expected %g, got %g. Hint: %s",
                      describe_rect(&s, d), i, ref[i], y[i], rect_hint(&s, "a kernel of KH rows and KW columns: u runs to KH and v to KW, and "
                      "the weight is w[((o*C + c)*KH + u)*KW + v]; a square kernel hides a KH written where KW "
                      "belongs."));
        free(x), free(w), free(y), free(ref);
    }
}

/* --- 07.3: im2col --------------------------------------------------------------------------------- */

/*hint 07.3
1. cols has one row per kernel tap (c, u, v) and one column per output position (i, j). Which
   pixel goes into row r, column q?
2. The row index must list the taps in the order the kernel is stored: r = (c*KH + u)*KW + v, so
   that row r of cols meets column r of the (OC, C*KH*KW) kernel matrix.
3. cols[r*P + i*OW + j] = x[c][i*s + u*d - p][j*s + v*d - p], or 0 when that pixel is in the padding
   (P = OH*OW). Write a zero there: do not clamp to the border.
*/
/*note 07.3
With cols in hand the layer is one sgemm: Y = W cols. The library's conv_im2col does the same for
a chunk of images side by side (column b*P + q), copying a whole row segment at a time. The
column matrix copies each pixel up to KH*KW times, 25 times for LeNet's 5x5 kernels: that is
why the library works on a few images at a time, so that cols is read back from the cache.
*/

/*forbid 07.3
-- its twins in common/conv.h: the exercise writes its own
conv_im2col
*/

Test(ex07_3, matches_the_library_on_six_shapes)
{
    rng_t rng;
    rng_seed(&rng, 73);
    static const int shapes[][9] = {{1, 2, 7, 6, 4, 3, 1, 0, 1}, {1, 2, 8, 7, 3, 3, 2, 1, 1}, {1, 2, 9, 9, 2, 3, 1, 2, 2},
                                    {1, 1, 6, 5, 2, 5, 3, 2, 1}, {1, 3, 5, 5, 3, 1, 1, 0, 1}, {1, 2, 11, 4, 2, 2, 3, 1, 3}};
    for (size_t t = 0; t < sizeof shapes / sizeof *shapes; t++) {
        const int *v = shapes[t];
        conv_shape_t s;
        cr_assert(conv_shape_init(&s, 1, v[1], v[2], v[3], v[4], v[5], v[5], v[6], v[7], v[8]) == 0);
        size_t nc = conv_cols_size(&s);
        float *x = random_vec((size_t)v[1] * v[2] * v[3], &rng), *cols = nn_malloc(nc * sizeof(float)),
              *ref = nn_malloc(nc * sizeof(float));
        for (size_t i = 0; i < nc; i++)
            cols[i] = NAN;
        im2col_image(cols, x, &s);
        conv_im2col(ref, x, &s);
        const int P = s.OH * s.OW;
        for (size_t i = 0; i < nc; i++) {
            int r = (int)(i / P), q = (int)(i % P);
            cr_assert(cols[i] == ref[i], "C=%d, %dx%d image, %dx%d kernel, stride %d, padding %d, dilation %d: "
                      "cols[row %d (c=%d, u=%d, v=%d)][column %d (i=%d, j=%d)] expected %g, got %g. Hint: row r = "
                      "(c*KH + u)*KW + v, column q = i*OW + j, and 0 where the tap is in the padding.", v[1], v[2], v[3],
                      v[5], v[5], v[6], v[7], v[8], r, r / (s.KH * s.KW), r / s.KW % s.KH, r % s.KW, q, q / s.OW,
                      q % s.OW, ref[i], cols[i]);
        }
        free(x), free(cols), free(ref);
    }
}

Test(ex07_3, one_product_gives_pytorch_output)
{
    /* W (OC, C*KH*KW) times your cols must be the convolution: PyTorch's output. */
    for (size_t t = 0; t < sizeof CONV_GOLDEN / sizeof *CONV_GOLDEN; t++) {
        const conv_golden_t *g = &CONV_GOLDEN[t];
        conv_shape_t s = golden_shape(g, 1);
        const size_t ny = (size_t)g->OC * g->OH * g->OW;
        float *x = golden_seq((size_t)g->C * g->H * g->W, 0.7, 0.3, 1, 0);
        float *w = golden_seq(conv_weight_count(&s), 1.3, 0, 1.0 / 3, 1);
        float *cols = nn_malloc(conv_cols_size(&s) * sizeof(float)), *y = nn_malloc(ny * sizeof(float)), b[8];
        for (int o = 0; o < g->OC; o++)
            b[o] = 0.1f * o - 0.2f;
        conv2d_im2col_image(y, cols, x, w, b, &s);
        char d[200];
        for (size_t i = 0; i < ny; i++)
            cr_assert(fabs(y[i] - g->y[i]) < 1e-4, "%s: W cols + b at %zu: expected %.6f (PyTorch), got %.6f. Hint: the "
                      "taps of a column must be in the kernel's memory order (c, u, v), u before v, and a tap in the "
                      "padding reads 0 (not the nearest border pixel).", describe(g, d), i,
                      g->y[i], y[i]);
        free(x), free(w), free(cols), free(y);
    }
}

Test(ex07_3, rectangular_kernels)
{
    rng_t rng;
    rng_seed(&rng, 731);
    for (int t = 0; t < RECT_N; t++) {
        conv_shape_t s = rect_shape(t);
        const size_t nc = conv_cols_size(&s);
        const int P = s.OH * s.OW;
        float *x = random_slack((size_t)s.C * s.H * s.W, 0, &rng), *cols = nn_malloc((nc + RECT_SLACK) * sizeof(float)),
              *ref = nn_malloc(nc * sizeof(float));
        for (size_t i = 0; i < nc + RECT_SLACK; i++)
            cols[i] = NAN;
        im2col_image(cols, x, &s);
        conv_im2col(ref, x, &s);
        char d[200];
        for (size_t i = 0; i < nc; i++)
            cr_assert(cols[i] == ref[i], "%s: cols[row %zu][column %zu] expected %g, got %g. Hint: %s",
                      describe_rect(&s, d), i / P, i % P, ref[i], cols[i], isnan(cols[i]) ? "every entry of cols "
                      "must be written (it holds garbage, NaN here, on entry): a tap in the padding gets an explicit "
                      "0." : rect_hint(&s, "a kernel row holds KW taps, so row r = (c*KH + u)*KW + v (KW, not KH, "
                      "multiplies c*KH + u); a square kernel hides the difference."));
        int outside = 0;
        for (size_t i = nc; i < nc + RECT_SLACK; i++)
            outside += !isnan(cols[i]);
        cr_assert(outside == 0, "%s: %d floats written past the end of cols (C*KH*KW rows of OH*OW). Hint: row r = "
                  "(c*KH + u)*KW + v stays below C*KH*KW.", describe_rect(&s, d), outside);
        free(x), free(cols), free(ref);
    }
}

/* --- 07.4: col2im --------------------------------------------------------------------------------- */

/*hint 07.4
1. im2col copied each pixel into several entries of cols. What does the chain rule do with a value
   that was used several times?
2. Walk exactly the loops of im2col; where im2col wrote cols[...] = x[...], add dx[...] += dcols[...].
   Skip the entries whose tap fell into the padding: they were zeros, not pixels.
3. Start with dx = 0 (memset), then dx[(c*H + yy)*W + xx] += dcols[r*P + i*OW + j] for every (r, i, j)
   with 0 <= yy < H and 0 <= xx < W.
*/
/*note 07.4
col2im is im2col's transpose: <im2col(x), c> = <x, col2im(c)> for all x and c, which is what the
first test checks. The same relation holds for every linear operation and its backward (a
gather's backward is a scatter-add, a broadcast's a sum), and chapter 4's tape relies on it.
With padding p = k - 1 and the kernel flipped, col2im(W^T dY) is the "full convolution" of
section 7.4.
*/

/*forbid 07.4
-- its twins in common/conv.h: the exercise writes its own
conv_col2im
*/

Test(ex07_4, is_the_adjoint_of_im2col)
{
    /* <im2col(x), c> = <x, col2im(c)> for random x, c: the defining property of the adjoint. Both
     * sides summed in double; float32 terms of size ~1: agreement within 1e-4 relative. */
    rng_t rng;
    rng_seed(&rng, 74);
    static const int shapes[][9] = {{1, 2, 8, 7, 3, 3, 2, 1, 1}, {1, 2, 9, 9, 2, 3, 1, 2, 2}, {1, 1, 6, 5, 2, 5, 3, 2, 1},
                                    {1, 3, 6, 6, 2, 3, 1, 0, 1}};
    for (size_t t = 0; t < sizeof shapes / sizeof *shapes; t++) {
        const int *v = shapes[t];
        conv_shape_t s;
        cr_assert(conv_shape_init(&s, 1, v[1], v[2], v[3], v[4], v[5], v[5], v[6], v[7], v[8]) == 0);
        size_t nc = conv_cols_size(&s), nx = (size_t)v[1] * v[2] * v[3];
        float *x = random_vec(nx, &rng), *c = random_vec(nc, &rng), *cols = nn_malloc(nc * sizeof(float)),
              *dx = nn_malloc(nx * sizeof(float));
        for (size_t i = 0; i < nx; i++)
            dx[i] = 1e3f; /* garbage: must be cleared first */
        conv_im2col(cols, x, &s);
        col2im_image(dx, c, &s);
        double lhs = gradcheck_dot(cols, c, nc), rhs = gradcheck_dot(x, dx, nx);
        cr_assert(fabs(lhs - rhs) < 1e-4 * (fabs(lhs) + 10), "%dx%d image, %dx%d kernel, stride %d, padding %d: "
                  "<im2col(x), c> = %.6f but <x, col2im(c)> = %.6f. Hint: every entry of dcols is ADDED to its pixel "
                  "(pixels belong to several patches), padding entries dropped, dx zeroed first.", v[2], v[3], v[5],
                  v[5], v[6], v[7], lhs, rhs);
        free(x), free(c), free(cols), free(dx);
    }
}

Test(ex07_4, matches_the_library)
{
    rng_t rng;
    rng_seed(&rng, 75);
    conv_shape_t s;
    cr_assert(conv_shape_init(&s, 1, 2, 7, 8, 3, 3, 3, 1, 1, 1) == 0);
    size_t nc = conv_cols_size(&s), nx = 2 * 56;
    float *c = random_vec(nc, &rng), *dx = nn_malloc(nx * sizeof(float)), *ref = nn_malloc(nx * sizeof(float));
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    col2im_image(dx, c, &s);
    conv_col2im(ref, c, &s);
    for (size_t i = 0; i < nx; i++)
        cr_assert(fabsf(dx[i] - ref[i]) < 1e-5f, "dx[%zu] (channel %zu, row %zu, column %zu): expected %g, got %g. Hint: "
                  "an interior pixel of a 3x3 stride-1 convolution is in 9 patches: it collects 9 entries.", i, i / 56,
                  i % 56 / 8, i % 8, ref[i], dx[i]);
    free(c), free(dx), free(ref);
}

Test(ex07_4, rectangular_kernels)
{
    rng_t rng;
    rng_seed(&rng, 741);
    for (int t = 0; t < RECT_N; t++) {
        conv_shape_t s = rect_shape(t);
        const size_t nc = conv_cols_size(&s), nx = (size_t)s.C * s.H * s.W;
        float *c = random_slack(nc, 0, &rng), *dx = nn_malloc(nx * sizeof(float)), *ref = nn_malloc(nx * sizeof(float));
        for (size_t i = 0; i < nx; i++)
            dx[i] = NAN;
        col2im_image(dx, c, &s);
        conv_col2im(ref, c, &s);
        char d[200];
        for (size_t i = 0; i < nx; i++)
            cr_assert(fabsf(dx[i] - ref[i]) < 1e-5f, "%s: dx[%zu] expected %g, got %g. Hint: %s",
                      describe_rect(&s, d), i, ref[i], dx[i], rect_hint(&s, "the same r as im2col, r = (c*KH + u)*KW + v, with v running to "
                      "KW; a square kernel hides a KH written where KW belongs."));
        free(c), free(dx), free(ref);
    }
}

/* --- 07.5: the direct backward -------------------------------------------------------------------- */

/*hint 07.5
1. In the forward pass, output (o, i, j) used weight w[o][c][u][v] and pixel x[c][yy][xx] once. Along
   that one connection, what does dy[o][i][j] send back to each of them?
2. The same weight is used at EVERY output position, so its gradient is a sum over (i, j): add (+=),
   never assign. Use exactly the forward pass's yy = i*s + u*d - p and xx = j*s + v*d - p.
3. dw[o][c][u][v] += dy * x[c][yy][xx], dx[c][yy][xx] += dy * w[o][c][u][v], db[o] += dy, over every
   (o, i, j) and every tap inside the image; all three zeroed first.
*/
/*note 07.5
Summed over positions, dw is the correlation of the input with dy; dx is the "full convolution" of
dy with the flipped kernel (section 7.4). The library gets the same three numbers from two sgemm
calls and col2im per chunk of images; the library's tests check both against PyTorch and against
centered differences. Next: pooling, which has no weights and only routes gradients.
*/

/*forbid 07.5
-- its twins in common/conv.h: the exercise writes its own
conv2d_backward conv2d_backward_naive conv1d_backward
*/

Test(ex07_5, matches_pytorch_on_four_shapes)
{
    /* PyTorch's gradients are for a batch of g->B images: dw and db are summed over the images. */
    for (size_t t = 0; t < sizeof CONV_GOLDEN / sizeof *CONV_GOLDEN; t++) {
        const conv_golden_t *g = &CONV_GOLDEN[t];
        conv_shape_t s = golden_shape(g, 1);
        const size_t nx = (size_t)g->C * g->H * g->W, ny = (size_t)g->OC * g->OH * g->OW, nw = conv_weight_count(&s);
        float *x = golden_seq(nx * g->B, 0.7, 0.3, 1, 0), *w = golden_seq(nw, 1.3, 0, 1.0 / 3, 1);
        float *dy = golden_seq(ny * g->B, 0.37, 0, 1, 0), *dx = nn_malloc(nx * sizeof(float));
        float *dw = nn_malloc(nw * sizeof(float)), *dw_sum = nn_calloc(nw, sizeof(float)), db[8], db_sum[8] = {0};
        char d[200];
        for (int img = 0; img < g->B; img++) {
            conv2d_direct_backward(dx, dw, db, dy + img * ny, x + img * nx, w, &s);
            for (size_t i = 0; i < nx; i++)
                cr_assert(fabs(dx[i] - g->dx[img * nx + i]) < 1e-4, "%s, image %d: dx[%zu] expected %.6f (PyTorch), got "
                          "%.6f. Hint: dx[c][yy][xx] += dy * w, with the forward pass's yy = i*s + u*d - p (padding "
                          "included), summed over every output that read the pixel, from dx = 0.", describe(g, d),
                          img, i,
                          g->dx[img * nx + i], dx[i]);
            for (size_t i = 0; i < nw; i++)
                dw_sum[i] += dw[i];
            for (int o = 0; o < g->OC; o++)
                db_sum[o] += db[o];
        }
        for (size_t i = 0; i < nw; i++)
            cr_assert(fabs(dw_sum[i] - g->dw[i]) < 1e-3, "%s: dw[%zu] expected %.6f (PyTorch), got %.6f. Hint: a weight "
                      "is used at every output position: dw += dy * x over all (i, j), not just the last one.",
                      describe(g, d), i, g->dw[i], dw_sum[i]);
        for (int o = 0; o < g->OC; o++)
            cr_assert(fabs(db_sum[o] - g->db[o]) < 1e-3, "%s: db[%d] expected %.6f (PyTorch), got %.6f. Hint: db[o] is "
                      "the sum of dy over all positions of channel o, starting from 0 (db holds garbage on entry).",
                      describe(g, d), o, g->db[o], db_sum[o]);
        free(x), free(w), free(dy), free(dx), free(dw), free(dw_sum);
    }
}

typedef struct {
    conv_shape_t s;
    float *x, *w, *b, *y, *r;
} direct_ctx;

static double direct_loss(void *p)
{
    direct_ctx *c = p;
    conv2d_forward_naive(c->y, c->x, c->w, c->b, &c->s);
    return gradcheck_dot(c->y, c->r, conv_out_count(&c->s));
}

Test(ex07_5, matches_centered_differences)
{
    /* L = sum(y R), R random: linear in x, w and b, so centered differences with h = 0.1 are exact
     * up to float rounding. Bound: 1e-3 relative (gradcheck.h's measure). */
    rng_t rng;
    rng_seed(&rng, 76);
    direct_ctx c;
    cr_assert(conv_shape_init(&c.s, 1, 2, 7, 6, 3, 3, 3, 2, 1, 1) == 0);
    size_t nx = 2 * 42, nw = conv_weight_count(&c.s), ny = conv_out_count(&c.s);
    c.x = random_vec(nx, &rng), c.w = random_vec(nw, &rng), c.b = random_vec(3, &rng), c.r = random_vec(ny, &rng);
    c.y = nn_malloc(ny * sizeof(float));
    float *dx = nn_malloc(nx * sizeof(float)), *dw = nn_malloc(nw * sizeof(float)), db[3];
    for (size_t i = 0; i < nw; i++)
        dw[i] = 1e3f; /* garbage: must be overwritten */
    conv2d_direct_backward(dx, dw, db, c.r, c.x, c.w, &c.s);
    double ex = gradcheck_max_rel_error(direct_loss, &c, c.x, dx, nx, 0.1f);
    double ew = gradcheck_max_rel_error(direct_loss, &c, c.w, dw, nw, 0.1f);
    double eb = gradcheck_max_rel_error(direct_loss, &c, c.b, db, 3, 0.1f);
    cr_assert(ew < 1e-3, "dw: relative error %.2g against centered differences (bound 1e-3). Hint: sum dy * x over "
              "every output position, and zero dw first.", ew);
    cr_assert(eb < 1e-3, "db: relative error %.2g (bound 1e-3). Hint: db[o] = sum of dy[o][i][j].", eb);
    cr_assert(ex < 1e-3, "dx: relative error %.2g (bound 1e-3). Hint: the same pixel index as the forward pass, "
              "padding subtracted.", ex);
    free(c.x), free(c.w), free(c.b), free(c.r), free(c.y), free(dx), free(dw);
}

Test(ex07_5, rectangular_kernels_match_centered_differences)
{
    /* As matches_centered_differences (L = sum(y R) is linear: h = 0.1 is exact up to rounding;
     * bound 1e-3 relative), on the rectangular kernels. */
    rng_t rng;
    rng_seed(&rng, 751);
    for (int t = 0; t < RECT_N; t++) {
        direct_ctx c;
        c.s = rect_shape(t);
        const size_t nx = (size_t)c.s.C * c.s.H * c.s.W, nw = conv_weight_count(&c.s), ny = conv_out_count(&c.s);
        c.x = random_slack(nx, 0, &rng), c.w = random_slack(nw, 0, &rng), c.b = random_slack(c.s.OC, 0, &rng);
        c.r = random_slack(ny, 0, &rng), c.y = nn_malloc(ny * sizeof(float));
        float *dx = random_slack(nx, 0, &rng), *dw = random_slack(nw, 0, &rng), *db = random_slack(c.s.OC, 0, &rng);
        conv2d_direct_backward(dx, dw, db, c.r, c.x, c.w, &c.s);
        double ew = gradcheck_max_rel_error(direct_loss, &c, c.w, dw, nw, 0.1f);
        double ex = gradcheck_max_rel_error(direct_loss, &c, c.x, dx, nx, 0.1f);
        double eb = gradcheck_max_rel_error(direct_loss, &c, c.b, db, c.s.OC, 0.1f);
        char d[200];
        cr_assert(ew < 1e-3, "%s: dw has relative error %.2g against centered differences (bound 1e-3). Hint: %s",
                  describe_rect(&c.s, d), ew, rect_hint(&c.s, "the weight index is ((o*C + c)*KH + u)*KW + v, with "
                  "u below KH and v below KW (a square kernel hides a KH written where KW belongs); dw zeroed "
                  "first."));
        cr_assert(ex < 1e-3, "%s: dx has relative error %.2g against centered differences (bound 1e-3). Hint: %s",
                  describe_rect(&c.s, d), ex, rect_hint(&c.s, "dx zeroed first, then dx[c][yy][xx] += dy * "
                  "w[((o*C + c)*KH + u)*KW + v], v running to KW."));
        cr_assert(eb < 1e-3, "%s: db has relative error %.2g against centered differences (bound 1e-3). Hint: db[o] "
                  "starts at 0 (it holds garbage on entry) and adds dy over every position of channel o.",
                  describe_rect(&c.s, d), eb);
        free(c.x), free(c.w), free(c.b), free(c.r), free(c.y), free(dx), free(dw), free(db);
    }
}

/* A map whose last row and column start no window: 3x3 windows with stride 2 on an 8x10 map give
 * (8 - 3)/2 + 1 = 3 rows and (10 - 3)/2 + 1 = 4 columns of windows. H/s x W/s = 4 x 5 would be
 * one too many each way (a window starting at row 6 or column 8 sticks out of the map); with k = s,
 * or an odd H and W here, the two agree, which is why the other checks cannot tell. The buffers
 * have POOL_SLACK spare floats after the map, so that a window sticking out fails a check
 * instead of writing outside them. */
enum { PH = 8, PW = 10, PK = 3, PS = 2, POH = 3, POW = 4, POOL_SLACK = 4 * PW };

/* dx (PH*PW + POOL_SLACK) against ref (PH*PW): the map, then nothing written after it */
static void expect_pool_dx(const float *dx, const float *ref, const char *what)
{
    for (int i = 0; i < PH * PW; i++)
        cr_assert(fabsf(dx[i] - ref[i]) < 1e-6f, "%s, 3x3 windows with stride 2 on an 8x10 map: dx at row %d, column "
                  "%d expected %g, got %g. Hint: %s", what, i / PW, i % PW, ref[i], dx[i], isnan(dx[i]) ? "dx holds "
                  "garbage (NaN here) on entry: set all of it to zero first." : "there are (H - k)/s + 1 = 3 rows and "
                  "(W - k)/s + 1 = 4 columns of windows (not H/s x W/s = 4 x 5): dy is (3, 4), and no window sticks "
                  "out of the map.");
    int outside = 0;
    for (int i = PH * PW; i < PH * PW + POOL_SLACK; i++)
        outside += !isnan(dx[i]);
    cr_assert(outside == 0, "%s, 3x3 windows with stride 2 on an 8x10 map: %d floats written past the end of dx. Hint: "
              "the last window starts at row (H'-1)*s = 4 and column (W'-1)*s = 6, with H' = (H - k)/s + 1.", what,
              outside);
}

/* --- 07.6: max pooling backward ----------------------------------------------------------------- */

/*hint 07.6
1. A window's max depends on only one of its inputs. Which inputs would change the output if they
   moved a little?
2. Find the winner as the forward pass does (the first largest value in row-major order of the
   window) and remember its index in the WHOLE map, (i*s + u)*W + (j*s + v), not in the window.
3. dx = 0; for each of the OH x OW windows (OH = (H - k)/s + 1, not H/s): dx[winner] += dy[i*OW + j].
   With overlapping windows one pixel can win several of them: +=, not =.
*/
/*note 07.6
The library's pool_max_forward saves the winners' indices so the backward pass is one scatter-add.
Max pooling passes gradient to one input in k*k: most of the layer below gets no signal from a
given example, one reason modern networks often downsample with a strided convolution instead.
*/

/*forbid 07.6
-- its twins in common/pool.h: the exercise writes its own
pool_max_backward pool_max_forward
*/

Test(ex07_6, matches_pytorch)
{
    /* PyTorch max_pool2d(2, 2) on a (1, 2, 6, 7) input: one call per channel map. */
    enum { H = 6, W = 7 };
    float *x = golden_seq(2 * H * W, 0.7, 0.3, 1, 0), *dy = golden_seq(18, 0.37, 0, 1, 0), dx[H * W];
    for (int c = 0; c < 2; c++) {
        maxpool_backward_map(dx, dy + c * 9, x + c * H * W, H, W, 2, 2);
        for (int i = 0; i < H * W; i++)
            cr_assert(fabs(dx[i] - GOLD_POOL_MAX_DX[c * H * W + i]) < 1e-6, "channel %d, dx at row %d, column %d: "
                      "expected %g (PyTorch), got %g. Hint: only the window's winner receives dy; the others get 0 "
                      "(row 5 and column 6 are in no window).", c, i / W, i % W, GOLD_POOL_MAX_DX[c * H * W + i], dx[i]);
    }
    free(x), free(dy);
}

Test(ex07_6, overlapping_windows_accumulate)
{
    /* 3x3 windows with stride 2 overlap; random maps: winners shared by two windows occur. Compared
     * with the library's forward (winner indices) and backward. */
    rng_t rng;
    rng_seed(&rng, 77);
    enum { H = 9, W = 11, OH = 4, OW = 5 };
    for (int t = 0; t < 5; t++) {
        float *x = random_vec(H * W, &rng), *dy = random_vec(OH * OW, &rng), y[OH * OW], dx[H * W], ref[H * W];
        int idx[OH * OW];
        pool_max_forward(y, idx, x, 1, 1, H, W, 3, 2);
        pool_max_backward(ref, dy, idx, 1, 1, H, W, 3, 2);
        for (int i = 0; i < H * W; i++)
            dx[i] = NAN;
        maxpool_backward_map(dx, dy, x, H, W, 3, 2);
        for (int i = 0; i < H * W; i++)
            cr_assert(fabsf(dx[i] - ref[i]) < 1e-6f, "3x3 windows, stride 2, dx at row %d, column %d: expected %g, got "
                      "%g. Hint: a pixel that wins two overlapping windows collects both gradients (+=); the index is "
                      "(i*s + u)*W + j*s + v in the whole map.", i / W, i % W, ref[i], dx[i]);
        free(x), free(dy);
    }
}

Test(ex07_6, ties_go_to_the_first)
{
    /* A flat 4x4 map: every window is a tie; PyTorch (and the forward pass) picks the first in
     * row-major order, the window's top-left corner. */
    float x[16], dy[4] = {1, 2, 3, 4}, dx[16];
    for (int i = 0; i < 16; i++)
        x[i] = 0.5f;
    maxpool_backward_map(dx, dy, x, 4, 4, 2, 2);
    const float want[16] = {1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0};
    for (int i = 0; i < 16; i++)
        cr_assert(dx[i] == want[i], "a flat map, 2x2 windows: dx[%d] expected %g, got %g. Hint: only the winner "
                  "receives dy, at its index in the whole map, and on a tie the FIRST largest value wins (>, not >=).", i, want[i], dx[i]);
}

Test(ex07_6, window_count_from_the_output_size_formula)
{
    rng_t rng;
    rng_seed(&rng, 761);
    /* past the map, x holds 100: a window that reached there would pick its winner outside the map */
    float *x = random_slack(PH * PW, 100, &rng), *dy = random_slack(5 * 5, 0, &rng), y[POH * POW], ref[PH * PW],
          dx[PH * PW + POOL_SLACK];
    int idx[POH * POW];
    pool_max_forward(y, idx, x, 1, 1, PH, PW, PK, PS);
    pool_max_backward(ref, dy, idx, 1, 1, PH, PW, PK, PS);
    for (int i = 0; i < PH * PW + POOL_SLACK; i++)
        dx[i] = NAN;
    maxpool_backward_map(dx, dy, x, PH, PW, PK, PS);
    expect_pool_dx(dx, ref, "max pooling");
    free(x), free(dy);
}

/* --- 07.7: average pooling backward ------------------------------------------------------------- */

/*hint 07.7
1. How much does one input of a k x k window contribute to the window's average?
2. Each input moves the output by 1/k^2 of its own change, so it receives dy / k^2 from that window.
3. dx = 0; for every window (i, j), i < OH = (H - k)/s + 1 and j < OW = (W - k)/s + 1, and every
   (u, v) in it: dx[(i*s + u)*W + j*s + v] += dy[i*OW + j] / (k*k).
*/
/*note 07.7
Global average pooling (pool_global_avg_* in common/pool.h) is the k = H = W case: every pixel of a
channel gets dy / (H W). Published residual networks end with it (section 7.10's small one flattens
into a dense layer instead): it accepts any image size and has no weights to overfit.
*/

/*forbid 07.7
-- its twins in common/pool.h: the exercise writes its own
pool_avg_backward
*/

Test(ex07_7, matches_pytorch_with_overlapping_windows)
{
    /* PyTorch avg_pool2d(3, 2) on a (1, 2, 6, 7) input: 2 x 3 windows per channel, overlapping. */
    enum { H = 6, W = 7 };
    float *dy = golden_seq(12, 0.37, 0, 1, 0), dx[H * W];
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < H * W; i++)
            dx[i] = NAN;
        avgpool_backward_map(dx, dy + c * 6, H, W, 3, 2);
        for (int i = 0; i < H * W; i++)
            cr_assert(fabs(dx[i] - GOLD_POOL_AVG_DX[c * H * W + i]) < 1e-6, "channel %d, dx at row %d, column %d: "
                      "expected %g (PyTorch), got %g. Hint: each input receives dy / k^2 from EVERY window it is in.", c,
                      i / W, i % W, GOLD_POOL_AVG_DX[c * H * W + i], dx[i]);
    }
    free(dy);
}

Test(ex07_7, total_gradient_is_conserved)
{
    /* Non-overlapping 2x2 windows: each window hands out exactly its dy, so sum(dx) = sum(dy). */
    float dy[9] = {1, -2, 3, 0.5f, 4, -1, 2, 2, 2}, dx[36];
    avgpool_backward_map(dx, dy, 6, 6, 2, 2);
    double sx = 0;
    for (int i = 0; i < 36; i++)
        sx += dx[i];
    cr_assert(fabs(sx - 11.5) < 1e-5, "2x2 windows: sum of dx = %g, expected sum of dy = 11.5. Hint: 4 inputs get "
              "dy / 4 each; is the 1/k^2 factor there, and k*k (not k)?", sx);
    cr_assert(fabsf(dx[0] - 0.25f) < 1e-6f, "dx[0]: expected 1/4 of the first window's dy (0.25), got %g", dx[0]);
}

Test(ex07_7, window_count_from_the_output_size_formula)
{
    rng_t rng;
    rng_seed(&rng, 771);
    float *dy = random_slack(5 * 5, 0, &rng), ref[PH * PW], dx[PH * PW + POOL_SLACK];
    pool_avg_backward(ref, dy, 1, 1, PH, PW, PK, PS);
    for (int i = 0; i < PH * PW + POOL_SLACK; i++)
        dx[i] = NAN;
    avgpool_backward_map(dx, dy, PH, PW, PK, PS);
    expect_pool_dx(dx, ref, "average pooling");
    free(dy);
}

/* --- 07.8: the SE block's forward pass ---------------------------------------------------------- */

/*hint 07.8
1. Four steps, in the order of section 7.11's equations: what is z, what is h, what is s, what is y?
2. The squeeze is the MEAN over the S positions of a channel (not the sum); the first dense layer
   ends with a ReLU, the second with a sigmoid; w1 is (C, R), so h_r = b1_r + sum_c z_c w1[c*R + r].
3. y[c*S + q] = s[c] * x[c*S + q], s[c] = 1 / (1 + exp(-(b2_c + sum_r h_r w2[r*C + c]))): every
   position of channel c uses the SAME gate s[c].
*/
/*note 07.8
The gates are a function of the whole image (through the means), so an SE block is a cheap form of
attention over channels: chapter 10's attention weighs positions the same way, with a softmax
instead of independent sigmoids. Because sigmoid gates lie in (0, 1), SE can only turn channels
down; placed on the residual branch, it decides per image how much each block adds. Read
se_backward in common/se.c for the two paths of the gradient of x.
*/

/*forbid 07.8
-- its twins in common/se.h: the exercise writes its own
se_forward
*/

/* The SE block for one image by the library (batch of 1), on random data of the given sizes. */
static void se_case(int C, int S, int R, unsigned seed, float *y_lib, float *s_lib, float *y, float *s)
{
    rng_t rng;
    rng_seed(&rng, seed);
    float *x = random_vec((size_t)C * S, &rng), *w = random_vec(se_param_count(C, R), &rng);
    for (int i = 0; i < C * S; i++)
        x[i] += 0.3f; /* channel means away from 0 */
    float *w1 = w, *b1 = w + C * R, *w2 = b1 + R, *b2 = w2 + R * C;
    float *z = nn_malloc((size_t)C * sizeof(float)), *h = nn_malloc((size_t)R * sizeof(float));
    se_forward(y_lib, z, h, s_lib, x, w1, b1, w2, b2, 1, C, S, R);
    se_forward_image(y, s, x, w1, b1, w2, b2, C, S, R);
    free(x), free(w), free(z), free(h);
}

Test(ex07_8, matches_the_library)
{
    static const int cases[][3] = {{6, 12, 2}, {16, 49, 4}, {32, 1, 8}, {3, 7, 3}};
    for (int k = 0; k < 4; k++) {
        const int C = cases[k][0], S = cases[k][1], R = cases[k][2];
        float *yl = nn_malloc((size_t)C * S * sizeof(float)), *y = nn_malloc((size_t)C * S * sizeof(float));
        float sl[32], sv[32];
        for (int i = 0; i < C * S; i++)
            y[i] = NAN;
        se_case(C, S, R, 40 + k, yl, sl, y, sv);
        for (int c = 0; c < C; c++)
            cr_assert(fabsf(sv[c] - sl[c]) < 1e-5f, "C=%d, S=%d, R=%d: gate s[%d] expected %g, got %g. Hint: z is the "
                      "channel's MEAN, h = relu(z w1 + b1), s = sigmoid(h w2 + b2), with w1 (C, R) and w2 (R, C) "
                      "row-major.", C, S, R, c, sl[c], sv[c]);
        for (int i = 0; i < C * S; i++)
            cr_assert(fabsf(y[i] - yl[i]) < 1e-5f, "C=%d, S=%d, R=%d: y at channel %d, position %d expected %g, got "
                      "%g. Hint: every position q of channel c is multiplied by the same gate s[c]: y[c*S + q] = "
                      "s[c] * x[c*S + q].", C, S, R, i / S, i % S, yl[i], y[i]);
        free(yl), free(y);
    }
}

Test(ex07_8, by_hand)
{
    /* C = 2, S = 2, R = 1: x = (1, 3 | -2, 0), channel means z = (2, -1); w1 = (1, 1), b1 = 0.5:
     * h = relu(2 - 1 + 0.5) = 1.5; w2 = (2, -1), b2 = (0, 1): s = (sigmoid(3), sigmoid(-0.5)). */
    const float x[4] = {1, 3, -2, 0}, w1[2] = {1, 1}, b1 = 0.5f, w2[2] = {2, -1}, b2[2] = {0, 1};
    float y[4], s[2];
    se_forward_image(y, s, x, w1, &b1, w2, b2, 2, 2, 1);
    const float s0 = 1 / (1 + expf(-3.0f)), s1 = 1 / (1 + expf(0.5f));
    cr_assert(fabsf(s[0] - s0) < 1e-6f && fabsf(s[1] - s1) < 1e-6f, "gates (%g, %g), expected sigmoid(3) = %g and "
              "sigmoid(-0.5) = %g (channel means 2 and -1, h = relu(2 - 1 + 0.5) = 1.5). Hint: the squeeze divides by "
              "S; the second layer ends with a sigmoid.", s[0], s[1], s0, s1);
    const float want[4] = {s0, 3 * s0, -2 * s1, 0};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(y[i] - want[i]) < 1e-6f, "y[%d] expected %g, got %g. Hint: y = s[c] * x, one gate per channel.",
                  i, want[i], y[i]);
}

/* --- 07.9: the gradient of a concatenation ------------------------------------------------------ */

/*hint 07.9
1. In memory, where does image b's part of input i sit inside the concatenated (B, C_total, S) array?
2. Image b of dy starts at b * C_total * S; inside it, input i's channels start after the channels
   of inputs 0 .. i-1. Input i's own array has image b at b * C[i] * S.
3. For every b and i: dx[i][b*C[i]*S + k] += dy[(b*C_total + off_i)*S + k], k < C[i]*S, off_i = C[0] + ... + C[i-1].
*/
/*note 07.9
The forward pass is the same loop with the copy turned around, and torch.cat's backward is exactly
this split. Concatenation along the channels is why inception modules (and DenseNet, which
concatenates every layer's output to all its inputs) cost memory rather than arithmetic. With
the channel axis last, (B, H, W, C), the blocks would be interleaved at every pixel instead.
*/

Test(ex07_9, splits_three_inputs_image_by_image)
{
    /* B = 3 images, inputs of 2, 1 and 3 channels, S = 4: dy[b, c, q] = 100 b + 10 c + q, so each
     * value tells where it came from; dx starts at 0.5 to see that the split ADDS. */
    enum { B = 3, S = 4, T = 6 };
    const int C[3] = {2, 1, 3};
    float dy[B * T * S], d0[B * 2 * S], d1[B * 1 * S], d2[B * 3 * S], *dx[3] = {d0, d1, d2};
    for (int i = 0; i < B * T * S; i++)
        dy[i] = (float)(100 * (i / (T * S)) + 10 * (i / S % T) + i % S);
    for (int i = 0; i < B * 2 * S; i++) d0[i] = 0.5f;
    for (int i = 0; i < B * 1 * S; i++) d1[i] = 0.5f;
    for (int i = 0; i < B * 3 * S; i++) d2[i] = 0.5f;
    concat_backward(dx, dy, C, 3, B, S);
    int off = 0;
    for (int i = 0; i < 3; i++) {
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C[i]; c++)
                for (int q = 0; q < S; q++) {
                    float got = dx[i][(b * C[i] + c) * S + q], want = 100 * b + 10 * (off + c) + q + 0.5f;
                    cr_assert(got == want, "input %d, image %d, channel %d, position %d: expected %g (dy of image %d, "
                              "channel %d of the concatenation, plus the 0.5 already there), got %g. Hint: image b of "
                              "dy starts at b * C_total * S, and input i's channels follow those of inputs 0..i-1; "
                              "add (+=), do not assign.", i, b, c, q, want, b, off + c, got);
                }
        off += C[i];
    }
}

Test(ex07_9, one_input_is_a_copy)
{
    /* n = 1: the split of a concatenation of one input is dy itself, added to dx. */
    float dy[2 * 3 * 5], d[2 * 3 * 5], *dx[1] = {d};
    const int C[1] = {3};
    for (int i = 0; i < 30; i++)
        dy[i] = (float)i, d[i] = 1;
    concat_backward(dx, dy, C, 1, 2, 5);
    for (int i = 0; i < 30; i++)
        cr_assert(d[i] == i + 1, "one input: dx[%d] expected dy + 1 = %d, got %g", i, i + 1, d[i]);
}

/* --- ch07: a shape that does not fit (no points; the program's flags and data are tested in
 * common/tests/test_cli_cnn.c) ---------------------------------------------------------------------- */

static void bad_shape(void *arg)
{
    (void)arg;
    conv_shape_t s;
    exit(conv_shape_init(&s, 8, 6, 4, 4, 16, 5, 5, 1, 0, 1) == -1 ? 5 : 0);
}

Test(ch07, a_kernel_larger_than_the_input_is_an_error)
{
    char err[2048];
    int st = capture_stderr(bad_shape, NULL, err, sizeof err);
    cr_assert_eq(st, 5, "conv_shape_init with a 5x5 kernel on a 4x4 input: expected -1, status %d", st);
    cr_assert(strstr(err, "larger than the padded input") != NULL, "message: %s", err);
}

/* The inception module's padded 3x3 pool: padding never wins, and a NaN anywhere in a window wins
 * (pool_max_forward's rule), not only from the window's first position. */
Test(ch07, padded_max_pool_ignores_padding_and_keeps_a_nan)
{
    float x[9] = {-1, -9, -2, -9, -9, -9, -3, -9, -4}; /* all negative: a zero pad would win */
    float y[9];
    int arg[9];
    maxpool_padded_forward(y, arg, x, 1, 1, 3, 3, 3, 1, 1);
    const float want[9] = {-1, -1, -2, -1, -1, -2, -3, -3, -4};
    for (int i = 0; i < 9; i++)
        cr_assert(y[i] == want[i] && x[arg[i]] == y[i], "output %d: expected %g (the window's largest input, "
                  "never the padding), got %g at index %d", i, want[i], y[i], arg[i]);
    x[8] = NAN; /* last position of the windows of outputs 4, 5, 7, 8 */
    maxpool_padded_forward(y, arg, x, 1, 1, 3, 3, 3, 1, 1);
    for (int i = 0; i < 9; i++) {
        const int has_nan = (i / 3 >= 1) && (i % 3 >= 1);
        cr_assert(has_nan ? isnan(y[i]) && arg[i] == 8 : y[i] == want[i], "output %d: expected %s, got %g (index %d)",
                  i, has_nan ? "NaN (its window holds x[8] = NaN)" : "the same as without the NaN", y[i], arg[i]);
    }
}

/* --- the layer-list networks of sections 7.10-7.12 against centered differences ------------------
 *
 * CS231n's check of a whole network: a batch of B random images, a random upstream gradient R of
 * the logits' shape and the scalar L = sum(logits * R), so dL/dlogits = R exactly; net_backward(R)
 * must give dL/dtheta for every parameter. The networks are built by the chapter's own builders;
 * batch norm runs in training mode (batch statistics, which every image's gradient goes through),
 * and the rng of dropout and stochastic depth is re-seeded before every forward pass, so that each
 * evaluation of L drops the same units and the same branches.
 *
 * Kinks. relu and max pooling are not differentiable where a pre-activation is 0 or where two
 * entries of a pooling window are equal; a centered difference whose step crosses such a point
 * averages two slopes. The inputs are continuous random numbers (no exact ties), the step is small
 * (h = 1e-2 on weights of size ~0.1-1), and gradcheck_run halves the step up to four times when an
 * element disagrees, so a near-tie drops out of reach; an element that still sits on a kink at
 * h/16 is counted apart (gradcheck.h). The checks require few of them and a small error on all
 * the others. */

typedef struct {
    net_t *m;
    const float *x, *r;
    int B;
    rng_t drop; /* the network's rng for dropout and stochastic depth */
} netcheck_t;

static double netcheck_loss(void *p)
{
    netcheck_t *c = p;
    rng_seed(&c->drop, 5); /* the same masks and dropped branches at every evaluation */
    const float *z = net_forward(c->m, c->x, c->B, 1);
    return gradcheck_dot(z, c->r, (size_t)c->B * 10);
}

typedef struct {
    double worst;        /* largest relative error over the elements that are not kinks */
    int worst_node;      /* where it is */
    size_t worst_index;
    double analytic, numeric;
    double worst_node_error; /* largest |a - n| / (|a| + |n|) over one node's checked elements (2-norms) */
    int worst_agg_node;
    int checked, kinks, nonzero;
} netcheck_result_t;

/* Allocates m (a network from one of the chapter's builders) for B random images with weights
 * drawn from seed, runs forward and backward once, then checks up to per_node parameters of every
 * node that has some, spread evenly over them; frees m. */
static netcheck_result_t netcheck_run(net_t *m, int B, int per_node, unsigned seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    net_alloc(m, B, &rng);
    netcheck_t c = {.m = m, .B = B};
    m->rng = &c.drop;
    const size_t nx = (size_t)B * net_size(&m->node[0]);
    float *x = random_vec(nx, &rng), *r = random_vec((size_t)B * 10, &rng);
    c.x = x, c.r = r;
    /* batch norm's beta and the biases start at 0 and gamma at 1: move them off those values */
    for (int i = 1; i < m->n; i++)
        if (m->node[i].kind == NET_BN)
            for (int k = 0; k < 2 * m->node[i].C; k++)
                m->params[m->node[i].off + k] += 0.3f * rng_normal(&rng);
    netcheck_loss(&c);
    net_backward(m, r, B);
    netcheck_result_t res = {0};
    for (int i = 1; i < m->n; i++) {
        const net_node_t *d = &m->node[i];
        int k_max = d->count < (size_t)per_node ? (int)d->count : per_node;
        double diff2 = 0, a2 = 0, n2 = 0;
        for (int k = 0; k < k_max; k++) {
            size_t j = d->off + (size_t)k * d->count / k_max;
            gradcheck_result_t g = gradcheck_run(netcheck_loss, &c, m->params + j, m->grads + j, 1, 1e-2f);
            res.checked++, res.kinks += (int)g.kinks, res.nonzero += fabs(m->grads[j]) > 1e-4;
            if (!g.kinks)
                diff2 += (g.analytic - g.numeric) * (g.analytic - g.numeric), a2 += g.analytic * g.analytic,
                    n2 += g.numeric * g.numeric;
            if (!(g.max_rel_error <= res.worst)) /* NaN lands here too */
                res.worst = g.max_rel_error, res.worst_node = i, res.worst_index = j - d->off, res.analytic = g.analytic,
                res.numeric = g.numeric;
        }
        double agg = sqrt(diff2) / fmax(sqrt(a2) + sqrt(n2), 1e-3);
        if (k_max && !(agg <= res.worst_node_error))
            res.worst_node_error = agg, res.worst_agg_node = i;
    }
    free(x), free(r);
    net_free(m);
    return res;
}

static const char *const netcheck_kind[] = {"input", "convolution", "batch norm", "relu", "max pooling", "dense",
                                            "dropout", "sum", "concatenation", "SE", "CoordConv"};

/* The bounds, from runs of these checks (h = 1e-2, 10 elements per node): the worst node's error
 * 0.004-0.012, the worst single element 0.01-0.04, kinks 3-10% of the elements. The errors are not
 * smaller at other steps (h = 3e-3 and 1e-3 gave the same range): with tens of thousands of relu
 * units and pooling windows, any step moves a few of them across their kink, and a smaller one
 * drowns in float32 rounding. A wrong backward pass (a skip's gradient lost, batch norm's mean
 * term left out, a concatenation split at the wrong offset) gives errors of 0.3 to 1. */
static void netcheck_assert(net_t *m, const char *name, int B, unsigned seed, const char *hint)
{
    netcheck_result_t r = netcheck_run(m, B, 10, seed);
    const char *wk = netcheck_kind[m->node[r.worst_node].kind], *ak = netcheck_kind[m->node[r.worst_agg_node].kind];
    cr_assert(r.worst_node_error < 0.03, "%s: backward pass against centered differences (h = 1e-2) on %d "
              "parameters: node %d (%s) has error %.3g over its checked parameters, bound 0.03 (a correct backward "
              "pass gives about 0.01). Hint: %s", name, r.checked, r.worst_agg_node, ak, r.worst_node_error, hint);
    cr_assert(r.worst < 0.1, "%s: parameter %zu of node %d (%s): analytic %g, centered difference %g, relative error "
              "%.3g, bound 0.1 (a correct backward pass gives at most about 0.04). Hint: %s", name, r.worst_index,
              r.worst_node, wk, r.analytic, r.numeric, r.worst, hint);
    cr_assert(r.kinks * 4 < r.checked, "%s: %d of %d checked parameters sit on a kink (bound a quarter; about 5%% "
              "expected): the check is not telling much. Hint: a step h that is too large for the weights.", name,
              r.kinks, r.checked);
    cr_assert(r.nonzero * 4 > r.checked, "%s: only %d of %d gradients are not zero: expected most of them. Hint: does "
              "net_backward reach every node?", name, r.nonzero, r.checked);
}

Test(ch07, residual_network_gradients_match_centered_differences)
{
    /* The network of section 7.10 as --experiment resnet trains it (3 images), then narrower ones
     * with SE, CoordConv and stochastic depth (p = 0.5, and 0.9 to drop a branch). */
    const res_config_t cfg[3] = {{16, 32, 0, 0, 0}, {8, 12, 1, 0.5f, 1}, {8, 12, 1, 0.9f, 0}};
    const char *const name[3] = {"the residual network of 7.10", "residual network with SE, CoordConv, stochastic "
                                 "depth 0.5", "residual network with SE, stochastic depth 0.9"};
    for (int t = 0; t < 3; t++) {
        net_t m;
        build_resnet(&m, &cfg[t]);
        netcheck_assert(&m, name[t], 3, 70 + t, "every node ADDS its inputs' gradients into their dy (the input "
                        "of a residual block is read twice), and a dropped branch gets none.");
    }
}

Test(ch07, alexnet_gradients_match_centered_differences)
{
    /* section 7.12's scaled-down AlexNet: overlapping pooling, dropout (the same mask every pass) */
    net_t m;
    build_alexnet(&m);
    netcheck_assert(&m, "the scaled-down AlexNet of 7.12", 3, 80, "dropout's backward uses the forward's mask; "
                    "overlapping windows add their gradients.");
}

Test(ex07_9, inception_module_gradients_match_centered_differences)
{
    /* section 7.12's network with one inception module: its backward pass splits the
     * concatenation's gradient with your concat_backward */
    net_t m;
    build_inception(&m);
    netcheck_assert(&m, "the inception network of 7.12", 3, 79, "the concatenation's backward (concat_backward) "
                    "must hand each branch the channels of dy it produced, image by image, and add them.");
}
