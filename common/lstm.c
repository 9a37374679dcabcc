/* lstm.c — see lstm.h. */
#include "lstm.h"

#include "error.h"
#include "matmul.h"
#include "rnn.h" /* rnn_sum_rows */
#include "vmath.h"

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

/* The pointwise step on n units of one row: the four gate blocks (pre-activations in, activated
 * gates out), the previous cell, and the new cell, its tanh and h. Every pointer `restrict`
 * (the blocks are disjoint parts of one row) and n a constant VMATH_BLOCK in the main loop: what
 * the compiler needs to vectorize it at -O2 (vmath.h). */
static inline void lstm_units(float *restrict ai, float *restrict af, float *restrict ag, float *restrict ao,
                              float *restrict c, float *restrict tc, float *restrict h,
                              const float *restrict cp, int n)
{
    for (int j = 0; j < n; j++) {
        float i = vmath_sigmoid(ai[j]), f = vmath_sigmoid(af[j]), g = vmath_tanh(ag[j]), o = vmath_sigmoid(ao[j]);
        ai[j] = i, af[j] = f, ag[j] = g, ao[j] = o;
        float cn = f * cp[j] + i * g, t = vmath_tanh(cn);
        c[j] = cn, tc[j] = t, h[j] = o * t;
    }
}

VMATH_CLONES
void lstm_cell_pointwise(float *pre, float *c, float *tc, float *h, const float *c_prev, int B, int H)
{
    for (int r = 0; r < B; r++) {
        float *a = pre + (size_t)r * 4 * H;
        size_t k = (size_t)r * H;
        int j = 0;
        for (; j + VMATH_BLOCK <= H; j += VMATH_BLOCK)
            lstm_units(a + j, a + H + j, a + 2 * H + j, a + 3 * H + j, c + k + j, tc + k + j, h + k + j, c_prev + k + j,
                       VMATH_BLOCK);
        lstm_units(a + j, a + H + j, a + 2 * H + j, a + 3 * H + j, c + k + j, tc + k + j, h + k + j, c_prev + k + j,
                   H - j);
    }
}

/* The backward of lstm_units on n units of one row (lstm.h has the equations): the gate
 * gradients (blocks di, df, dg, dout) from the gates gi..go, c_{t-1} in cp, tanh(c_t) in tc and
 * the total dL/dh_t = dh (from step t+1) + dht (from above); dc is the running cell gradient,
 * replaced by the one sent to step t-1. Vectorized as lstm_units is. */
static inline void lstm_units_backward(float *restrict di, float *restrict df, float *restrict dg, float *restrict dout,
                                       float *restrict dc, const float *restrict dh, const float *restrict dht,
                                       const float *restrict gi, const float *restrict gf, const float *restrict gg,
                                       const float *restrict go, const float *restrict cp, const float *restrict tc,
                                       int n)
{
    for (int j = 0; j < n; j++) {
        float i = gi[j], f = gf[j], g = gg[j], o = go[j], th = tc[j];
        float dhh = dh[j] + dht[j];
        float dcc = dc[j] + dhh * o * (1.0f - th * th);
        di[j] = dcc * g * i * (1.0f - i);
        df[j] = dcc * cp[j] * f * (1.0f - f);
        dg[j] = dcc * i * (1.0f - g * g);
        dout[j] = dhh * th * o * (1.0f - o);
        dc[j] = dcc * f;
    }
}

VMATH_CLONES
static void lstm_pointwise_backward(float *da, float *dc, const float *dh, const float *dht, const float *gates,
                                    const float *c_prev, const float *tc, int B, int H)
{
    const size_t G = (size_t)4 * H;
    for (int r = 0; r < B; r++) {
        float *d = da + r * G;
        const float *g = gates + r * G;
        size_t k = (size_t)r * H;
        int j = 0;
        for (; j + VMATH_BLOCK <= H; j += VMATH_BLOCK)
            lstm_units_backward(d + j, d + H + j, d + 2 * H + j, d + 3 * H + j, dc + k + j, dh + k + j, dht + k + j,
                                g + j, g + H + j, g + 2 * H + j, g + 3 * H + j, c_prev + k + j, tc + k + j, VMATH_BLOCK);
        lstm_units_backward(d + j, d + H + j, d + 2 * H + j, d + 3 * H + j, dc + k + j, dh + k + j, dht + k + j,
                            g + j, g + H + j, g + 2 * H + j, g + 3 * H + j, c_prev + k + j, tc + k + j, H - j);
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
        float *da = c->da + (size_t)t * B * G;
        lstm_pointwise_backward(da, c->dc, c->dh, dh + t * BH, gates, cprev, tc, B, H);
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
