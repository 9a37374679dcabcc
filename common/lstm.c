/* lstm.c — see lstm.h. */
#include "lstm.h"

#include "activations.h" /* tanh_act_fast */
#include "error.h"
#include "matmul.h"
#include "rnn.h" /* rnn_sum_rows */

#include <math.h>
#include <stdlib.h>
#include <string.h>

lstm_cache_t lstm_cache_new(int T, int B, int D, int H)
{
    lstm_cache_t c = {.T = T, .B = B, .D = D, .H = H};
    size_t BH = (size_t)B * H;
    c.gates = nn_calloc((size_t)T * 4 * BH, sizeof(float));
    c.h = nn_calloc((size_t)(T + 1) * BH, sizeof(float));
    c.c = nn_calloc((size_t)(T + 1) * BH, sizeof(float));
    c.tc = nn_calloc((size_t)T * BH, sizeof(float));
    c.da = nn_calloc((size_t)T * 4 * BH, sizeof(float));
    c.dh = nn_calloc(BH, sizeof(float));
    c.dc = nn_calloc(BH, sizeof(float));
    return c;
}

void lstm_cache_free(lstm_cache_t *c)
{
    free(c->gates), free(c->h), free(c->c), free(c->tc), free(c->da), free(c->dh), free(c->dc);
    memset(c, 0, sizeof *c);
}

float *lstm_output(const lstm_cache_t *c) { return c->h + (size_t)c->B * c->H; }
const float *lstm_last_h(const lstm_cache_t *c) { return c->h + (size_t)c->T * c->B * c->H; }
const float *lstm_last_c(const lstm_cache_t *c) { return c->c + (size_t)c->T * c->B * c->H; }

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

void lstm_cell_pointwise(float *pre, float *c, float *tc, float *h, const float *c_prev, int B, int H)
{
    for (int r = 0; r < B; r++) {
        float *a = pre + (size_t)r * 4 * H;
        const float *cp = c_prev + (size_t)r * H;
        float *cr = c + (size_t)r * H, *tr = tc + (size_t)r * H, *hr = h + (size_t)r * H;
        for (int j = 0; j < H; j++) {
            float i = sigmoidf(a[j]), f = sigmoidf(a[H + j]), g = tanh_act_fast(a[2 * H + j]), o = sigmoidf(a[3 * H + j]);
            a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
            float cn = f * cp[j] + i * g, t = tanh_act_fast(cn);
            cr[j] = cn, tr[j] = t, hr[j] = o * t;
        }
    }
}

void lstm_forward(lstm_cache_t *c, const float *x, const float *Wx, const float *Wh, const float *b,
                  const float *h0, const float *c0)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H, G = 4 * H;
    const size_t BH = (size_t)B * H;
    if (h0) memcpy(c->h, h0, BH * sizeof(float)); else memset(c->h, 0, BH * sizeof(float));
    if (c0) memcpy(c->c, c0, BH * sizeof(float)); else memset(c->c, 0, BH * sizeof(float));
    for (size_t r = 0; r < (size_t)T * B; r++)
        memcpy(c->gates + r * G, b, (size_t)G * sizeof(float));
    matmul_blas(0, 0, T * B, G, D, 1.0f, x, Wx, 1.0f, c->gates); /* every step's x_t Wx + b at once */
    for (int t = 0; t < T; t++) {
        float *pre = c->gates + (size_t)t * B * G;
        matmul_blas(0, 0, B, G, H, 1.0f, c->h + t * BH, Wh, 1.0f, pre);
        lstm_cell_pointwise(pre, c->c + (t + 1) * BH, c->tc + t * BH, c->h + (t + 1) * BH, c->c + t * BH, B, H);
    }
}

void lstm_backward(float *dx, float *dWx, float *dWh, float *db, float *dh0, float *dc0, lstm_cache_t *c,
                   const float *dh, const float *x, const float *Wx, const float *Wh)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H, G = 4 * H;
    const size_t BH = (size_t)B * H;
    memset(c->dh, 0, BH * sizeof(float));
    memset(c->dc, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *gates = c->gates + (size_t)t * B * G, *cprev = c->c + t * BH, *tc = c->tc + t * BH;
        const float *dht = dh + t * BH;
        float *da = c->da + (size_t)t * B * G;
        for (int r = 0; r < B; r++) {
            const float *gr = gates + (size_t)r * G;
            float *dar = da + (size_t)r * G, *dhr = c->dh + (size_t)r * H, *dcr = c->dc + (size_t)r * H;
            const float *cp = cprev + (size_t)r * H, *tr = tc + (size_t)r * H, *dtr = dht + (size_t)r * H;
            for (int j = 0; j < H; j++) {
                float i = gr[j], f = gr[H + j], g = gr[2 * H + j], o = gr[3 * H + j], th = tr[j];
                float dhh = dhr[j] + dtr[j];
                float dcc = dcr[j] + dhh * o * (1.0f - th * th);
                dar[j] = dcc * g * i * (1.0f - i);
                dar[H + j] = dcc * cp[j] * f * (1.0f - f);
                dar[2 * H + j] = dcc * i * (1.0f - g * g);
                dar[3 * H + j] = dhh * th * o * (1.0f - o);
                dcr[j] = dcc * f;
            }
        }
        matmul_blas(0, 1, B, H, G, 1.0f, da, Wh, 0.0f, c->dh); /* dh_{t-1} = da_t Wh^T */
    }
    if (dh0) memcpy(dh0, c->dh, BH * sizeof(float));
    if (dc0) memcpy(dc0, c->dc, BH * sizeof(float));
    matmul_blas(1, 0, H, G, T * B, 1.0f, c->h, c->da, 0.0f, dWh);
    matmul_blas(1, 0, D, G, T * B, 1.0f, x, c->da, 0.0f, dWx);
    rnn_sum_rows(db, c->da, T * B, G);
    if (dx)
        matmul_blas(0, 1, T * B, D, G, 1.0f, c->da, Wx, 0.0f, dx);
}
