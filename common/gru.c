/* gru.c — see gru.h. */
#include "gru.h"

#include "error.h"
#include "matmul.h"
#include "rnn.h" /* rnn_sum_rows */
#include "vmath.h"

#include <stdlib.h>
#include <string.h>

gru_cache_t gru_cache_new(int T, int B, int D, int H)
{
    gru_cache_t c = {.T = T, .B = B, .D = D, .H = H};
    size_t BH = (size_t)B * H;
    c.gates = nn_calloc((size_t)T * 3 * BH, sizeof(float));
    c.vn = nn_calloc((size_t)T * BH, sizeof(float));
    c.v = nn_calloc(3 * BH, sizeof(float));
    c.h = nn_calloc((size_t)(T + 1) * BH, sizeof(float));
    c.du = nn_calloc((size_t)T * 3 * BH, sizeof(float));
    c.dv = nn_calloc((size_t)T * 3 * BH, sizeof(float));
    c.dh = nn_calloc(BH, sizeof(float));
    return c;
}

void gru_cache_free(gru_cache_t *c)
{
    free(c->gates), free(c->vn), free(c->v), free(c->h), free(c->du), free(c->dv), free(c->dh);
    memset(c, 0, sizeof *c);
}

float *gru_output(const gru_cache_t *c) { return c->h + (size_t)c->B * c->H; }

/* The pointwise step on n units of one row: u = x Wx + bx (blocks ur, uz, un, activated gates r,
 * z, n written back), v = h_{t-1} Wh (blocks vr, vz, vn) to which the bias bh is added here, h_{t-1}
 * in, h_t out, and v_n + bh_n kept in keep for the backward. Every pointer `restrict` and n a
 * constant VMATH_BLOCK in the main loop, so that it vectorizes at -O2 (vmath.h). */
static inline void gru_units(float *restrict ur, float *restrict uz, float *restrict un, float *restrict h,
                              float *restrict keep, const float *restrict vr, const float *restrict vz,
                              const float *restrict vn, const float *restrict br, const float *restrict bz,
                              const float *restrict bn, const float *restrict hp, int n)
{
    for (int j = 0; j < n; j++) {
        float r = vmath_sigmoid(ur[j] + (vr[j] + br[j])), z = vmath_sigmoid(uz[j] + (vz[j] + bz[j]));
        float v = vn[j] + bn[j], g = vmath_tanh(un[j] + r * v);
        ur[j] = r, uz[j] = z, un[j] = g;
        keep[j] = v;
        h[j] = (1.0f - z) * g + z * hp[j];
    }
}

VMATH_CLONES
static void gru_pointwise(float *u, float *h, float *keep, const float *v, const float *bh, const float *hp,
                           int B, int H)
{
    const size_t G = (size_t)3 * H;
    for (int r = 0; r < B; r++) {
        float *ur = u + r * G;
        const float *vr = v + r * G;
        size_t k = (size_t)r * H;
        int j = 0;
        for (; j + VMATH_BLOCK <= H; j += VMATH_BLOCK)
            gru_units(ur + j, ur + H + j, ur + 2 * H + j, h + k + j, keep + k + j, vr + j, vr + H + j, vr + 2 * H + j,
                       bh + j, bh + H + j, bh + 2 * H + j, hp + k + j, VMATH_BLOCK);
        gru_units(ur + j, ur + H + j, ur + 2 * H + j, h + k + j, keep + k + j, vr + j, vr + H + j, vr + 2 * H + j,
                   bh + j, bh + H + j, bh + 2 * H + j, hp + k + j, H - j);
    }
}

/* The backward of gru_units on n units of one row: d = dh (from step t+1, the running gradient,
 * replaced by its direct path d z) + dht (from above); the gradients of u (blocks dur, duz, dun)
 * and of v (dvr, dvz, dvn) from the gates r, z, n, v_n and h_{t-1}. */
