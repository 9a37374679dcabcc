/* gpt.c — see gpt.h for the model, its layout and its contracts. */
#include "gpt.h"

#include "attention.h"  /* attn_forward / attn_backward: causal attention over (B, H, T, Dh) */
#include "checkpoint.h" /* checkpoint_save / checkpoint_load */
#include "error.h"      /* nn_error, nn_malloc */
#include "init.h"       /* init_normal */
#include "loss.h"       /* softmax_cross_entropy */
#include "matmul.h"     /* matmul_blas */
#include "norm.h"       /* layernorm_forward / layernorm_backward */
#include "parallel.h"   /* parallel_for: the passes between products on all cores */
#include "rnn.h"        /* rnn_sum_rows: a bias gradient, the column sums of the rows */
#include "vmath.h"      /* vmath_exp: the exponential in GELU, vectorized */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GPT_LN_EPS 1e-5f

int gpt_config_check(const gpt_config_t *c)
{
    if (c->V < 1 || c->Tmax < 1 || c->L < 1 || c->H < 1 || c->C < 1 || c->C % c->H != 0) {
        nn_error("every size must be at least 1 and the width C a multiple of the number of heads H",
                 "gpt: config V=%d Tmax=%d L=%d H=%d C=%d is not usable", c->V, c->Tmax, c->L, c->H, c->C);
        return -1;
    }
    return 0;
}

static void tensor_sizes(size_t *s, const gpt_config_t *c)
{
    const size_t V = c->V, T = c->Tmax, L = c->L, C = c->C;
    const size_t sz[GPT_NTENSORS] = {V * C,     T * C, L * C,     L * C, L * C * 3 * C, L * 3 * C, L * C * C, L * C,
                                     L * C,     L * C, L * C * 4 * C, L * 4 * C, L * 4 * C * C, L * C, C, C};
    memcpy(s, sz, sizeof sz);
}

size_t gpt_param_count(const gpt_config_t *c)
{
    size_t s[GPT_NTENSORS], n = 0;
    tensor_sizes(s, c);
    for (int i = 0; i < GPT_NTENSORS; i++)
        n += s[i];
    return n;
}

void gpt_views(gpt_weights_t *w, float *p, const gpt_config_t *c)
{
    size_t s[GPT_NTENSORS];
    tensor_sizes(s, c);
    float **v[GPT_NTENSORS] = {&w->wte,  &w->wpe, &w->ln1w, &w->ln1b, &w->qkvw,    &w->qkvb,    &w->attprojw, &w->attprojb,
                               &w->ln2w, &w->ln2b, &w->fcw, &w->fcb,  &w->fcprojw, &w->fcprojb, &w->lnfw,     &w->lnfb};
    for (int i = 0; i < GPT_NTENSORS; i++) {
        *v[i] = p;
        p += s[i];
    }
}

int gpt_init(gpt_t *m, const gpt_config_t *cfg, rng_t *rng)
{
    memset(m, 0, sizeof *m);
    if (gpt_config_check(cfg))
        return -1;
    m->cfg = *cfg;
    tensor_sizes(m->sizes, cfg);
    m->n = gpt_param_count(cfg);
    m->params = nn_calloc(m->n, sizeof(float));
    m->grads = nn_calloc(m->n, sizeof(float));
    gpt_views(&m->w, m->params, cfg);
    gpt_views(&m->g, m->grads, cfg);
    const size_t L = cfg->L, C = cfg->C;
    const float res_std = 0.02f / sqrtf(2.0f * cfg->L); /* each residual branch adds to the stream */
    init_normal(m->w.wte, m->sizes[0], 0.02f, rng);
    init_normal(m->w.wpe, m->sizes[1], 0.01f, rng);
    init_normal(m->w.qkvw, L * C * 3 * C, 0.02f, rng);
    init_normal(m->w.attprojw, L * C * C, res_std, rng);
    init_normal(m->w.fcw, L * C * 4 * C, 0.02f, rng);
    init_normal(m->w.fcprojw, L * 4 * C * C, res_std, rng);
    for (size_t i = 0; i < L * C; i++)
        m->w.ln1w[i] = m->w.ln2w[i] = 1.0f;
    for (size_t i = 0; i < C; i++)
        m->w.lnfw[i] = 1.0f;
    return 0;
}

void gpt_free(gpt_t *m)
{
    free(m->params);
    free(m->grads);
    memset(m, 0, sizeof *m);
}

