/* Tests of rnn.h, lstm.h, gru.h, embedding.h and sample.h: every gradient of the three recurrent
 * layers against centered differences (random upstream gradient R, L = sum(y * R)), LSTM and GRU
 * against PyTorch (golden/make_rnn_golden.py, output golden/rnn_golden.h), the embedding's
 * scatter-add, and temperature sampling against its definition. */
#include "embedding.h"
#include "gradcheck.h"
#include "gru.h"
#include "lstm.h"
#include "rnn.h"
#include "rng.h"
#include "sample.h"

#include "golden/rnn_golden.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* H = 19: the cells' pointwise passes run one vectorized block of 16 units (vmath.h) and a tail of
 * 3, so both are checked */
enum { T = 4, B = 2, D = 3, H = 19 };
typedef enum { K_RNN, K_LSTM, K_GRU } kind_t;
static const int GATES[3] = {1, 4, 3};
static const char *NAMES[3] = {"rnn", "lstm", "gru"};

typedef struct {
    kind_t kind;
    float x[T * B * D], Wx[D * 4 * H], Wh[H * 4 * H], b[4 * H], bh[3 * H], h0[B * H], c0[B * H], R[T * B * H];
    rnn_cache_t rc;
    lstm_cache_t lc;
    gru_cache_t gc;
} ctx_t;

static const float *forward(ctx_t *c)
{
    switch (c->kind) {
    case K_RNN: rnn_forward(&c->rc, c->x, c->Wx, c->Wh, c->b, c->h0); return rnn_output(&c->rc);
    case K_LSTM: lstm_forward(&c->lc, c->x, c->Wx, c->Wh, c->b, c->h0, c->c0); return lstm_output(&c->lc);
    default: gru_forward(&c->gc, c->x, c->Wx, c->Wh, c->b, c->bh, c->h0); return gru_output(&c->gc);
    }
}

static double loss(void *p) { return gradcheck_dot(forward(p), ((ctx_t *)p)->R, T * B * H); }

static void setup(ctx_t *c, kind_t kind, unsigned seed)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    rng_t rng;
    rng_seed(&rng, seed);
    float *all[] = {c->x, c->Wx, c->Wh, c->b, c->bh, c->h0, c->c0};
    size_t n[] = {T * B * D, D * 4 * H, H * 4 * H, 4 * H, 3 * H, B * H, B * H};
    for (int k = 0; k < 7; k++)
        for (size_t i = 0; i < n[k]; i++)
            all[k][i] = 0.7f * rng_normal(&rng);
    gradcheck_random_upstream(c->R, T * B * H, &rng);
    c->rc = rnn_cache_new(T, B, D, H);
    c->lc = lstm_cache_new(T, B, D, H);
    c->gc = gru_cache_new(T, B, D, H);
}

static void teardown(ctx_t *c) { rnn_cache_free(&c->rc), lstm_cache_free(&c->lc), gru_cache_free(&c->gc); }

/* float32 forward, h = 1e-2: truncation ~h^2 |L'''| / 6 and rounding ~1e-7 |L| / h keep a correct
 * gradient below 1e-3 relative here; the bound is 1e-2. */
static void check_all(kind_t kind)
{
    ctx_t *c = malloc(sizeof *c);
    setup(c, kind, 10 + kind);
    const int G = GATES[kind] * H;
    float dx[T * B * D], dWx[D * 4 * H], dWh[H * 4 * H], db[4 * H], dbh[3 * H], dh0[B * H], dc0[B * H];
    forward(c);
    if (kind == K_RNN) rnn_backward(dx, dWx, dWh, db, dh0, NULL, &c->rc, c->R, c->x, c->Wx, c->Wh);
    if (kind == K_LSTM) lstm_backward(dx, dWx, dWh, db, dh0, dc0, &c->lc, c->R, c->x, c->Wx, c->Wh);
    if (kind == K_GRU) gru_backward(dx, dWx, dWh, db, dbh, dh0, &c->gc, c->R, c->x, c->Wx, c->Wh);
    struct { const char *name; float *p, *g; size_t n; } v[] = {
        {"x", c->x, dx, T * B * D}, {"Wx", c->Wx, dWx, (size_t)D * G}, {"Wh", c->Wh, dWh, (size_t)H * G},
        {"b", c->b, db, (size_t)G}, {"h0", c->h0, dh0, B * H}, {"c0", c->c0, dc0, B * H}, {"bh", c->bh, dbh, (size_t)G}};
    int nv = kind == K_LSTM ? 6 : kind == K_GRU ? 7 : 5;
    for (int k = 0; k < nv; k++) {
        if (kind == K_GRU && k == 5) continue;
        double e = gradcheck_max_rel_error(loss, c, v[k].p, v[k].g, v[k].n, 1e-2f);
        cr_assert(e < 1e-2, "%s: d%s differs from centered differences: max relative error %.3g (bound 1e-2)",
                  NAMES[kind], v[k].name, e);
    }
    teardown(c);
    free(c);
}

