/* norm.c — see norm.h. */
#include "norm.h"

#include "error.h"
#include "parallel.h"

#include <math.h>
#include <string.h>

static void check_sizes(const char *op, int B, int C, int S)
{
    if (B < 1 || C < 1 || S < 1)
        nn_fatal("x is (B, C, S): batch, channels, positions per channel (S = 1 for an MLP's features)",
                 "%s: sizes B=%d, C=%d, S=%d: expected all >= 1", op, B, C, S);
}

void batchnorm_forward_train(float *y, float *mean, float *rstd, float *running_mean, float *running_var,
                             const float *x, const float *gamma, const float *beta, int B, int C, int S,
                             float momentum, float eps)
{
    check_sizes("batchnorm_forward_train", B, C, S);
    const long n = (long)B * S;
    if (n < 2)
        nn_fatal("use a batch of at least 2 examples in training, or batchnorm_forward_eval",
                 "batchnorm_forward_train: %ld value(s) per channel (B=%d, S=%d): expected at least 2", n, B, S);
    /* Per channel: the mean, then the variance around it (two passes: no cancellation of
     * E[x^2] - E[x]^2), both summed in double like every reduction of the library. */
    for (int c = 0; c < C; c++) {
        double s = 0, ss = 0;
        for (int b = 0; b < B; b++) {
            const float *xc = x + ((size_t)b * C + c) * S;
            for (int k = 0; k < S; k++)
                s += xc[k];
        }
        const double mu = s / (double)n;
        for (int b = 0; b < B; b++) {
            const float *xc = x + ((size_t)b * C + c) * S;
            for (int k = 0; k < S; k++)
                ss += ((double)xc[k] - mu) * ((double)xc[k] - mu);
        }
        mean[c] = (float)mu;
        rstd[c] = (float)(ss / (double)n); /* the variance, for now */
    }
    for (int c = 0; c < C; c++) {
        float var = rstd[c];
        if (running_mean && running_var) {
            running_mean[c] = (1 - momentum) * running_mean[c] + momentum * mean[c];
            running_var[c] = (1 - momentum) * running_var[c] + momentum * var * (float)n / (float)(n - 1);
        }
        rstd[c] = 1.0f / sqrtf(var + eps);
    }
    /* Pass 3: normalize, scale, shift. */
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            const float *xc = x + ((size_t)b * C + c) * S;
            float *yc = y + ((size_t)b * C + c) * S;
            float g = gamma ? gamma[c] : 1, be = beta ? beta[c] : 0;
            for (int k = 0; k < S; k++)
                yc[k] = g * (xc[k] - mean[c]) * rstd[c] + be;
        }
}

void batchnorm_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, int B, int C, int S, float eps)
{
    check_sizes("batchnorm_forward_eval", B, C, S);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            const float *xc = x + ((size_t)b * C + c) * S;
            float *yc = y + ((size_t)b * C + c) * S;
            float scale = (gamma ? gamma[c] : 1) / sqrtf(running_var[c] + eps);
            float shift = (beta ? beta[c] : 0) - running_mean[c] * scale;
            for (int k = 0; k < S; k++)
                yc[k] = xc[k] * scale + shift;
        }
}

void batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *gamma, int B, int C, int S)
{
    check_sizes("batchnorm_backward", B, C, S);
    const float n = (float)B * (float)S;
    /* One channel at a time: sum dy and sum dy * xhat over it (in double; dxhat = dy * gamma, so
     * the sums of dxhat and dxhat * xhat are gamma times these), then its dx. Two scalars per
     * channel: no per-channel arrays, neither on the stack (a wide layer overflowed it) nor on
     * the heap (no allocation per training step). */
    for (int c = 0; c < C; c++) {
        double s1 = 0, s2 = 0;
        for (int b = 0; b < B; b++) {
            size_t o = ((size_t)b * C + c) * S;
            for (int k = 0; k < S; k++) {
                float xhat = (x[o + k] - mean[c]) * rstd[c];
                s1 += dy[o + k];
                s2 += (double)dy[o + k] * xhat;
            }
        }
        const float sdy = (float)s1, sdyx = (float)s2;
        if (dgamma)
            dgamma[c] = sdyx;
        if (dbeta)
            dbeta[c] = sdy;
        if (!dx)
            continue;
        float g = gamma ? gamma[c] : 1;
        for (int b = 0; b < B; b++) {
            size_t o = ((size_t)b * C + c) * S;
            /* dx = rstd/n (n dxhat - sum dxhat - xhat sum dxhat xhat), every term times g */
            for (int k = 0; k < S; k++) {
                float xhat = (x[o + k] - mean[c]) * rstd[c];
                dx[o + k] = g * rstd[c] / n * (n * dy[o + k] - sdy - xhat * sdyx);
            }
        }
    }
}