int gpt_acts_new(gpt_acts_t *a, const gpt_config_t *c, int B, int T)
{
    memset(a, 0, sizeof *a);
    if (gpt_config_check(c))
        return -1;
    if (B < 1 || T < 1 || T > c->Tmax) {
        nn_error("T must lie in 1..Tmax (the rows of the position table)",
                 "gpt_acts_new: B=%d, T=%d with Tmax=%d", B, T, c->Tmax);
        return -1;
    }
    const size_t N = (size_t)B * T, C = c->C, L = c->L, V = c->V, BHTT = (size_t)B * c->H * T * T;
    size_t total = 0;
    /* sizes in the order of the struct's fields */
    const size_t sz[] = {N * C,                                 /* x0 */
                         L * N * C, L * N, L * N,               /* ln1 */
                         L * N * 3 * C,                         /* qkv */
                         L * BHTT,                              /* P */
                         L * N * C, L * N * C,                  /* atty res2 */
                         L * N * C, L * N, L * N,               /* ln2 */
                         L * N * 4 * C, L * N * 4 * C,          /* fch fch_gelu */
                         L * N * C,                             /* res3 */
                         N * C, N, N,                           /* lnf */
                         N * V, N * V,                          /* logits dlogits */
                         N * C, N * C, N * 3 * C, N * C, N * 4 * C,          /* dres dln dqkv datty dfch */
                         (size_t)ATTN_PARTS * T * T};           /* backward scratch: dS per part */
    float **f[] = {&a->x0,   &a->ln1,  &a->ln1_mean, &a->ln1_rstd, &a->qkv,      &a->P,        &a->atty,
                   &a->res2, &a->ln2,  &a->ln2_mean, &a->ln2_rstd, &a->fch,      &a->fch_gelu, &a->res3,
                   &a->lnf,  &a->lnf_mean, &a->lnf_rstd, &a->logits, &a->dlogits, &a->dres,   &a->dln,
                   &a->dqkv, &a->datty, &a->dfch, &a->dP};
    const int k = (int)(sizeof sz / sizeof sz[0]);
    for (int i = 0; i < k; i++)
        total += (sz[i] + 15) & ~(size_t)15; /* 64-byte aligned pieces */
    a->mem = nn_calloc(total, sizeof(float));
    float *p = a->mem;
    for (int i = 0; i < k; i++) {
        *f[i] = p;
        p += (sz[i] + 15) & ~(size_t)15;
    }
    a->B = B, a->T = T;
    return 0;
}

void gpt_acts_free(gpt_acts_t *a)
{
    free(a->mem);
    memset(a, 0, sizeof *a);
}

/* --- pieces ------------------------------------------------------------------------------------ */

/* The passes between the products run on all cores (parallel.h) when they are large enough. Each
 * row, element or column is computed alone (a column's sum runs over the rows in their order), so
 * the numbers do not depend on the number of threads. */
typedef struct {
    float *y;
    const float *x, *b; /* x may be NULL */
    size_t N, K;
} rows_args_t;

/* Parts of at least this many rows (or columns) of K (or N) numbers: below twice that, one
 * thread does all (waking a thread costs microseconds). */
static size_t pieces_min_part(size_t K) { return ((size_t)1 << 15) / (K ? K : 1) + 1; }

static void rows_bias_part(void *ctx, size_t begin, size_t end)
{
    const rows_args_t *a = ctx;
    const size_t K = a->K;
    for (size_t n = begin; n < end; n++) {
        float *y = a->y + n * K;
        if (!a->x) {
            memcpy(y, a->b, K * sizeof(float));
            continue;
        }
        const float *x = a->x + n * K;
        for (size_t k = 0; k < K; k++)
            y[k] = x[k] + a->b[k];
    }
}

/* y (N, K) = x + rows of b (K), or rows of b if x is NULL: a residual and the bias, before a
 * product accumulates onto them. */
static void rows_bias(float *y, const float *x, const float *b, int N, int K)
{
    rows_args_t a = {y, x, b, (size_t)N, (size_t)K};
    parallel_for(a.N, pieces_min_part(a.K), rows_bias_part, &a);
}

static void add_part(void *ctx, size_t begin, size_t end)
{
    const rows_args_t *a = ctx;
    for (size_t i = begin; i < end; i++)
        a->y[i] += a->x[i];
}

/* y (n) += x (n) */
static void vec_add(float *y, const float *x, size_t n)
{
    rows_args_t a = {y, x, NULL, n, 1};
    parallel_for(n, (size_t)1 << 15, add_part, &a);
}

/* The H heads of the tensor in columns [j C, (j + 1) C) of rows (B T, n C) ([q | k | v], n = 3, or
 * one tensor, n = 1), as the attention's (B, H, T, Dh) view: no copy into that layout and back. */
