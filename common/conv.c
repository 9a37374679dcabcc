/* conv.c — see conv.h. */
#include "conv.h"

#include "error.h"
#include "matmul.h"
#include "simd4.h"

#include <string.h>

int conv_out_size(int n, int k, int stride, int pad, int dil, const char *what)
{
    if (stride < 1) {
        nn_error("a stride of 1 visits every position, 2 every other one; 0 would never move",
                 "convolution %s: stride %d: expected a stride of at least 1", what, stride);
        return -1;
    }
    if (dil < 1 || pad < 0 || k < 1 || n < 1) {
        nn_error("sizes and dilation start at 1, padding at 0",
                 "convolution %s: input %d, kernel %d, padding %d, dilation %d: expected input >= 1, "
                 "kernel >= 1, padding >= 0, dilation >= 1", what, n, k, pad, dil);
        return -1;
    }
    long extent = (long)dil * (k - 1) + 1;
    if (extent > (long)n + 2L * pad) {
        nn_error("pad the input (padding (k - 1) / 2 keeps the size), or use a smaller kernel",
                 "convolution %s: the kernel (%d%s, extent %ld) is larger than the padded input (%d + 2 * %d = %d): "
                 "expected the kernel to fit at least once", what, k, dil > 1 ? " dilated" : "", extent, n, pad,
                 n + 2 * pad);
        return -1;
    }
    return (int)((n + 2L * pad - extent) / stride) + 1;
}

static int shape_finish(conv_shape_t *s)
{
    if (s->B < 1 || s->C < 1 || s->OC < 1) {
        nn_error("a batch holds at least one example, a layer at least one channel in and out",
                 "convolution: batch %d, channels in %d, channels out %d: expected each >= 1", s->B, s->C, s->OC);
        return -1;
    }
    s->OH = conv_out_size(s->H, s->KH, s->stride_h, s->pad_h, s->dil_h, "height");
    if (s->OH < 0)
        return -1;
    s->OW = conv_out_size(s->W, s->KW, s->stride_w, s->pad_w, s->dil_w, "width");
    return s->OW < 0 ? -1 : 0;
}

int conv_shape_init(conv_shape_t *s, int B, int C, int H, int W, int OC, int KH, int KW, int stride, int pad,
                    int dil)
{
    *s = (conv_shape_t){B, C, H, W, OC, KH, KW, stride, stride, pad, pad, dil, dil, 0, 0};
    return shape_finish(s);
}

int conv1d_shape_init(conv_shape_t *s, int B, int C, int L, int OC, int K, int stride, int pad, int dil)
{
    *s = (conv_shape_t){B, C, 1, L, OC, 1, K, 1, stride, 0, pad, 1, dil, 0, 0};
    return shape_finish(s);
}

size_t conv_cols_size(const conv_shape_t *s)
{
    return (size_t)s->C * s->KH * s->KW * s->B * s->OH * s->OW;
}

size_t conv_out_count(const conv_shape_t *s) { return (size_t)s->B * s->OC * s->OH * s->OW; }

size_t conv_weight_count(const conv_shape_t *s) { return (size_t)s->OC * s->C * s->KH * s->KW; }

double conv_forward_flops(const conv_shape_t *s)
{
    return 2.0 * s->B * s->OH * s->OW * s->OC * s->C * s->KH * s->KW;
}

/* The output columns j in [*j0, *j1) whose input column j*sw + off lies inside [0, W). */
static void valid_range(int *j0, int *j1, int off, int sw, int W, int OW)
{
    int a = off >= 0 ? 0 : (-off + sw - 1) / sw;
    int b = W - off <= 0 ? 0 : (W - off + sw - 1) / sw; /* first j with j*sw + off >= W */
    *j0 = a < OW ? a : OW;
    *j1 = b < OW ? b : OW;
    if (*j1 < *j0)
        *j1 = *j0;
}

/* Walks every (row r = (c, u, v), image b, output row i) of cols; for each, the output columns
 * j0..j1 read input row yy of channel c at columns j*sw + off. Shared by im2col and col2im. The
 * walk's order is cols' memory order, so `row` just moves on by OW floats (and the shape's
 * fields are read once: the body's stores through float pointers would otherwise make the
 * compiler read them again for every row of 10 to 28 floats). */