/* Group norm's arrays and sizes, for its loops over the cores (parallel.h). Each loop splits
 * things computed alone (a group's statistics and outputs; a channel's gradient sums, over the
 * batch in its order), so the numbers do not depend on the number of threads. */
typedef struct {
    float *y, *mean, *rstd, *dx, *dgamma, *dbeta;
    const float *x, *dy, *gamma, *beta, *cmean, *crstd;
    int B, C, S, G;
    float eps;
} gn_args_t;

/* Parts of at least this many items of `work` elements each: below twice that, one thread does
 * all (waking a thread costs microseconds). */
static size_t gn_min_part(size_t work) { return ((size_t)1 << 15) / (work ? work : 1) + 1; }

/* The sums of a group (chapter 12's layer norm: 128 features of a token) in double, in four
 * interleaved partial sums added at the end: four independent chains of additions, where one
 * chain would wait for each addition to finish before the next (4 cycles each) and hold the rows
 * of a GPT's layer norms to a quarter of what the core can add. */
static double group_sum(const float *x, size_t n)
{
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++)
            s[k] += x[i + k];
    for (; i < n; i++)
        s[0] += x[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* The sum of (x - mu)^2 over a group, as group_sum. */
static double group_sum_sq(const float *x, float mu, size_t n)
{
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++)
            s[k] += (double)(x[i + k] - mu) * (x[i + k] - mu);
    for (; i < n; i++)
        s[0] += (double)(x[i] - mu) * (x[i] - mu);
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Groups [begin, end) of B G: mean and rstd (sums in double), then y. */
static void gn_forward_part(void *ctx, size_t begin, size_t end)
{
    const gn_args_t *a = ctx;
    const int C = a->C, S = a->S, G = a->G, Cg = C / G;
    const size_t n = (size_t)Cg * S; /* a group is contiguous: channels g*Cg .. of one example */
    for (size_t bg = begin; bg < end; bg++) {
        const size_t g = bg % G, o = (bg / G * C + g * Cg) * S;
        const float *xg = a->x + o;
        float *yg = a->y + o;
        float mu = (float)(group_sum(xg, n) / (double)n);
        float r = 1.0f / sqrtf((float)(group_sum_sq(xg, mu, n) / (double)n) + a->eps);
        a->mean[bg] = mu, a->rstd[bg] = r;
        if (S == 1 && a->gamma && a->beta) { /* a layer norm's row: one value per channel, 8 at a time
                                              * (the loop below is the same arithmetic, one at a time) */
            const float *ga = a->gamma + g * Cg, *be = a->beta + g * Cg;
            int c = 0;
            for (; c + 8 <= Cg; c += 8)
                for (int k = 0; k < 8; k++)
                    yg[c + k] = ga[c + k] * (xg[c + k] - mu) * r + be[c + k];
            for (; c < Cg; c++)
                yg[c] = ga[c] * (xg[c] - mu) * r + be[c];
            continue;
        }
        for (int c = 0; c < Cg; c++) {
            size_t ch = g * Cg + c;
            float ga = a->gamma ? a->gamma[ch] : 1, be = a->beta ? a->beta[ch] : 0;
            for (int k = 0; k < S; k++)
                yg[c * S + k] = ga * (xg[c * S + k] - mu) * r + be;
        }
    }
}

void groupnorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                       const float *beta, int B, int C, int S, int G, float eps)
{
    check_sizes("groupnorm_forward", B, C, S);
    if (G < 1 || C % G != 0)
        nn_fatal("the channels are split into G groups of equal size: pick G dividing C (G = 1: layer norm, "
                 "G = C: instance norm)", "groupnorm_forward: C=%d channels into G=%d groups", C, G);
    gn_args_t a = {.y = y, .mean = mean, .rstd = rstd, .x = x, .gamma = gamma, .beta = beta, .B = B, .C = C,
                   .S = S, .G = G, .eps = eps};
    parallel_for((size_t)B * G, gn_min_part((size_t)C / G * S), gn_forward_part, &a);
}