static attn_view_t heads_of(const float *rows, int j, int n, int T, int C, int H)
{
    return (attn_view_t){(float *)rows + (size_t)j * C, (size_t)T * n * C, (size_t)(C / H), (size_t)n * C};
}

/* The three views of one layer's [q | k | v] rows (B T, 3C), or of their gradient's. */
typedef struct {
    attn_view_t q, k, v;
} qkv_views_t;

static qkv_views_t qkv_views(const float *qkv, int T, int C, int H)
{
    return (qkv_views_t){heads_of(qkv, 0, 3, T, C, H), heads_of(qkv, 1, 3, T, C, H), heads_of(qkv, 2, 3, T, C, H)};
}

static void zero_part(void *ctx, size_t begin, size_t end)
{
    memset((float *)ctx + begin, 0, (end - begin) * sizeof(float));
}

typedef struct {
    float *x;               /* x0 (N, C), or dL/dx0 */
    float *te, *pe;         /* the tables wte, wpe, or their gradients */
    const int *ids;
    size_t N, T, C;
} embed_args_t;

/* Rows [begin, end) of x0 = wte[id] + wpe[t]. */
static void embed_part(void *ctx, size_t begin, size_t end)
{
    const embed_args_t *a = ctx;
    for (size_t n = begin; n < end; n++) {
        const float *e = a->te + (size_t)a->ids[n] * a->C, *p = a->pe + n % a->T * a->C;
        float *x = a->x + n * a->C;
        for (size_t i = 0; i < a->C; i++)
            x[i] = e[i] + p[i];
    }
}

/* Columns [begin, end) of the scatter-add into the tables' gradients: split by columns, since two
 * rows with the same token add to the same row of dwte (and every sequence to the same rows of
 * dwpe); each column still adds the rows in their order. */
static void embed_backward_part(void *ctx, size_t begin, size_t end)
{
    const embed_args_t *a = ctx;
    for (size_t n = 0; n < a->N; n++) {
        float *gt = a->te + (size_t)a->ids[n] * a->C, *gp = a->pe + n % a->T * a->C;
        const float *d = a->x + n * a->C;
        for (size_t i = begin; i < end; i++)
            gt[i] += d[i], gp[i] += d[i];
    }
}

#define GELU_S 0.7978845608028654f /* sqrt(2 / pi) */
#define GELU_A 0.044715f

/* The MLP applies GELU to 4 C numbers per token, and its derivative in the backward pass: as many
 * evaluations as a product has multiply-adds per weight row, so a scalar expf per element cost a
 * tenth of the step. Here the exponential is vmath_exp (vmath.h: no call, no branch), in loops the
 * compiler vectorizes 16 at a time, one clone per instruction set picked at load time. GELU and its
 * derivative are within 1e-6 (1 + |u|) of double precision (test_gpt). (A rational approximation
 * of tanh, Eigen's, was faster still, but its error is a smooth wave of 3e-7 whose slope the
 * backward does not see: the whole-model gradient check caught it.) The loops run on all cores
 * (parallel.h); each element is computed alone, so the result does not depend on the number of
 * threads, only (in the last bit, through fused multiply-adds) on the instruction set.
 *
 * (1 + tanh g)/2 is the logistic sigmoid of 2g, which needs no difference of nearly equal numbers
 * (1 + tanh g lost all its digits for u below -3), and neither does its derivative. With
 * E = e^(-|2g|) in (0, 1], s1 = 1 / (1 + E) and s2 = E s1 = 1 - s1:
 *   sg = sigmoid(2g) = s1 if g >= 0, else s2;   gelu(u) = u sg
 *   gelu'(u) = sg + 2 u sg (1 - sg) g' = sg + 2 u s1 s2 g',   g' = s (1 + 3 a u^2)
 * The sign picks s1 or s2 through the bits (a comparison would keep the loop scalar, vmath.h). */
static inline float gelu_sigmoid_2g(float u, float *s1s2)
{
    const float g2 = 2.0f * GELU_S * (u + GELU_A * u * u * u);
    const uint32_t bits = vmath_bits(g2), neg = 0u - (bits >> 31);
    const float E = vmath_exp(-vmath_float(bits & 0x7FFFFFFFu)), s1 = 1.0f / (1.0f + E), s2 = E * s1;
    *s1s2 = s1 * s2;
    return vmath_float((vmath_bits(s1) & ~neg) | (vmath_bits(s2) & neg));
}

/* y = gelu(x) on n elements; restrict and a constant n in the main loop let it vectorize. */
static inline void gelu_units(float *restrict y, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float s1s2, sg = gelu_sigmoid_2g(x[i], &s1s2);
        y[i] = x[i] * sg;
    }
}