#define FOR_EACH_PATCH_ROW(s, BODY)                                                                      \
    do {                                                                                                 \
        const int B_ = (s)->B, C_ = (s)->C, H_ = (s)->H, W_ = (s)->W, KH_ = (s)->KH, KW_ = (s)->KW;      \
        const int OH_ = (s)->OH, OW_ = (s)->OW, sh_ = (s)->stride_h, dh_ = (s)->dil_h, ph_ = (s)->pad_h; \
        float *row = cols;                                                                               \
        for (int c = 0; c < C_; c++)                                                                     \
            for (int u = 0; u < KH_; u++)                                                                \
                for (int v = 0; v < KW_; v++) {                                                          \
                    const int off = v * (s)->dil_w - (s)->pad_w;                                         \
                    int j0, j1;                                                                          \
                    valid_range(&j0, &j1, off, (s)->stride_w, W_, OW_);                                  \
                    for (int b = 0; b < B_; b++) {                                                       \
                        const size_t plane = ((size_t)b * C_ + c) * H_;                                  \
                        for (int i = 0; i < OH_; i++, row += OW_) {                                      \
                            const int yy = i * sh_ + u * dh_ - ph_;                                      \
                            const int inside = yy >= 0 && yy < H_;                                       \
                            const size_t xrow = (plane + (inside ? yy : 0)) * W_;                        \
                            BODY                                                                         \
                        }                                                                                \
                    }                                                                                    \
                }                                                                                        \
    } while (0)

/* Rows 4 floats at a time (simd4.h); each function is a plain loop in meaning. */

/* dst[j] = src[j] for j < n; from n = 4 on, the last 4 are copied as one vector that may overlap
 * the one before (it writes the same values again): no scalar tail. */
static inline void copy_row(float *dst, const float *src, int n)
{
    if (n < 4) {
        for (int j = 0; j < n; j++)
            dst[j] = src[j];
        return;
    }
    for (int j = 0; j + 4 < n; j += 4)
        f4_store(dst + j, f4_load(src + j));
    f4_store(dst + n - 4, f4_load(src + n - 4));
}

/* dst[j] = src[j] + add for j < n */
static inline void add_const_row(float *dst, const float *src, float add, int n)
{
    const f4_t a = {add, add, add, add};
    int j = 0;
    for (; j + 4 <= n; j += 4)
        f4_store(dst + j, f4_load(src + j) + a);
    for (; j < n; j++)
        dst[j] = src[j] + add;
}

/* dst[j] += src[j] for j < n */
static inline void add_row(float *dst, const float *src, int n)
{
    int j = 0;
    for (; j + 4 <= n; j += 4)
        f4_store(dst + j, f4_load(dst + j) + f4_load(src + j));
    for (; j < n; j++)
        dst[j] += src[j];
}

static inline void zero_row(float *dst, int n)
{
    const f4_t z = {0, 0, 0, 0};
    int j = 0;
    for (; j + 4 <= n; j += 4)
        f4_store(dst + j, z);
    for (; j < n; j++)
        dst[j] = 0;
}

void conv_im2col(float *cols, const float *x, const conv_shape_t *s)
{
    const int sw = s->stride_w, OW = s->OW;
    FOR_EACH_PATCH_ROW(s, {
        if (!inside) {
            zero_row(row, OW);
            continue;
        }
        const float *src = x + xrow + off;
        for (int j = 0; j < j0; j++)
            row[j] = 0;
        if (sw == 1)
            copy_row(row + j0, src + j0, j1 - j0);
        else
            for (int j = j0; j < j1; j++)
                row[j] = src[(size_t)j * sw];
        for (int j = j1; j < OW; j++)
            row[j] = 0;
    });
}

void conv_col2im(float *dx, const float *dcols, const conv_shape_t *s)
{
    const int sw = s->stride_w;
    memset(dx, 0, (size_t)s->B * s->C * s->H * s->W * sizeof(float));
    float *cols = (float *)dcols; /* the walk names it cols; only read here */
    FOR_EACH_PATCH_ROW(s, {
        if (!inside)
            continue;
        float *dst = dx + xrow + off;
        if (sw == 1)
            add_row(dst + j0, row + j0, j1 - j0);
        else
            for (int j = j0; j < j1; j++)
                dst[(size_t)j * sw] += row[j];
    });
}

/* Images per chunk: the chunk's cols and reordered output, (C*KH*KW + OC) * OH*OW floats per
 * image, fit in CONV_CHUNK_BYTES, so the im2col matrix is written and read back from the cache.
 * `n` is the number of images one thread works through. */
static int chunk_images(const conv_shape_t *s, int n)
{
    size_t per = ((size_t)s->C * s->KH * s->KW + s->OC) * s->OH * s->OW * sizeof(float);
    size_t nb = CONV_CHUNK_BYTES / (per ? per : 1);
    if (nb < 1)
        nb = 1;
    return nb < (size_t)n ? (int)nb : n;
}

/* Floats of one thread's chunk scratch. */
static size_t part_size(const conv_shape_t *s)
{
    return ((size_t)s->C * s->KH * s->KW + s->OC) * s->OH * s->OW * (size_t)chunk_images(s, (s->B + 1) / 2);
}