/* Groups [begin, end) of B G: dx. */
static void gn_dx_part(void *ctx, size_t begin, size_t end)
{
    const gn_args_t *a = ctx;
    const int C = a->C, S = a->S, G = a->G, Cg = C / G;
    const float n = (float)Cg * (float)S, *dy = a->dy, *x = a->x;
    for (size_t bg = begin; bg < end; bg++) {
        const size_t g = bg % G, o = (bg / G * C + g * Cg) * S;
        float mu = a->cmean[bg], r = a->crstd[bg];
        double sd[4] = {0, 0, 0, 0}, sdx[4] = {0, 0, 0, 0}; /* sum dxhat, sum dxhat * xhat over the
                                                          * group: four chains, as group_sum */
        if (S == 1 && a->gamma) { /* a layer norm's row: the same sums and dx, 4 and 8 at a time */
            const float *ga = a->gamma + g * Cg, *dyg = dy + o, *xg = x + o;
            int c = 0;
            for (; c + 4 <= Cg; c += 4)
                for (int k = 0; k < 4; k++) {
                    float d = dyg[c + k], xhat = (xg[c + k] - mu) * r;
                    sd[k] += d * ga[c + k], sdx[k] += (double)(d * ga[c + k]) * xhat;
                }
            for (; c < Cg; c++) {
                float d = dyg[c], xhat = (xg[c] - mu) * r;
                sd[c % 4] += d * ga[c], sdx[c % 4] += (double)(d * ga[c]) * xhat;
            }
            const float sd_all = (float)((sd[0] + sd[1]) + (sd[2] + sd[3]));
            const float sdx_all = (float)((sdx[0] + sdx[1]) + (sdx[2] + sdx[3]));
            float *dxg = a->dx + o;
            for (c = 0; c + 8 <= Cg; c += 8)
                for (int k = 0; k < 8; k++) {
                    float xhat = (xg[c + k] - mu) * r;
                    dxg[c + k] = r / n * (n * dyg[c + k] * ga[c + k] - sd_all - xhat * sdx_all);
                }
            for (; c < Cg; c++) {
                float xhat = (xg[c] - mu) * r;
                dxg[c] = r / n * (n * dyg[c] * ga[c] - sd_all - xhat * sdx_all);
            }
            continue;
        }
        for (int c = 0; c < Cg; c++) {
            float ga = a->gamma ? a->gamma[g * Cg + c] : 1;
            for (int k = 0; k < S; k++) {
                const size_t i = (size_t)c * S + k;
                float d = dy[o + i], xhat = (x[o + i] - mu) * r;
                sd[i % 4] += d * ga, sdx[i % 4] += (double)(d * ga) * xhat;
            }
        }
        const double sd_all = (sd[0] + sd[1]) + (sd[2] + sd[3]), sdx_all = (sdx[0] + sdx[1]) + (sdx[2] + sdx[3]);
        for (int c = 0; c < Cg; c++) {
            float ga = a->gamma ? a->gamma[g * Cg + c] : 1;
            for (int k = 0; k < S; k++) {
                size_t i = o + (size_t)c * S + k;
                float xhat = (x[i] - mu) * r;
                a->dx[i] = r / n * (n * dy[i] * ga - (float)sd_all - xhat * (float)sdx_all);
            }
        }
    }
}