/* d = d gelu'(x) on n elements: the upstream gradient in, the input gradient out. */
static inline void gelu_units_backward(float *restrict d, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float u = x[i], s1s2, sg = gelu_sigmoid_2g(u, &s1s2);
        d[i] *= sg + 2.0f * u * s1s2 * GELU_S * (1.0f + 3.0f * GELU_A * u * u);
    }
}

typedef struct {
    float *out;            /* y, or dx */
    const float *dy, *x;   /* dy NULL: the forward */
} gelu_args_t;

/* Elements [begin, end) of gpt_gelu_forward or gpt_gelu_backward: blocks of VMATH_BLOCK, then the
 * rest. dx may be dy (in place). */
VMATH_CLONES static void gelu_part(void *ctx, size_t begin, size_t end)
{
    const gelu_args_t *a = ctx;
    size_t i = begin;
    if (!a->dy) {
        for (; i + VMATH_BLOCK <= end; i += VMATH_BLOCK)
            gelu_units(a->out + i, a->x + i, VMATH_BLOCK);
        gelu_units(a->out + i, a->x + i, end - i);
        return;
    }
    if (a->out != a->dy) /* dx = dy first, then in place (the backward of the model is in place) */
        memcpy(a->out + begin, a->dy + begin, (end - begin) * sizeof(float));
    for (; i + VMATH_BLOCK <= end; i += VMATH_BLOCK)
        gelu_units_backward(a->out + i, a->x + i, VMATH_BLOCK);
    gelu_units_backward(a->out + i, a->x + i, end - i);
}

void gpt_gelu_forward(float *y, const float *x, size_t n)
{
    gelu_args_t a = {y, NULL, x};
    parallel_for(n, 1 << 15, gelu_part, &a);
}

void gpt_gelu_backward(float *dx, const float *dy, const float *x, size_t n)
{
    gelu_args_t a = {dx, dy, x};
    parallel_for(n, 1 << 15, gelu_part, &a);
}

/* --- forward ----------------------------------------------------------------------------------- */

int gpt_forward(gpt_acts_t *a, const gpt_t *m, const int *ids, int B, int T)
{
    const gpt_config_t *c = &m->cfg;
    const int C = c->C, H = c->H, Dh = C / H, V = c->V, N = B * T;
    if (B < 1 || T < 1 || B > a->B || T > a->T || T > c->Tmax) {
        nn_error("generate at most Tmax tokens of context (crop the prompt to its last Tmax tokens)",
                 "gpt_forward: B=%d sequences of T=%d tokens, expected B <= %d and T <= %d (Tmax %d)", B, T, a->B,
                 a->T < c->Tmax ? a->T : c->Tmax, c->Tmax);
        return -1;
    }
    for (int n = 0; n < N; n++)
        if (ids[n] < 0 || ids[n] >= V) {
            nn_error("encode the text with the vocabulary the model was trained with",
                     "gpt_forward: token %d (sequence %d, position %d) is %d, expected 0..%d", n, n / T, n % T,
                     ids[n], V - 1);
            return -1;
        }
    a->b = B, a->t = T;
    const gpt_weights_t *w = &m->w;
    embed_args_t e = {a->x0, w->wte, w->wpe, ids, (size_t)N, (size_t)T, (size_t)C}; /* x0 = wte[id] + wpe[t] */
    parallel_for(e.N, pieces_min_part(e.C), embed_part, &e);
    const float *x = a->x0;
    const size_t NC = (size_t)N * C, BHTT = (size_t)B * H * T * T;
    for (int l = 0; l < c->L; l++) {
        float *ln1 = a->ln1 + l * NC, *qkv = a->qkv + l * 3 * NC, *atty = a->atty + l * NC, *res2 = a->res2 + l * NC,
              *ln2 = a->ln2 + l * NC, *fch = a->fch + l * 4 * NC, *fg = a->fch_gelu + l * 4 * NC,
              *res3 = a->res3 + l * NC;
        /* a = LN(x) (N, C);  qkv = a qkvw + qkvb (N, 3C) */
        layernorm_forward(ln1, a->ln1_mean + (size_t)l * N, a->ln1_rstd + (size_t)l * N, x, w->ln1w + l * C,
                          w->ln1b + l * C, N, C, GPT_LN_EPS);
        rows_bias(qkv, NULL, w->qkvb + (size_t)l * 3 * C, N, 3 * C);
        matmul_blas(0, 0, N, 3 * C, C, 1.0f, ln1, w->qkvw + (size_t)l * C * 3 * C, 1.0f, qkv);
        /* causal attention per head, read from qkv's columns and written into atty's (B, H, T, Dh) */
        attn_cache_t ac = {B, H, T, T, Dh, Dh, a->P + l * BHTT, a->dP};
        const qkv_views_t in = qkv_views(qkv, T, C, H);
        attn_forward_views(heads_of(atty, 0, 1, T, C, H), &ac, in.q, in.k, in.v, NULL, 1);
        /* res2 = x + atty attprojw + attprojb */
        rows_bias(res2, x, w->attprojb + (size_t)l * C, N, C);
        matmul_blas(0, 0, N, C, C, 1.0f, atty, w->attprojw + (size_t)l * C * C, 1.0f, res2);
        /* res3 = res2 + gelu(LN(res2) fcw + fcb) fcprojw + fcprojb */
        layernorm_forward(ln2, a->ln2_mean + (size_t)l * N, a->ln2_rstd + (size_t)l * N, res2, w->ln2w + l * C,
                          w->ln2b + l * C, N, C, GPT_LN_EPS);
        rows_bias(fch, NULL, w->fcb + (size_t)l * 4 * C, N, 4 * C);
        matmul_blas(0, 0, N, 4 * C, C, 1.0f, ln2, w->fcw + (size_t)l * C * 4 * C, 1.0f, fch);
        gpt_gelu_forward(fg, fch, 4 * NC);
        rows_bias(res3, res2, w->fcprojb + (size_t)l * C, N, C);
        matmul_blas(0, 0, N, C, 4 * C, 1.0f, fg, w->fcprojw + (size_t)l * 4 * C * C, 1.0f, res3);
        x = res3;
    }
    layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, x, w->lnfw, w->lnfb, N, C, GPT_LN_EPS);
    /* logits = h wte^T (N, V): the token table read backwards */
    matmul_blas(0, 1, N, V, C, 1.0f, a->lnf, w->wte, 0.0f, a->logits);
    return 0;
}

