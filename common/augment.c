/* augment.c — see augment.h. */
#include "augment.h"

#include "error.h"

#include <math.h>
#include <string.h>

static void check_image(const char *op, int C, int H, int W)
{
    if (C < 1 || H < 1 || W < 1)
        nn_fatal("an image is (C, H, W): channels, height, width, each at least 1 (Fashion-MNIST: 1, 28, 28)",
                 "%s: image of C=%d, H=%d, W=%d", op, C, H, W);
}

void augment_flip(float *img, int C, int H, int W)
{
    check_image("augment_flip", C, H, W);
    for (int r = 0; r < C * H; r++) {
        float *row = img + (size_t)r * W;
        for (int j = 0; j < W / 2; j++) {
            float t = row[j];
            row[j] = row[W - 1 - j];
            row[W - 1 - j] = t;
        }
    }
}

int augment_random_flip(float *img, int C, int H, int W, rng_t *rng)
{
    if (rng_below(rng, 2) == 0)
        return 0;
    augment_flip(img, C, H, W);
    return 1;
}

void augment_crop_at(float *dst, const float *src, int C, int H, int W, int pad, int oy, int ox)
{
    check_image("augment_crop_at", C, H, W);
    if (pad < 0 || oy < 0 || ox < 0 || oy > 2 * pad || ox > 2 * pad)
        nn_fatal("the window's offset in the padded image runs from 0 to 2*pad; (pad, pad) is no shift",
                 "augment_crop_at: pad=%d, offset (%d, %d): expected pad >= 0 and 0 <= offset <= %d", pad, oy,
                 ox, 2 * pad);
    const int dy = oy - pad, dx = ox - pad; /* y(i, j) = x(i + dy, j + dx) */
    for (int c = 0; c < C; c++)
        for (int i = 0; i < H; i++) {
            float *out = dst + ((size_t)c * H + i) * W;
            int si = i + dy;
            if (si < 0 || si >= H) {
                memset(out, 0, (size_t)W * sizeof(float));
                continue;
            }
            const float *in = src + ((size_t)c * H + si) * W;
            for (int j = 0; j < W; j++) {
                int sj = j + dx;
                out[j] = sj >= 0 && sj < W ? in[sj] : 0.0f;
            }
        }
}

void augment_random_crop(float *dst, const float *src, int C, int H, int W, int pad, rng_t *rng)
{
    if (pad < 0)
        nn_fatal("pad is the largest shift in pixels, >= 0", "augment_random_crop: pad = %d", pad);
    int oy = (int)rng_below(rng, (uint32_t)(2 * pad + 1)), ox = (int)rng_below(rng, (uint32_t)(2 * pad + 1));
    augment_crop_at(dst, src, C, H, W, pad, oy, ox);
}

void augment_cutout_at(float *img, int C, int H, int W, int size, int cy, int cx)
{
    check_image("augment_cutout_at", C, H, W);
    if (size < 1)
        nn_fatal("size is the side of the square that is blanked out, in pixels", "augment_cutout_at: size = %d",
                 size);
    int y0 = cy - size / 2, x0 = cx - size / 2;
    int y1 = y0 + size, x1 = x0 + size;
    y0 = y0 < 0 ? 0 : y0, x0 = x0 < 0 ? 0 : x0;
    y1 = y1 > H ? H : y1, x1 = x1 > W ? W : x1;
    for (int c = 0; c < C; c++)
        for (int i = y0; i < y1; i++)
            for (int j = x0; j < x1; j++)
                img[((size_t)c * H + i) * W + j] = 0.0f;
}

void augment_cutout(float *img, int C, int H, int W, int size, rng_t *rng)
{
    check_image("augment_cutout", C, H, W);
    augment_cutout_at(img, C, H, W, size, (int)rng_below(rng, (uint32_t)H), (int)rng_below(rng, (uint32_t)W));
}

/* Gamma(a, 1) by Marsaglia & Tsang; for a < 1, Gamma(a) = Gamma(a + 1) U^(1/a). */
static double gamma_draw(double a, rng_t *rng)
{
    if (a < 1) {
        double u = rng_uniform(rng);
        return gamma_draw(a + 1, rng) * pow(u > 0 ? u : 1e-12, 1.0 / a);
    }
    double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double z = rng_normal(rng), v = 1 + c * z;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = rng_uniform(rng);
        if (u < 1 - 0.0331 * z * z * z * z || log(u > 0 ? u : 1e-300) < 0.5 * z * z + d * (1 - v + log(v)))
            return d * v;
    }
}

float augment_mixup_lambda(float alpha, rng_t *rng)
{
    if (!(alpha > 0))
        nn_fatal("alpha > 0 shapes Beta(alpha, alpha): 0.2 keeps lam near 0 or 1, 1 is uniform",
                 "augment_mixup_lambda: alpha = %g", alpha);
    double a = gamma_draw(alpha, rng), b = gamma_draw(alpha, rng);
    return a + b > 0 ? (float)(a / (a + b)) : 0.5f;
}

void augment_mixup(float *x_out, const float *x, const int *perm, int B, int D, float lam)
{
    if (B < 1 || D < 1)
        nn_fatal("x is (B, D)", "augment_mixup: B=%d, D=%d: expected both >= 1", B, D);
    for (int b = 0; b < B; b++) {
        const float *xa = x + (size_t)b * D, *xb = x + (size_t)perm[b] * D;
        float *o = x_out + (size_t)b * D;
        for (int j = 0; j < D; j++)
            o[j] = lam * xa[j] + (1 - lam) * xb[j];
    }
}
