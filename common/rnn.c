/* rnn.c — see rnn.h. */
#include "rnn.h"

#include "error.h"
#include "matmul.h"
#include "parallel.h"
#include "vmath.h" /* VMATH_BLOCK */

#include <math.h>
#include <stdlib.h>
#include <string.h>

rnn_cache_t rnn_cache_new(int T, int B, int D, int H)
{
    rnn_cache_t c = {T, B, D, H, NULL, NULL, NULL};
    c.h = nn_calloc((size_t)(T + 1) * B * H, sizeof(float));
    c.da = nn_calloc((size_t)T * B * H, sizeof(float));
    c.g = nn_calloc((size_t)B * H, sizeof(float));
    return c;
}

void rnn_cache_free(rnn_cache_t *c)
{
    free(c->h), free(c->da), free(c->g);
    c->h = c->da = c->g = NULL;
}

float *rnn_output(const rnn_cache_t *c) { return c->h + (size_t)c->B * c->H; }

/* Columns [begin, end) of rnn_sum_rows: the rows are added one after the other (each column is
 * summed over the rows in order, as the plain double loop would: the result does not depend on
 * the parts, nor on the threads), VMATH_BLOCK columns at a time through `restrict` pointers, which
 * the compiler vectorizes at -O2 (vmath.h). */
typedef struct {
    float *db;
    const float *dy;
    int rows, n;
} sum_rows_t;

static inline void add_block(float *restrict s, const float *restrict y)
{
    for (int k = 0; k < VMATH_BLOCK; k++)
        s[k] += y[k];
}

static void sum_rows_part(void *ctx, size_t begin, size_t end)
{
    const sum_rows_t *a = ctx;
    memset(a->db + begin, 0, (end - begin) * sizeof(float));
    for (int i = 0; i < a->rows; i++) {
        const float *y = a->dy + (size_t)i * a->n;
        size_t j = begin;
        for (; j + VMATH_BLOCK <= end; j += VMATH_BLOCK)
            add_block(a->db + j, y + j);
        for (; j < end; j++)
            a->db[j] += y[j];
    }
}

void rnn_sum_rows(float *db, const float *dy, int rows, int n)
{
    sum_rows_t a = {db, dy, rows, n};
    size_t min_cols = rows > 0 ? 32768 / (size_t)rows : (size_t)n; /* a part reads at least 32k floats */
    parallel_for((size_t)n, min_cols > VMATH_BLOCK ? min_cols : VMATH_BLOCK, sum_rows_part, &a);
}

void rnn_forward(rnn_cache_t *c, const float *x, const float *Wx, const float *Wh, const float *b,
                 const float *h0)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H;
    const size_t BH = (size_t)B * H;
    if (h0)
        memcpy(c->h, h0, BH * sizeof(float));
    else
        memset(c->h, 0, BH * sizeof(float));
    float *a = c->h + BH; /* a_t is built in place of h_t, then squashed */
    for (size_t r = 0; r < (size_t)T * B; r++)
        memcpy(a + r * H, b, (size_t)H * sizeof(float));
    matmul_blas(0, 0, T * B, H, D, 1.0f, x, Wx, 1.0f, a); /* all steps' x_t Wx at once */
    for (int t = 0; t < T; t++) {
        float *ht = c->h + (size_t)(t + 1) * BH;
        matmul_blas(0, 0, B, H, H, 1.0f, c->h + (size_t)t * BH, Wh, 1.0f, ht);
        for (size_t i = 0; i < BH; i++)
            ht[i] = tanhf(ht[i]);
    }
}

void rnn_backward(float *dx, float *dWx, float *dWh, float *db, float *dh0, float *dh_norm, rnn_cache_t *c,
                  const float *dh, const float *x, const float *Wx, const float *Wh)
{
    const int T = c->T, B = c->B, D = c->D, H = c->H;
    const size_t BH = (size_t)B * H;
    memset(c->g, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *ht = c->h + (size_t)(t + 1) * BH, *dht = dh + (size_t)t * BH;
        float *da = c->da + (size_t)t * BH;
        double norm = 0;
        for (size_t i = 0; i < BH; i++) {
            float g = c->g[i] + dht[i];
            norm += (double)g * g;
            da[i] = g * (1.0f - ht[i] * ht[i]);
        }
        if (dh_norm)
            dh_norm[t] = (float)sqrt(norm);
        /* g_{t-1} = da_t Wh^T (the loss's own dL/dh_{t-1} is added at the next iteration) */
        matmul_blas(0, 1, B, H, H, 1.0f, da, Wh, 0.0f, c->g);
    }
    if (dh0)
        memcpy(dh0, c->g, BH * sizeof(float));
    matmul_blas(1, 0, H, H, T * B, 1.0f, c->h, c->da, 0.0f, dWh); /* [h_0..h_{T-1}]^T da */
    matmul_blas(1, 0, D, H, T * B, 1.0f, x, c->da, 0.0f, dWx);
    rnn_sum_rows(db, c->da, T * B, H);
    if (dx)
        matmul_blas(0, 1, T * B, D, H, 1.0f, c->da, Wx, 0.0f, dx);
}