float gpt_loss(gpt_acts_t *a, const gpt_t *m, const int *targets)
{
    return softmax_cross_entropy(a->dlogits, a->logits, targets, a->b * a->t, m->cfg.V);
}

/* --- backward ---------------------------------------------------------------------------------- */

void gpt_backward(gpt_t *m, gpt_acts_t *a, const float *dlogits, const int *ids)
{
    const gpt_config_t *c = &m->cfg;
    const int C = c->C, H = c->H, Dh = C / H, V = c->V, B = a->b, T = a->t, N = B * T, L = c->L;
    const size_t NC = (size_t)N * C, BHTT = (size_t)B * H * T * T;
    const gpt_weights_t *w = &m->w;
    gpt_weights_t *g = &m->g;
    parallel_for(m->n, (size_t)1 << 16, zero_part, m->grads);
    float *dres = a->dres, *dln = a->dln;
    /* logits = h wte^T:  dh = dlogits wte,  dwte += dlogits^T h  (the first of wte's two gradients) */
    matmul_blas(0, 0, N, C, V, 1.0f, dlogits, w->wte, 0.0f, dln);
    matmul_blas(1, 0, V, C, N, 1.0f, dlogits, a->lnf, 1.0f, g->wte);
    const float *xL = L > 0 ? a->res3 + (size_t)(L - 1) * NC : a->x0;
    layernorm_backward(dres, g->lnfw, g->lnfb, dln, xL, a->lnf_mean, a->lnf_rstd, w->lnfw, N, C);
    for (int l = L - 1; l >= 0; l--) {
        const float *x = l == 0 ? a->x0 : a->res3 + (size_t)(l - 1) * NC;
        float *ln1 = a->ln1 + l * NC, *qkv = a->qkv + l * 3 * NC, *atty = a->atty + l * NC,
              *res2 = a->res2 + l * NC, *ln2 = a->ln2 + l * NC, *fch = a->fch + l * 4 * NC,
              *fg = a->fch_gelu + l * 4 * NC;
        /* second residual: res3 = res2 + gelu(fch) fcprojw + fcprojb; dres (N, C) is dL/dres3 */
        matmul_blas(1, 0, 4 * C, C, N, 1.0f, fg, dres, 1.0f, g->fcprojw + (size_t)l * 4 * C * C);
        rnn_sum_rows(g->fcprojb + (size_t)l * C, dres, N, C);
        matmul_blas(0, 1, N, 4 * C, C, 1.0f, dres, w->fcprojw + (size_t)l * 4 * C * C, 0.0f, a->dfch);
        gpt_gelu_backward(a->dfch, a->dfch, fch, 4 * NC);
        matmul_blas(1, 0, C, 4 * C, N, 1.0f, ln2, a->dfch, 1.0f, g->fcw + (size_t)l * C * 4 * C);
        rnn_sum_rows(g->fcb + (size_t)l * 4 * C, a->dfch, N, 4 * C);
        matmul_blas(0, 1, N, C, 4 * C, 1.0f, a->dfch, w->fcw + (size_t)l * C * 4 * C, 0.0f, dln);
        layernorm_backward(a->datty, g->ln2w + l * C, g->ln2b + l * C, dln, res2, a->ln2_mean + (size_t)l * N,
                           a->ln2_rstd + (size_t)l * N, w->ln2w + l * C, N, C);
        vec_add(dres, a->datty, NC); /* the residual adds the branch's gradient: now dL/dres2 */
        /* first residual: res2 = x + atty attprojw + attprojb */
        matmul_blas(1, 0, C, C, N, 1.0f, atty, dres, 1.0f, g->attprojw + (size_t)l * C * C);
        rnn_sum_rows(g->attprojb + (size_t)l * C, dres, N, C);
        matmul_blas(0, 1, N, C, C, 1.0f, dres, w->attprojw + (size_t)l * C * C, 0.0f, a->datty);
        attn_cache_t ac = {B, H, T, T, Dh, Dh, a->P + l * BHTT, a->dP};
        const qkv_views_t in = qkv_views(qkv, T, C, H), d = qkv_views(a->dqkv, T, C, H);
        attn_backward_views(d.q, d.k, d.v, &ac, heads_of(a->datty, 0, 1, T, C, H), in.q, in.k, in.v);
        matmul_blas(1, 0, C, 3 * C, N, 1.0f, ln1, a->dqkv, 1.0f, g->qkvw + (size_t)l * C * 3 * C);
        rnn_sum_rows(g->qkvb + (size_t)l * 3 * C, a->dqkv, N, 3 * C);
        matmul_blas(0, 1, N, C, 3 * C, 1.0f, a->dqkv, w->qkvw + (size_t)l * C * 3 * C, 0.0f, dln);
        layernorm_backward(a->datty, g->ln1w + l * C, g->ln1b + l * C, dln, x, a->ln1_mean + (size_t)l * N,
                           a->ln1_rstd + (size_t)l * N, w->ln1w + l * C, N, C);
        vec_add(dres, a->datty, NC); /* now dL/dx of block l */
    }
    /* x0 = wte[id] + wpe[t]: the embedding's scatter-add is wte's SECOND gradient, added to the first */
    embed_args_t e = {dres, g->wte, g->wpe, ids, (size_t)N, (size_t)T, (size_t)C};
    parallel_for(e.C, pieces_min_part(e.N), embed_backward_part, &e);
}

