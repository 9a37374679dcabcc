/* gru.c — see gru.h. */
#include "gru.h"

#include "activations.h" /* tanh_act_fast */
#include "error.h"
#include "matmul.h"
#include "rnn.h" /* rnn_sum_rows */

#include <math.h>
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

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

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
        for (int r = 0; r < B; r++)
            memcpy(c->v + (size_t)r * G, bh, (size_t)G * sizeof(float));
        matmul_blas(0, 0, B, G, H, 1.0f, hp, Wh, 1.0f, c->v);
        float *u = c->gates + (size_t)t * B * G, *vn = c->vn + t * BH, *ht = c->h + (t + 1) * BH;
        for (int r = 0; r < B; r++) {
            float *ur = u + (size_t)r * G;
            const float *vr = c->v + (size_t)r * G, *hpr = hp + (size_t)r * H;
            for (int j = 0; j < H; j++) {
                float rg = sigmoidf(ur[j] + vr[j]), z = sigmoidf(ur[H + j] + vr[H + j]);
                float n = tanh_act_fast(ur[2 * H + j] + rg * vr[2 * H + j]);
                ur[j] = rg, ur[H + j] = z, ur[2 * H + j] = n;
                vn[(size_t)r * H + j] = vr[2 * H + j];
                ht[(size_t)r * H + j] = (1.0f - z) * n + z * hpr[j];
            }
        }
    }
}

void gru_backward(float *dx, float *dWx, float *dWh, float *dbx, float *dbh, float *dh0, gru_cache_t *c,
                  const float *dh, const float *x, const float *Wx, const float *Wh)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H, G = 3 * H;
    const size_t BH = (size_t)B * H;
    memset(c->dh, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *gates = c->gates + (size_t)t * B * G, *vn = c->vn + t * BH, *hp = c->h + t * BH;
        const float *dht = dh + t * BH;
        float *du = c->du + (size_t)t * B * G, *dv = c->dv + (size_t)t * B * G;
        for (int r = 0; r < B; r++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)r * H + j, q = (size_t)r * G + j;
                float rg = gates[q], z = gates[q + H], n = gates[q + 2 * H];
                float d = c->dh[k] + dht[k];
                float dun = d * (1.0f - z) * (1.0f - n * n);
                float dur = dun * vn[k] * rg * (1.0f - rg);
                float duz = d * (hp[k] - n) * z * (1.0f - z);
                du[q] = dur, du[q + H] = duz, du[q + 2 * H] = dun;
                dv[q] = dur, dv[q + H] = duz, dv[q + 2 * H] = dun * rg;
                c->dh[k] = d * z; /* the direct path; dv Wh^T is added below */
            }
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