size_t conv_work_size(const conv_shape_t *s)
{
    /* two threads' chunk scratch, then the second thread's partial dw and db */
    return 2 * part_size(s) + conv_weight_count(s) + (size_t)s->OC;
}

/* The shape of images b0 .. b0+nb-1 of s, as a batch of its own. */
static conv_shape_t sub_batch(const conv_shape_t *s, int nb)
{
    conv_shape_t c = *s;
    c.B = nb;
    return c;
}

/* One thread's share of a layer call: images [lo, hi) of the batch, its own scratch `work`, and
 * where its dw and db go (the caller's arrays, or the partial sums the caller adds afterwards). */
typedef struct {
    float *y, *dx, *dw, *db, *work;
    const float *x, *w, *b, *dy;
    const conv_shape_t *s;
    int lo, hi;
} conv_part_t;

static void *forward_part(void *arg)
{
    const conv_part_t *t = arg;
    const conv_shape_t *s = t->s;
    const int OC = s->OC, K = s->C * s->KH * s->KW, NB = chunk_images(s, t->hi - t->lo);
    const size_t P = (size_t)s->OH * s->OW, img = (size_t)s->C * s->H * s->W;
    for (int b0 = t->lo; b0 < t->hi; b0 += NB) {
        const int nb = t->hi - b0 < NB ? t->hi - b0 : NB;
        const conv_shape_t c = sub_batch(s, nb);
        const size_t N = (size_t)nb * P;
        float *cols = t->work, *yt = t->work + (size_t)K * N;
        conv_im2col(cols, t->x + (size_t)b0 * img, &c);
        matmul_blas(0, 0, OC, (int)N, K, 1.0f, t->w, cols, 0.0f, yt); /* Y' (OC, nb*P) */
        for (int bi = 0; bi < nb; bi++) /* Y' (OC, nb, P) -> y (B, OC, P), adding the bias */
            for (int o = 0; o < OC; o++) {
                const float *src = yt + (size_t)o * N + (size_t)bi * P;
                add_const_row(t->y + ((size_t)(b0 + bi) * OC + o) * P, src, t->b ? t->b[o] : 0.0f, (int)P);
            }
    }
    return NULL;
}

static void *backward_part(void *arg)
{
    const conv_part_t *t = arg;
    const conv_shape_t *s = t->s;
    const int OC = s->OC, K = s->C * s->KH * s->KW, NB = chunk_images(s, t->hi - t->lo);
    const size_t P = (size_t)s->OH * s->OW, img = (size_t)s->C * s->H * s->W;
    if (t->db)
        memset(t->db, 0, (size_t)OC * sizeof(float));
    for (int b0 = t->lo; b0 < t->hi; b0 += NB) {
        const int nb = t->hi - b0 < NB ? t->hi - b0 : NB;
        const conv_shape_t c = sub_batch(s, nb);
        const size_t N = (size_t)nb * P;
        float *cols = t->work, *dyt = t->work + (size_t)K * N;
        for (int bi = 0; bi < nb; bi++) /* dy (B, OC, P) -> dY' (OC, nb*P), summing db on the way */
            for (int o = 0; o < OC; o++) {
                const float *src = t->dy + ((size_t)(b0 + bi) * OC + o) * P;
                float *dst = dyt + (size_t)o * N + (size_t)bi * P, sum = 0;
                for (size_t p = 0; p < P; p++)
                    dst[p] = src[p], sum += src[p];
                if (t->db)
                    t->db[o] += sum;
            }
        conv_im2col(cols, t->x + (size_t)b0 * img, &c); /* recomputed: cheaper than keeping it */
        matmul_blas(0, 1, OC, K, (int)N, 1.0f, dyt, cols, b0 > t->lo ? 1.0f : 0.0f, t->dw); /* dw += dY' cols^T */
        if (!t->dx)
            continue;
        matmul_blas(1, 0, K, (int)N, OC, 1.0f, t->w, dyt, 0.0f, cols); /* dcols = w^T dY', over the used cols */
        conv_col2im(t->dx + (size_t)b0 * img, cols, &c);
    }
    return NULL;
}

/* Runs fn on the two halves of the batch (t[0] and t[1] alike but for where dw and db go; this sets
 * their ranges and scratch), the second half on a thread of its own (matmul_run2), with OpenBLAS
 * held to one thread meanwhile (each half's products are too thin to share). A layer below
 * CONV_SPLIT_FLOPS, or a batch of one image, runs in one piece: a thread would cost more than it
 * saves. Which images go to which half depends on the shape alone, never on the machine, so the
 * results are the same wherever this runs (even when no thread can be created: then the second
 * half runs after the first). Returns whether the batch was split. */