void gpt_products_only(gpt_t *m, gpt_acts_t *a, int B, int T)
{
    const gpt_config_t *c = &m->cfg;
    const int C = c->C, H = c->H, Dh = C / H, V = c->V, N = B * T;
    const size_t NC = (size_t)N * C, BHTT = (size_t)B * H * T * T;
    const gpt_weights_t *w = &m->w;
    gpt_weights_t *g = &m->g;
    for (int l = 0; l < c->L; l++) { /* forward */
        matmul_blas(0, 0, N, 3 * C, C, 1.0f, a->ln1 + l * NC, w->qkvw + (size_t)l * C * 3 * C, 1.0f, a->qkv + l * 3 * NC);
        attn_cache_t ac = {B, H, T, T, Dh, Dh, a->P + l * BHTT, a->dP};
        const qkv_views_t in = qkv_views(a->qkv + l * 3 * NC, T, C, H);
        const attn_view_t none = {0};
        attn_products_only(&ac, 0, heads_of(a->atty + l * NC, 0, 1, T, C, H), none, none, none, none, in.q, in.k, in.v);
        matmul_blas(0, 0, N, C, C, 1.0f, a->atty + l * NC, w->attprojw + (size_t)l * C * C, 1.0f, a->res2 + l * NC);
        matmul_blas(0, 0, N, 4 * C, C, 1.0f, a->ln2 + l * NC, w->fcw + (size_t)l * C * 4 * C, 1.0f, a->fch + l * 4 * NC);
        matmul_blas(0, 0, N, C, 4 * C, 1.0f, a->fch_gelu + l * 4 * NC, w->fcprojw + (size_t)l * 4 * C * C, 1.0f, a->res3 + l * NC);
    }
    matmul_blas(0, 1, N, V, C, 1.0f, a->lnf, w->wte, 0.0f, a->logits);
    matmul_blas(0, 0, N, C, V, 1.0f, a->dlogits, w->wte, 0.0f, a->dln); /* backward */
    matmul_blas(1, 0, V, C, N, 1.0f, a->dlogits, a->lnf, 1.0f, g->wte);
    for (int l = c->L - 1; l >= 0; l--) {
        matmul_blas(1, 0, 4 * C, C, N, 1.0f, a->fch_gelu + l * 4 * NC, a->dres, 1.0f, g->fcprojw + (size_t)l * 4 * C * C);
        matmul_blas(0, 1, N, 4 * C, C, 1.0f, a->dres, w->fcprojw + (size_t)l * 4 * C * C, 0.0f, a->dfch);
        matmul_blas(1, 0, C, 4 * C, N, 1.0f, a->ln2 + l * NC, a->dfch, 1.0f, g->fcw + (size_t)l * C * 4 * C);
        matmul_blas(0, 1, N, C, 4 * C, 1.0f, a->dfch, w->fcw + (size_t)l * C * 4 * C, 0.0f, a->dln);
        matmul_blas(1, 0, C, C, N, 1.0f, a->atty + l * NC, a->dres, 1.0f, g->attprojw + (size_t)l * C * C);
        matmul_blas(0, 1, N, C, C, 1.0f, a->dres, w->attprojw + (size_t)l * C * C, 0.0f, a->datty);
        attn_cache_t ac = {B, H, T, T, Dh, Dh, a->P + l * BHTT, a->dP};
        const qkv_views_t in = qkv_views(a->qkv + l * 3 * NC, T, C, H), d = qkv_views(a->dqkv, T, C, H);
        const attn_view_t none = {0};
        attn_products_only(&ac, 1, none, d.q, d.k, d.v, heads_of(a->datty, 0, 1, T, C, H), in.q, in.k, in.v);
        matmul_blas(1, 0, C, 3 * C, N, 1.0f, a->ln1 + l * NC, a->dqkv, 1.0f, g->qkvw + (size_t)l * C * 3 * C);
        matmul_blas(0, 1, N, C, 3 * C, 1.0f, a->dqkv, w->qkvw + (size_t)l * C * 3 * C, 0.0f, a->dln);
    }
}