Test(rnn, elman_gradients_match_centered_differences) { check_all(K_RNN); }
Test(rnn, lstm_gradients_match_centered_differences) { check_all(K_LSTM); }
Test(rnn, gru_gradients_match_centered_differences) { check_all(K_GRU); }

Test(rnn, elman_dh_norm_is_the_norm_of_the_total_gradient_per_step)
{
    ctx_t *c = malloc(sizeof *c);
    setup(c, K_RNN, 3);
    float dx[T * B * D], dWx[D * H], dWh[H * H], db[H], norms[T];
    forward(c);
    float dh[T * B * H] = {0};
    memcpy(dh + (T - 1) * B * H, c->R, B * H * sizeof(float)); /* loss at the last step only */
    rnn_backward(dx, dWx, dWh, db, NULL, norms, &c->rc, dh, c->x, c->Wx, c->Wh);
    double n = 0;
    for (int i = 0; i < B * H; i++) n += (double)c->R[i] * c->R[i];
    cr_assert(fabs(norms[T - 1] - sqrt(n)) < 1e-5 * sqrt(n), "the last step's norm is ||R|| = %g, got %g", sqrt(n),
              norms[T - 1]);
    for (int t = 0; t < T - 1; t++)
        cr_assert(norms[t] > 0 && isfinite(norms[t]), "step %d: expected a positive finite norm, got %g", t, norms[t]);
    teardown(c);
    free(c);
}

static void expect_close(const char *what, const float *got, const float *want, int n, float tol)
{
    for (int i = 0; i < n; i++)
        cr_assert(fabsf(got[i] - want[i]) <= tol * (1 + fabsf(want[i])), "%s[%d]: PyTorch %.7g, got %.7g", what, i,
                  want[i], got[i]);
}

/* float32 against PyTorch's float64: agreement to 1e-5 relative (plus 1e-5 absolute). */
Test(rnn, lstm_matches_pytorch)
{
    enum { TT = GOLD_T, BB = GOLD_B, DD = GOLD_D, HH = GOLD_H };
    float dx[TT * BB * DD], dWx[DD * 4 * HH], dWh[HH * 4 * HH], db[4 * HH], dh0[BB * HH], dc0[BB * HH];
    lstm_cache_t c = lstm_cache_new(TT, BB, DD, HH);
    lstm_forward(&c, LSTM_X, LSTM_WX, LSTM_WH, LSTM_B, LSTM_H0, LSTM_C0);
    expect_close("lstm y", lstm_output(&c), LSTM_Y, TT * BB * HH, 1e-5f);
    expect_close("lstm c_T", lstm_last_c(&c), LSTM_CT, BB * HH, 1e-5f);
    lstm_backward(dx, dWx, dWh, db, dh0, dc0, &c, LSTM_R, LSTM_X, LSTM_WX, LSTM_WH);
    expect_close("lstm dx", dx, LSTM_DX, TT * BB * DD, 1e-5f);
    expect_close("lstm dWx", dWx, LSTM_DWX, DD * 4 * HH, 1e-5f);
    expect_close("lstm dWh", dWh, LSTM_DWH, HH * 4 * HH, 1e-5f);
    expect_close("lstm db", db, LSTM_DB, 4 * HH, 1e-5f);
    expect_close("lstm dh0", dh0, LSTM_DH0, BB * HH, 1e-5f);
    expect_close("lstm dc0", dc0, LSTM_DC0, BB * HH, 1e-5f);
    lstm_cache_free(&c);
}