static int run_halves(conv_part_t t[2], void *(*fn)(void *))
{
    const conv_shape_t *s = t[0].s;
    if (s->B < 2 || conv_forward_flops(s) < CONV_SPLIT_FLOPS) {
        fn(&t[0]);
        return 0;
    }
    t[0].hi = t[1].lo = s->B / 2;
    t[1].work = t[0].work + part_size(s);
    matmul_run2(fn, &t[0], &t[1]);
    return 1;
}

void conv2d_forward(float *y, float *work, const float *x, const float *w, const float *b, const conv_shape_t *s)
{
    conv_part_t t[2] = {{.y = y, .work = work, .x = x, .w = w, .b = b, .s = s, .lo = 0, .hi = s->B}};
    t[1] = t[0];
    run_halves(t, forward_part);
}

void conv2d_backward(float *dx, float *dw, float *db, float *work, const float *dy, const float *x, const float *w,
                     const conv_shape_t *s)
{
    const size_t nw = conv_weight_count(s);
    float *part = work + 2 * part_size(s); /* the second half's dw, then its db */
    conv_part_t t[2] = {{.dx = dx, .dw = dw, .db = db, .work = work, .x = x, .w = w, .dy = dy, .s = s, .lo = 0,
                         .hi = s->B}};
    t[1] = t[0];
    t[1].dw = part, t[1].db = db ? part + nw : NULL;
    if (!run_halves(t, backward_part))
        return;
    for (size_t i = 0; i < nw; i++) /* first half + second half, always in this order */
        dw[i] += part[i];
    for (int o = 0; db && o < s->OC; o++)
        db[o] += part[nw + o];
}

/* x[b, c, yy, xx] or 0 outside the image. */
static float pixel(const float *x, const conv_shape_t *s, int b, int c, int yy, int xx)
{
    if (yy < 0 || yy >= s->H || xx < 0 || xx >= s->W)
        return 0.0f;
    return x[(((size_t)b * s->C + c) * s->H + yy) * s->W + xx];
}

void conv2d_forward_naive(float *y, const float *x, const float *w, const float *b, const conv_shape_t *s)
{
    for (int bi = 0; bi < s->B; bi++)
        for (int o = 0; o < s->OC; o++)
            for (int i = 0; i < s->OH; i++)
                for (int j = 0; j < s->OW; j++) {
                    double acc = b ? b[o] : 0.0;
                    for (int c = 0; c < s->C; c++)
                        for (int u = 0; u < s->KH; u++)
                            for (int v = 0; v < s->KW; v++)
                                acc += (double)w[(((size_t)o * s->C + c) * s->KH + u) * s->KW + v] *
                                       pixel(x, s, bi, c, i * s->stride_h + u * s->dil_h - s->pad_h,
                                             j * s->stride_w + v * s->dil_w - s->pad_w);
                    y[(((size_t)bi * s->OC + o) * s->OH + i) * s->OW + j] = (float)acc;
                }
}

void conv2d_backward_naive(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                           const conv_shape_t *s)
{
    if (dx)
        memset(dx, 0, (size_t)s->B * s->C * s->H * s->W * sizeof(float));
    memset(dw, 0, conv_weight_count(s) * sizeof(float));
    if (db)
        memset(db, 0, (size_t)s->OC * sizeof(float));
    for (int bi = 0; bi < s->B; bi++)
        for (int o = 0; o < s->OC; o++)
            for (int i = 0; i < s->OH; i++)
                for (int j = 0; j < s->OW; j++) {
                    const float g = dy[(((size_t)bi * s->OC + o) * s->OH + i) * s->OW + j];
                    if (db)
                        db[o] += g;
                    for (int c = 0; c < s->C; c++)
                        for (int u = 0; u < s->KH; u++)
                            for (int v = 0; v < s->KW; v++) {
                                const int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                                const int xx = j * s->stride_w + v * s->dil_w - s->pad_w;
                                if (yy < 0 || yy >= s->H || xx < 0 || xx >= s->W)
                                    continue;
                                const size_t wi = (((size_t)o * s->C + c) * s->KH + u) * s->KW + v;
                                const size_t xi = (((size_t)bi * s->C + c) * s->H + yy) * s->W + xx;
                                dw[wi] += g * x[xi];
                                if (dx)
                                    dx[xi] += g * w[wi];
                            }
                }
}

void conv1d_forward(float *y, float *work, const float *x, const float *w, const float *b, const conv_shape_t *s)
{
    conv2d_forward(y, work, x, w, b, s);
}

void conv1d_backward(float *dx, float *dw, float *db, float *work, const float *dy, const float *x, const float *w,
                     const conv_shape_t *s)
{
    conv2d_backward(dx, dw, db, work, dy, x, w, s);
}