double gpt_flops_per_token(const gpt_config_t *c, int T, int training)
{
    const double C = c->C, L = c->L;
    const double weights = L * 12.0 * C * C + (double)c->V * C; /* multiply-adds per token */
    const double attn = L * 2.0 * T * C;                          /* QK^T and PV, full T x T (masked after) */
    return (training ? 3.0 : 1.0) * 2.0 * (weights + attn);
}

/* --- generation with a KV cache ---------------------------------------------------------------- */

int gpt_kv_new(gpt_kv_t *kv, const gpt_config_t *c)
{
    memset(kv, 0, sizeof *kv);
    if (gpt_config_check(c))
        return -1;
    kv->Tmax = c->Tmax, kv->L = c->L, kv->H = c->H, kv->C = c->C, kv->Dh = c->C / c->H;
    const size_t cache = (size_t)c->L * c->Tmax * c->C; /* L H Tmax Dh */
    kv->mem = nn_calloc(2 * cache + 3 * (size_t)c->C + 3 * (size_t)c->C + 4 * (size_t)c->C + c->Tmax, sizeof(float));
    kv->k = kv->mem, kv->v = kv->k + cache, kv->x = kv->v + cache, kv->ln = kv->x + c->C;
    kv->att = kv->ln + c->C, kv->qkv = kv->att + c->C, kv->fch = kv->qkv + 3 * c->C, kv->scores = kv->fch + 4 * c->C;
    return 0;
}

void gpt_kv_reset(gpt_kv_t *kv) { kv->len = 0; }

void gpt_kv_free(gpt_kv_t *kv)
{
    free(kv->mem);
    memset(kv, 0, sizeof *kv);
}

void gpt_attend_one(float *out, float *scores, const float *q, const float *K, const float *V, int n, int Dh)
{
    const float scale = 1.0f / sqrtf((float)Dh);
    float mx = -INFINITY;
    for (int j = 0; j < n; j++) {
        float s = 0;
        for (int d = 0; d < Dh; d++)
            s += q[d] * K[(size_t)j * Dh + d];
        scores[j] = s * scale;
        mx = fmaxf(mx, scores[j]);
    }
    double sum = 0;
    for (int j = 0; j < n; j++)
        sum += scores[j] = expf(scores[j] - mx);
    memset(out, 0, (size_t)Dh * sizeof(float));
    for (int j = 0; j < n; j++) {
        const float p = (float)(scores[j] / sum);
        for (int d = 0; d < Dh; d++)
            out[d] += p * V[(size_t)j * Dh + d];
    }
}