Test(rnn, gru_matches_pytorch)
{
    enum { TT = GOLD_T, BB = GOLD_B, DD = GOLD_D, HH = GOLD_H };
    float dx[TT * BB * DD], dWx[DD * 3 * HH], dWh[HH * 3 * HH], dbx[3 * HH], dbh[3 * HH], dh0[BB * HH];
    gru_cache_t c = gru_cache_new(TT, BB, DD, HH);
    gru_forward(&c, GRU_X, GRU_WX, GRU_WH, GRU_BX, GRU_BH, GRU_H0);
    expect_close("gru y", gru_output(&c), GRU_Y, TT * BB * HH, 1e-5f);
    gru_backward(dx, dWx, dWh, dbx, dbh, dh0, &c, GRU_R, GRU_X, GRU_WX, GRU_WH);
    expect_close("gru dx", dx, GRU_DX, TT * BB * DD, 1e-5f);
    expect_close("gru dWx", dWx, GRU_DWX, DD * 3 * HH, 1e-5f);
    expect_close("gru dWh", dWh, GRU_DWH, HH * 3 * HH, 1e-5f);
    expect_close("gru dbx", dbx, GRU_DBX, 3 * HH, 1e-5f);
    expect_close("gru dbh", dbh, GRU_DBH, 3 * HH, 1e-5f);
    expect_close("gru dh0", dh0, GRU_DH0, BB * HH, 1e-5f);
    gru_cache_free(&c);
}

Test(rnn, embedding_is_one_hot_times_E_and_backward_scatter_adds)
{
    enum { V = 5, E_D = 3, N = 4 };
    const int ids[N] = {2, 0, 2, 4}; /* 2 occurs twice: its gradient is the sum of both */
    float E[V * E_D], y[N * E_D], oh[N * V], y2[N * E_D], dy[N * E_D], dE[V * E_D];
    for (int i = 0; i < V * E_D; i++) E[i] = (float)i;
    for (int i = 0; i < N * E_D; i++) dy[i] = (float)(i + 1);
    embedding_forward(y, E, ids, N, V, E_D);
    embedding_one_hot(oh, ids, N, V);
    for (int n = 0; n < N; n++)
        for (int j = 0; j < E_D; j++) {
            double s = 0;
            for (int v = 0; v < V; v++) s += oh[n * V + v] * E[v * E_D + j];
            y2[n * E_D + j] = (float)s;
        }
    expect_close("one-hot product vs lookup", y, y2, N * E_D, 0);
    embedding_backward(dE, dy, ids, N, V, E_D);
    for (int j = 0; j < E_D; j++) {
        cr_assert(dE[2 * E_D + j] == dy[0 * E_D + j] + dy[2 * E_D + j], "dE[2] must add both occurrences");
        cr_assert(dE[1 * E_D + j] == 0 && dE[3 * E_D + j] == 0, "unused rows get zero gradient");
        cr_assert(dE[0 * E_D + j] == dy[1 * E_D + j] && dE[4 * E_D + j] == dy[3 * E_D + j], "single occurrences");
    }
}

Test(rnn, sample_softmax_with_temperature_divides_the_logits)
{
    const float z[4] = {1.0f, 2.0f, 0.5f, -1.0f};
    float p[4];
    const float taus[3] = {0.5f, 1.0f, 2.0f};
    for (int k = 0; k < 3; k++) {
        sample_softmax(p, z, 4, taus[k]);
        double s = 0;
        for (int v = 0; v < 4; v++) s += exp(z[v] / taus[k]);
        for (int v = 0; v < 4; v++)
            cr_assert(fabs(p[v] - exp(z[v] / taus[k]) / s) < 1e-6, "tau %g p[%d]: expected %g, got %g", taus[k], v,
                      exp(z[v] / taus[k]) / s, p[v]);
    }
    const float big[2] = {1000.0f, 999.0f};
    sample_softmax(p, big, 2, 0.01f);
    cr_assert(p[0] == 1.0f && p[1] < 1e-30f && isfinite(p[1]), "large logits at tau 0.01: expected (1, ~0) without overflow, got (%g, %g)", p[0], p[1]);
}

Test(rnn, sample_draw_follows_the_probabilities)
{
    const float p[3] = {0.2f, 0.5f, 0.3f};
    int count[3] = {0};
    rng_t rng;
    rng_seed(&rng, 5);
    for (int i = 0; i < 20000; i++) count[sample_draw(p, 3, &rng)]++;
    /* binomial sd at n = 20000 is at most 71 counts: 5 sd is 355, 1.8% */
    for (int v = 0; v < 3; v++)
        cr_assert(fabs(count[v] / 20000.0 - p[v]) < 0.018, "symbol %d drawn %.3f of the time, expected %.1f", v,
                  count[v] / 20000.0, p[v]);
    float scratch[3];
    const float z[3] = {0.1f, 3.0f, 0.2f};
    cr_assert(sample_logits(scratch, z, 3, 0.0f, &rng) == 1, "tau 0 is argmax");
}