/* Channels [begin, end): dgamma and dbeta, float sums over the batch in its order (a channel's
 * sum does not depend on how the channels are split). A block of channels at a time, the batch
 * outside: each row is read once and contiguously, and the block's sums are independent
 * additions rather than one chain. */
static void gn_dparams_part(void *ctx, size_t begin, size_t end)
{
    enum { BLOCK = 64 };
    const gn_args_t *a = ctx;
    const int C = a->C, S = a->S, G = a->G, Cg = C / G;
    for (size_t c0 = begin; c0 < end; c0 += BLOCK) {
        const size_t c1 = end - c0 < BLOCK ? end : c0 + BLOCK;
        float sg[BLOCK] = {0}, sb[BLOCK] = {0};
        if (G == 1 && S == 1) /* a layer norm: one mean and rstd per row, and the block's sums are
                               * the same operations as below, 8 at a time (the compiler vectorizes) */
            for (int b = 0; b < a->B; b++) {
                const float mu = a->cmean[b], r = a->crstd[b], *dy = a->dy + (size_t)b * C, *x = a->x + (size_t)b * C;
                size_t ch = c0;
                for (; ch + 8 <= c1; ch += 8)
                    for (int k = 0; k < 8; k++) {
                        float d = dy[ch + k], xhat = (x[ch + k] - mu) * r;
                        sg[ch - c0 + k] += d * xhat, sb[ch - c0 + k] += d;
                    }
                for (; ch < c1; ch++) {
                    float d = dy[ch], xhat = (x[ch] - mu) * r;
                    sg[ch - c0] += d * xhat, sb[ch - c0] += d;
                }
            }
        else
            for (int b = 0; b < a->B; b++)
                for (size_t ch = c0; ch < c1; ch++) {
                    const size_t bg = (size_t)b * G + ch / Cg, o = ((size_t)b * C + ch) * S;
                    const float mu = a->cmean[bg], r = a->crstd[bg];
                    for (int k = 0; k < S; k++) {
                        float d = a->dy[o + k], xhat = (a->x[o + k] - mu) * r;
                        sg[ch - c0] += d * xhat, sb[ch - c0] += d;
                    }
                }
        for (size_t ch = c0; ch < c1; ch++) {
            if (a->dgamma)
                a->dgamma[ch] = sg[ch - c0];
            if (a->dbeta)
                a->dbeta[ch] = sb[ch - c0];
        }
    }
}

void groupnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *gamma, int B, int C, int S, int G)
{
    check_sizes("groupnorm_backward", B, C, S);
    if (G < 1 || C % G != 0)
        nn_fatal("pick G dividing C, as in the forward pass", "groupnorm_backward: C=%d channels into G=%d groups",
                 C, G);
    gn_args_t a = {.dx = dx, .dgamma = dgamma, .dbeta = dbeta, .dy = dy, .x = x, .cmean = mean, .crstd = rstd,
                   .gamma = gamma, .B = B, .C = C, .S = S, .G = G};
    if (dgamma || dbeta)
        parallel_for((size_t)C, gn_min_part((size_t)B * S), gn_dparams_part, &a);
    if (dx)
        parallel_for((size_t)B * G, gn_min_part((size_t)C / G * S), gn_dx_part, &a);
}

void layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                       const float *beta, int N, int D, float eps)
{
    groupnorm_forward(y, mean, rstd, x, gamma, beta, N, D, 1, 1, eps);
}

void layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *gamma, int N, int D)
{
    groupnorm_backward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, N, D, 1, 1);
}

void instancenorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                          const float *beta, int B, int C, int S, float eps)
{
    groupnorm_forward(y, mean, rstd, x, gamma, beta, B, C, S, C, eps);
}

void instancenorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                           const float *mean, const float *rstd, const float *gamma, int B, int C, int S)
{
    groupnorm_backward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, B, C, S, C);
}