int gpt_kv_step(float *logits, gpt_kv_t *kv, const gpt_t *m, int id)
{
    const gpt_config_t *c = &m->cfg;
    const int C = c->C, H = c->H, Dh = C / H, pos = kv->len;
    if (kv->C != C || kv->L != c->L || kv->H != H || kv->Tmax != c->Tmax) {
        nn_error("make the cache with gpt_kv_new for this model's config", "gpt_kv_step: cache of another shape");
        return -1;
    }
    if (pos >= c->Tmax) {
        nn_error("a GPT sees at most Tmax tokens: stop there, or restart from the last tokens (a sliding window)",
                 "gpt_kv_step: position %d, expected < Tmax = %d (the cache is full)", pos, c->Tmax);
        return -1;
    }
    if (id < 0 || id >= c->V) {
        nn_error("encode the text with the model's vocabulary", "gpt_kv_step: token %d, expected 0..%d", id, c->V - 1);
        return -1;
    }
    const gpt_weights_t *w = &m->w;
    float *x = kv->x, *ln = kv->ln, mean, rstd;
    for (int i = 0; i < C; i++)
        x[i] = w->wte[(size_t)id * C + i] + w->wpe[(size_t)pos * C + i];
    for (int l = 0; l < c->L; l++) {
        layernorm_forward(ln, &mean, &rstd, x, w->ln1w + l * C, w->ln1b + l * C, 1, C, GPT_LN_EPS);
        memcpy(kv->qkv, w->qkvb + (size_t)l * 3 * C, 3 * C * sizeof(float));
        matmul_blas(0, 0, 1, 3 * C, C, 1.0f, ln, w->qkvw + (size_t)l * C * 3 * C, 1.0f, kv->qkv);
        for (int h = 0; h < H; h++) {
            float *K = kv->k + (((size_t)l * H + h) * kv->Tmax) * Dh, *Vc = kv->v + (((size_t)l * H + h) * kv->Tmax) * Dh;
            memcpy(K + (size_t)pos * Dh, kv->qkv + C + h * Dh, Dh * sizeof(float));
            memcpy(Vc + (size_t)pos * Dh, kv->qkv + 2 * C + h * Dh, Dh * sizeof(float));
            gpt_attend_one(kv->att + h * Dh, kv->scores, kv->qkv + h * Dh, K, Vc, pos + 1, Dh);
        }
        for (int i = 0; i < C; i++)
            x[i] += w->attprojb[l * C + i];
        matmul_blas(0, 0, 1, C, C, 1.0f, kv->att, w->attprojw + (size_t)l * C * C, 1.0f, x);
        layernorm_forward(ln, &mean, &rstd, x, w->ln2w + l * C, w->ln2b + l * C, 1, C, GPT_LN_EPS);
        memcpy(kv->fch, w->fcb + (size_t)l * 4 * C, 4 * C * sizeof(float));
        matmul_blas(0, 0, 1, 4 * C, C, 1.0f, ln, w->fcw + (size_t)l * C * 4 * C, 1.0f, kv->fch);
        gpt_gelu_forward(kv->fch, kv->fch, 4 * (size_t)C);
        for (int i = 0; i < C; i++)
            x[i] += w->fcprojb[l * C + i];
        matmul_blas(0, 0, 1, C, 4 * C, 1.0f, kv->fch, w->fcprojw + (size_t)l * 4 * C * C, 1.0f, x);
    }
    layernorm_forward(ln, &mean, &rstd, x, w->lnfw, w->lnfb, 1, C, GPT_LN_EPS);
    matmul_blas(0, 1, 1, c->V, C, 1.0f, ln, w->wte, 0.0f, logits);
    kv->len = pos + 1;
    return 0;
}

/* --- checkpoints ------------------------------------------------------------------------------- */

const char *gpt_tag(char *buf, const gpt_config_t *c)
{
    snprintf(buf, 96, "gpt%d V=%d T=%d L=%d H=%d C=%d", GPT_VERSION, c->V, c->Tmax, c->L, c->H, c->C);
    return buf;
}

int gpt_save(const gpt_t *m, const char *path)
{
    char tag[96];
    return checkpoint_save(path, gpt_tag(tag, &m->cfg), m->params, m->n);
}

int gpt_load(gpt_t *m, const char *path)
{
    char tag[96];
    return checkpoint_load(m->params, m->n, path, gpt_tag(tag, &m->cfg));
}