static inline void gru_units_backward(float *restrict dur, float *restrict duz, float *restrict dun,
                                       float *restrict dvr, float *restrict dvz, float *restrict dvn,
                                       float *restrict dh, const float *restrict dht, const float *restrict gr,
                                       const float *restrict gz, const float *restrict gn, const float *restrict vn,
                                       const float *restrict hp, int n)
{
    for (int j = 0; j < n; j++) {
        float rg = gr[j], z = gz[j], g = gn[j];
        float d = dh[j] + dht[j];
        float dn = d * (1.0f - z) * (1.0f - g * g);
        float dr = dn * vn[j] * rg * (1.0f - rg);
        float dz = d * (hp[j] - g) * z * (1.0f - z);
        dur[j] = dr, duz[j] = dz, dun[j] = dn;
        dvr[j] = dr, dvz[j] = dz, dvn[j] = dn * rg;
        dh[j] = d * z; /* the direct path; dv Wh^T is added after this pass */
    }
}

VMATH_CLONES
static void gru_pointwise_backward(float *du, float *dv, float *dh, const float *dht, const float *gates,
                                    const float *vn, const float *hp, int B, int H)
{
    const size_t G = (size_t)3 * H;
    for (int r = 0; r < B; r++) {
        float *u = du + r * G, *v = dv + r * G;
        const float *g = gates + r * G;
        size_t k = (size_t)r * H;
        int j = 0;
        for (; j + VMATH_BLOCK <= H; j += VMATH_BLOCK)
            gru_units_backward(u + j, u + H + j, u + 2 * H + j, v + j, v + H + j, v + 2 * H + j, dh + k + j,
                                dht + k + j, g + j, g + H + j, g + 2 * H + j, vn + k + j, hp + k + j, VMATH_BLOCK);
        gru_units_backward(u + j, u + H + j, u + 2 * H + j, v + j, v + H + j, v + 2 * H + j, dh + k + j, dht + k + j,
                            g + j, g + H + j, g + 2 * H + j, vn + k + j, hp + k + j, H - j);
    }
}

void gru_forward(gru_cache_t *c, const float *x, const float *Wx, const float *Wh, const float *bx,
                 const float *bh, const float *h0)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H, G = 3 * H;
    const size_t BH = (size_t)B * H;
    if (h0) memcpy(c->h, h0, BH * sizeof(float)); else memset(c->h, 0, BH * sizeof(float));
    for (size_t r = 0; r < (size_t)T * B; r++)
        memcpy(c->gates + r * G, bx, (size_t)G * sizeof(float));
    matmul_blas(0, 0, T * B, G, D, 1.0f, x, Wx, 1.0f, c->gates); /* u = x Wx + bx, all steps at once */
    for (int t = 0; t < T; t++) {
        const float *hp = c->h + t * BH;
        matmul_blas(0, 0, B, G, H, 1.0f, hp, Wh, 0.0f, c->v); /* v = h_{t-1} Wh; + bh in the pointwise pass */
        gru_pointwise(c->gates + (size_t)t * B * G, c->h + (t + 1) * BH, c->vn + t * BH, c->v, bh, hp, B, H);
    }
}

void gru_backward(float *dx, float *dWx, float *dWh, float *dbx, float *dbh, float *dh0, gru_cache_t *c,
                  const float *dh, const float *x, const float *Wx, const float *Wh)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H, G = 3 * H;
    const size_t BH = (size_t)B * H;
    memset(c->dh, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        float *du = c->du + (size_t)t * B * G, *dv = c->dv + (size_t)t * B * G;
        gru_pointwise_backward(du, dv, c->dh, dh + t * BH, c->gates + (size_t)t * B * G, c->vn + t * BH,
                                c->h + t * BH, B, H);
        matmul_blas(0, 1, B, H, G, 1.0f, dv, Wh, 1.0f, c->dh);
    }
    if (dh0) memcpy(dh0, c->dh, BH * sizeof(float));
    matmul_blas(1, 0, H, G, T * B, 1.0f, c->h, c->dv, 0.0f, dWh);
    rnn_sum_rows(dbh, c->dv, T * B, G);
    matmul_blas(1, 0, D, G, T * B, 1.0f, x, c->du, 0.0f, dWx);
    rnn_sum_rows(dbx, c->du, T * B, G);
    if (dx)
        matmul_blas(0, 1, T * B, D, G, 1.0f, c->du, Wx, 0.0f, dx);
}
