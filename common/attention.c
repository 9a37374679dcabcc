/* attention.c — see attention.h for the equations and the layouts. */
#include "attention.h"

#include "error.h"
#include "init.h"
#include "matmul.h"
#include "parallel.h"
#include "vmath.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

attn_cache_t attn_cache_new(int B, int H, int Tq, int Tk, int D, int Dv)
{
    attn_cache_t c = {.B = B, .H = H, .Tq = Tq, .Tk = Tk, .D = D, .Dv = Dv};
    c.P = nn_calloc((size_t)B * H * Tq * Tk, sizeof(float));
    c.dP = nn_calloc((size_t)ATTN_PARTS * Tq * Tk, sizeof(float));
    return c;
}

void attn_cache_free(attn_cache_t *c)
{
    free(c->P), free(c->dP);
    c->P = c->dP = NULL;
}

int attn_mask_check(const attn_mask_t *mask, int B, int Tq, int Tk)
{
    if (!mask)
        return 0;
    if (!mask->keep || (mask->B != 1 && mask->B != B) || mask->Tq != Tq || mask->Tk != Tk) {
        nn_error("a mask has one row per query and one column per key: (B, Tq, Tk), or (1, Tq, Tk) "
                 "for every sequence alike; build it with attn_mask_causal or attn_mask_padding",
                 "attention mask of the wrong shape: expected (%d or 1, %d, %d), got (%d, %d, %d)%s", B, Tq,
                 Tk, mask->B, mask->Tq, mask->Tk, mask->keep ? "" : " with no data");
        return -1;
    }
    return 0;
}

void attn_mask_causal(unsigned char *keep, int Tq, int Tk)
{
    for (int i = 0; i < Tq; i++)
        for (int j = 0; j < Tk; j++)
            keep[(size_t)i * Tk + j] = j <= i + (Tk - Tq);
}

void attn_mask_padding(unsigned char *keep, const int *lengths, int B, int Tq, int Tk)
{
    for (int b = 0; b < B; b++)
        for (int i = 0; i < Tq; i++)
            for (int j = 0; j < Tk; j++)
                keep[((size_t)b * Tq + i) * Tk + j] = j < lengths[b];
}

/* p (n) = e^(p - m) in place, 16 at a time (vmath.h: no call to expf, no branch), a masked score
 * (-inf) giving exactly 0 (vmath_exp clamps its argument, so it would give 1e-38): the mask is
 * applied on the bits, since a float comparison would keep the loop scalar. */
VMATH_CLONES static void exp_shifted(float *p, float m, int n)
{
    const uint32_t minus_inf = 0xFF800000u;
    int j = 0;
    for (; j + VMATH_BLOCK <= n; j += VMATH_BLOCK)
        for (int k = 0; k < VMATH_BLOCK; k++) {
            const uint32_t masked = 0u - (uint32_t)(vmath_bits(p[j + k]) == minus_inf);
            p[j + k] = vmath_float(vmath_bits(vmath_exp(p[j + k] - m)) & ~masked);
        }
    for (; j < n; j++)
        p[j] = vmath_bits(p[j]) == minus_inf ? 0.0f : vmath_exp(p[j] - m);
}

/* The softmax of a GPT's attention rows was a fifth of what its training step did besides the
 * matrix products, most of it expf called once per score. The maximum and the sum go in four
 * interleaved chains (each addition no longer waits for the one before), the exponentials 16 at
 * a time; vmath_exp is within 2 ulp of expf. */
void attn_softmax_rows(float *p, const float *s, int rows, int n)
{
    for (int r = 0; r < rows; r++) {
        const float *si = s + (size_t)r * n;
        float *pi = p + (size_t)r * n;
        float m4[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
        int j = 0;
        for (; j + 4 <= n; j += 4)
            for (int k = 0; k < 4; k++)
                m4[k] = si[j + k] > m4[k] ? si[j + k] : m4[k];
        for (; j < n; j++)
            m4[0] = si[j] > m4[0] ? si[j] : m4[0];
        const float m01 = m4[0] > m4[1] ? m4[0] : m4[1], m23 = m4[2] > m4[3] ? m4[2] : m4[3],
                    m = m01 > m23 ? m01 : m23;
        if (m == -INFINITY) { /* every key masked: attend to nothing */
            memset(pi, 0, (size_t)n * sizeof(float));
            continue;
        }
        if (pi != si)
            memcpy(pi, si, (size_t)n * sizeof(float));
        exp_shifted(pi, m, n);
        double sum4[4] = {0, 0, 0, 0};
        for (j = 0; j + 4 <= n; j += 4)
            for (int k = 0; k < 4; k++)
                sum4[k] += pi[j + k];
        for (; j < n; j++)
            sum4[0] += pi[j];
        const float inv = (float)(1.0 / ((sum4[0] + sum4[1]) + (sum4[2] + sum4[3])));
        for (j = 0; j < n; j++)
            pi[j] *= inv;
    }
}

attn_view_t attn_view_contiguous(const float *data, int H, int T, int D)
{
    return (attn_view_t){(float *)data, (size_t)H * T * D, (size_t)T * D, (size_t)D};
}

/* The slices (b, h) are independent: each is a few small products (128 x 128 x 32 in chapter 12's
 * GPT) that OpenBLAS runs on one core or splits at a cost larger than the work, with element-wise
 * passes between them. So the slices are shared among the cores instead (parallel.h), ATTN_PARTS
 * groups of consecutive slices, each group on one thread with OpenBLAS held to one thread
 * (matmul_parts). Every slice is computed by the same calls whichever part holds it: the same
 * numbers on any number of cores. The backward's dS needs a (Tq, Tk) scratch per part: dP holds
 * ATTN_PARTS of them. `products_only` skips everything but the products (the floor the benchmarks
 * compare a step with, attn_products_only). */
typedef struct {
    const attn_cache_t *c;
    attn_view_t O, dQ, dK, dV, Q, K, V, dO;
    const unsigned char *keep; /* NULL, or the mask's (B or 1, Tq, Tk) */
    int keep_per_b, causal, products_only, parts;
    float scale;
} attn_heads_t;

/* Row i of slice n's scores (b = n / H), masked, then its softmax. A causal row i sees the keys
 * j <= i + (Tk - Tq) only: its softmax runs over those and the rest are zeros, which is what a
 * softmax over the whole row with -inf beyond gives (exp(-inf) = 0 adds nothing to the sum), at
 * half the cost. */
static void attn_row(const attn_heads_t *a, float *p, int b, int i)
{
    const int Tq = a->c->Tq, Tk = a->c->Tk;
    int n = Tk;
    if (a->causal) {
        n = i + (Tk - Tq) + 1;
        n = n < 0 ? 0 : n > Tk ? Tk : n;
    }
    if (a->keep) {
        const unsigned char *keep = a->keep + ((a->keep_per_b ? (size_t)b * Tq : 0) + i) * (size_t)Tk;
        for (int j = 0; j < n; j++)
            if (!keep[j])
                p[j] = -INFINITY;
    }
    attn_softmax_rows(p, p, 1, n);
    memset(p + n, 0, (size_t)(Tk - n) * sizeof(float));
}

/* Slice n = b H + h of a view: its (T, D) matrix starts here, rows v.st apart. */
static float *slice(attn_view_t v, const attn_cache_t *c, size_t n)
{
    return v.data + n / (size_t)c->H * v.sb + n % (size_t)c->H * v.sh;
}

/* The slices [first, last) of part `part` of `parts`. */
static void part_slices(const attn_cache_t *c, int part, int parts, size_t *first, size_t *last)
{
    const size_t N = (size_t)c->B * c->H;
    *first = N * part / parts, *last = N * (part + 1) / parts;
}

/* Forward of one part's slices: S = Q K^T / sqrt(D) into P, each row's softmax, O = P V. */
static void heads_forward_part(void *ctx, size_t part, size_t end)
{
    const attn_heads_t *a = ctx;
    const attn_cache_t *c = a->c;
    const int Tq = c->Tq, Tk = c->Tk, D = c->D, Dv = c->Dv;
    size_t first, last;
    (void)end;
    part_slices(c, (int)part, a->parts, &first, &last);
    const int sq = (int)a->Q.st, sk = (int)a->K.st, sv = (int)a->V.st, so = (int)a->O.st;
    for (size_t n = first; n < last; n++) {
        float *P = c->P + n * Tq * Tk;
        matmul_blas_ld(0, 1, Tq, Tk, D, a->scale, slice(a->Q, c, n), sq, slice(a->K, c, n), sk, 0.0f, P, Tk);
        for (int i = 0; !a->products_only && i < Tq; i++)
            attn_row(a, P + (size_t)i * Tk, (int)(n / (size_t)c->H), i);
        matmul_blas_ld(0, 0, Tq, Dv, Tk, 1.0f, P, Tk, slice(a->V, c, n), sv, 0.0f, slice(a->O, c, n), so);
    }
}

/* Backward of one part's slices, dS in the part's own scratch. */
static void heads_backward_part(void *ctx, size_t part, size_t end)
{
    const attn_heads_t *a = ctx;
    const attn_cache_t *c = a->c;
    const int Tq = c->Tq, Tk = c->Tk, D = c->D, Dv = c->Dv;
    float *dS = c->dP + part * Tq * Tk;
    size_t first, last;
    (void)end;
    part_slices(c, (int)part, a->parts, &first, &last);
    const int sq = (int)a->Q.st, sk = (int)a->K.st, sv = (int)a->V.st, sdo = (int)a->dO.st;
    const int sdq = (int)a->dQ.st, sdk = (int)a->dK.st, sdv = (int)a->dV.st;
    for (size_t n = first; n < last; n++) {
        const float *P = c->P + n * Tq * Tk, *dOn = slice(a->dO, c, n);
        /* dV = P^T dO */
        matmul_blas_ld(1, 0, Tk, Dv, Tq, 1.0f, P, Tk, dOn, sdo, 0.0f, slice(a->dV, c, n), sdv);
        /* dP = dO V^T, then dS = P * (dP - rowsum(P * dP)) in place */
        matmul_blas_ld(0, 1, Tq, Tk, Dv, 1.0f, dOn, sdo, slice(a->V, c, n), sv, 0.0f, dS, Tk);
        for (int i = 0; !a->products_only && i < Tq; i++) {
            const float *pi = P + (size_t)i * Tk;
            float *di = dS + (size_t)i * Tk;
            double dot4[4] = {0, 0, 0, 0}; /* four chains, as in the softmax's sum */
            int j = 0;
            for (; j + 4 <= Tk; j += 4)
                for (int k = 0; k < 4; k++)
                    dot4[k] += (double)pi[j + k] * di[j + k];
            for (; j < Tk; j++)
                dot4[0] += (double)pi[j] * di[j];
            const float dot = (float)((dot4[0] + dot4[1]) + (dot4[2] + dot4[3]));
            for (j = 0; j < Tk; j++)
                di[j] = pi[j] * (di[j] - dot);
        }
        /* dQ = dS K / sqrt(D),  dK = dS^T Q / sqrt(D) */
        matmul_blas_ld(0, 0, Tq, D, Tk, a->scale, dS, Tk, slice(a->K, c, n), sk, 0.0f, slice(a->dQ, c, n), sdq);
        matmul_blas_ld(1, 0, Tk, D, Tq, a->scale, dS, Tk, slice(a->Q, c, n), sq, 0.0f, slice(a->dK, c, n), sdk);
    }
}

/* The parts: ATTN_PARTS, or one per slice when there are fewer slices. */
static int heads_parts(const attn_cache_t *c)
{
    const long N = (long)c->B * c->H;
    return N < ATTN_PARTS ? (N > 0 ? (int)N : 1) : ATTN_PARTS;
}

int attn_forward_views(attn_view_t O, attn_cache_t *c, attn_view_t Q, attn_view_t K, attn_view_t V,
                       const attn_mask_t *mask, int causal)
{
    if (attn_mask_check(mask, c->B, c->Tq, c->Tk))
        return -1;
    attn_heads_t a = {.c = c, .O = O, .Q = Q, .K = K, .V = V, .keep = mask ? mask->keep : NULL,
                      .keep_per_b = mask && mask->B != 1, .causal = causal, .parts = heads_parts(c),
                      .scale = 1.0f / sqrtf((float)c->D)};
    matmul_parts(a.parts, heads_forward_part, &a);
    return 0;
}

int attn_forward(float *O, attn_cache_t *c, const float *Q, const float *K, const float *V,
                 const attn_mask_t *mask, int causal)
{
    const int H = c->H, Tq = c->Tq, Tk = c->Tk, D = c->D, Dv = c->Dv;
    return attn_forward_views(attn_view_contiguous(O, H, Tq, Dv), c, attn_view_contiguous(Q, H, Tq, D),
                              attn_view_contiguous(K, H, Tk, D), attn_view_contiguous(V, H, Tk, Dv), mask, causal);
}

void attn_backward_views(attn_view_t dQ, attn_view_t dK, attn_view_t dV, attn_cache_t *c, attn_view_t dO,
                         attn_view_t Q, attn_view_t K, attn_view_t V)
{
    attn_heads_t a = {.c = c, .dQ = dQ, .dK = dK, .dV = dV, .Q = Q, .K = K, .V = V, .dO = dO,
                      .parts = heads_parts(c), .scale = 1.0f / sqrtf((float)c->D)};
    matmul_parts(a.parts, heads_backward_part, &a);
}

void attn_backward(float *dQ, float *dK, float *dV, attn_cache_t *c, const float *dO, const float *Q,
                   const float *K, const float *V)
{
    const int H = c->H, Tq = c->Tq, Tk = c->Tk, D = c->D, Dv = c->Dv;
    attn_backward_views(attn_view_contiguous(dQ, H, Tq, D), attn_view_contiguous(dK, H, Tk, D),
                        attn_view_contiguous(dV, H, Tk, Dv), c, attn_view_contiguous(dO, H, Tq, Dv),
                        attn_view_contiguous(Q, H, Tq, D), attn_view_contiguous(K, H, Tk, D),
                        attn_view_contiguous(V, H, Tk, Dv));
}

void attn_products_only(attn_cache_t *c, int backward, attn_view_t O, attn_view_t dQ, attn_view_t dK,
                        attn_view_t dV, attn_view_t dO, attn_view_t Q, attn_view_t K, attn_view_t V)
{
    attn_heads_t a = {.c = c, .O = O, .dQ = dQ, .dK = dK, .dV = dV, .Q = Q, .K = K, .V = V, .dO = dO,
                      .products_only = 1, .parts = heads_parts(c), .scale = 1.0f / sqrtf((float)c->D)};
    matmul_parts(a.parts, backward ? heads_backward_part : heads_forward_part, &a);
}

/* --- multi-head self-attention ------------------------------------------------------------- */

long mha_param_count(int E) { return 4L * E * E + 4L * E; }

static void mha_views(float *base, int E, float **W[4], float **b[4])
{
    for (int k = 0; k < 4; k++) {
        *W[k] = base + (size_t)k * E * E;
        *b[k] = base + 4 * (size_t)E * E + (size_t)k * E;
    }
}

int mha_init(mha_t *m, int E, int H, rng_t *rng)
{
    memset(m, 0, sizeof *m);
    if (E <= 0 || H <= 0 || E % H) {
        nn_error("each head gets E / H features, so E must be a multiple of H",
                 "multi-head attention: expected E a positive multiple of H, got E = %d, H = %d", E, H);
        return -1;
    }
    m->E = E, m->H = H;
    const size_t n = (size_t)mha_param_count(E);
    m->params = nn_calloc(n, sizeof(float));
    m->grads = nn_calloc(n, sizeof(float));
    mha_views(m->params, E, (float **[4]){&m->Wq, &m->Wk, &m->Wv, &m->Wo},
              (float **[4]){&m->bq, &m->bk, &m->bv, &m->bo});
    mha_views(m->grads, E, (float **[4]){&m->dWq, &m->dWk, &m->dWv, &m->dWo},
              (float **[4]){&m->dbq, &m->dbk, &m->dbv, &m->dbo});
    float *W[4] = {m->Wq, m->Wk, m->Wv, m->Wo};
    for (int k = 0; k < 4; k++)
        init_xavier_uniform(W[k], E, E, rng);
    return 0;
}

void mha_free(mha_t *m)
{
    free(m->params), free(m->grads);
    memset(m, 0, sizeof *m);
}

mha_cache_t mha_cache_new(int B, int T, int E, int H)
{
    mha_cache_t c = {.B = B, .T = T, .E = E, .H = H, .attn = attn_cache_new(B, H, T, T, E / H, E / H)};
    const size_t n = (size_t)B * T * E;
    float **bufs[] = {&c.q, &c.k, &c.v, &c.qh, &c.kh, &c.vh, &c.oh, &c.o, &c.dqh, &c.dkh, &c.dvh, &c.doh};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        *bufs[i] = nn_calloc(n, sizeof(float));
    return c;
}

void mha_cache_free(mha_cache_t *c)
{
    attn_cache_free(&c->attn);
    float *bufs[] = {c->q, c->k, c->v, c->qh, c->kh, c->vh, c->oh, c->o, c->dqh, c->dkh, c->dvh, c->doh};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        free(bufs[i]);
    memset(c, 0, sizeof *c);
}

/* (B, T, H, Dh) <-> (B, H, T, Dh): split = 1 moves the rows of x into heads, 0 merges back. */
static void mha_permute(float *dst, const float *src, int B, int T, int H, int Dh, int split)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++) {
                const size_t bt = (((size_t)b * T + t) * H + h) * Dh, bh = (((size_t)b * H + h) * T + t) * Dh;
                if (split)
                    memcpy(dst + bh, src + bt, (size_t)Dh * sizeof(float));
                else
                    memcpy(dst + bt, src + bh, (size_t)Dh * sizeof(float));
            }
}

/* y (rows, E) = x W + b */
static void affine(float *y, const float *x, const float *W, const float *b, int rows, int E)
{
    for (int r = 0; r < rows; r++)
        memcpy(y + (size_t)r * E, b, (size_t)E * sizeof(float));
    matmul_blas(0, 0, rows, E, E, 1.0f, x, W, 1.0f, y);
}

static void sum_rows(float *db, const float *dy, int rows, int n)
{
    for (int j = 0; j < n; j++) {
        double s = 0;
        for (int r = 0; r < rows; r++)
            s += dy[(size_t)r * n + j];
        db[j] = (float)s;
    }
}

int mha_forward(float *y, mha_cache_t *c, const mha_t *m, const float *x, const attn_mask_t *mask,
                int causal)
{
    const int B = c->B, T = c->T, E = c->E, H = c->H, Dh = E / H, rows = B * T;
    if (m->E != E || m->H != H) {
        nn_error("create the cache with the model's E and H",
                 "multi-head attention: the cache is for E = %d, H = %d, the model has E = %d, H = %d", E, H,
                 m->E, m->H);
        return -1;
    }
    if (attn_mask_check(mask, B, T, T))
        return -1;
    affine(c->q, x, m->Wq, m->bq, rows, E);
    affine(c->k, x, m->Wk, m->bk, rows, E);
    affine(c->v, x, m->Wv, m->bv, rows, E);
    mha_permute(c->qh, c->q, B, T, H, Dh, 1);
    mha_permute(c->kh, c->k, B, T, H, Dh, 1);
    mha_permute(c->vh, c->v, B, T, H, Dh, 1);
    attn_forward(c->oh, &c->attn, c->qh, c->kh, c->vh, mask, causal);
    mha_permute(c->o, c->oh, B, T, H, Dh, 0);
    affine(y, c->o, m->Wo, m->bo, rows, E);
    return 0;
}

void mha_backward(float *dx, mha_t *m, mha_cache_t *c, const float *dy, const float *x)
{
    const int B = c->B, T = c->T, E = c->E, H = c->H, Dh = E / H, rows = B * T;
    /* y = o Wo + bo */
    matmul_blas(1, 0, E, E, rows, 1.0f, c->o, dy, 0.0f, m->dWo);
    sum_rows(m->dbo, dy, rows, E);
    float *d_o = c->q; /* the projections are no longer needed: reuse q, k, v as scratch */
    matmul_blas(0, 1, rows, E, E, 1.0f, dy, m->Wo, 0.0f, d_o);
    mha_permute(c->doh, d_o, B, T, H, Dh, 1);
    attn_backward(c->dqh, c->dkh, c->dvh, &c->attn, c->doh, c->qh, c->kh, c->vh);
    float *dproj[3] = {c->q, c->k, c->v}, *dh[3] = {c->dqh, c->dkh, c->dvh};
    float *dW[3] = {m->dWq, m->dWk, m->dWv}, *db[3] = {m->dbq, m->dbk, m->dbv};
    const float *W[3] = {m->Wq, m->Wk, m->Wv};
    for (int k = 0; k < 3; k++) {
        mha_permute(dproj[k], dh[k], B, T, H, Dh, 0);
        matmul_blas(1, 0, E, E, rows, 1.0f, x, dproj[k], 0.0f, dW[k]);
        sum_rows(db[k], dproj[k], rows, E);
        if (dx)
            matmul_blas(0, 1, rows, E, E, 1.0f, dproj[k], W[k], k ? 1.0f : 0.0f, dx);
    }
}

/* --- positional encodings ------------------------------------------------------------------ */

void posenc_sinusoidal(float *table, int Tmax, int E)
{
    for (int t = 0; t < Tmax; t++)
        for (int i = 0; 2 * i < E; i++) {
            const double angle = t / pow(10000.0, 2.0 * i / E);
            table[(size_t)t * E + 2 * i] = (float)sin(angle);
            if (2 * i + 1 < E)
                table[(size_t)t * E + 2 * i + 1] = (float)cos(angle);
        }
}

int posenc_add(float *x, const float *table, int B, int T, int E, int Tmax)
{
    if (T > Tmax || T < 0) {
        nn_error("make the positional table at least as long as the longest sequence (or cut the sequence)",
                 "sequence longer than the positional table: expected T <= %d positions, got T = %d", Tmax, T);
        return -1;
    }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int e = 0; e < E; e++)
                x[((size_t)b * T + t) * E + e] += table[(size_t)t * E + e];
    return 0;
}

void posenc_backward(float *dtable, const float *dx, int B, int T, int E, int Tmax)
{
    memset(dtable, 0, (size_t)Tmax * E * sizeof(float));
    for (int t = 0; t < T && t < Tmax; t++)
        for (int e = 0; e < E; e++) {
            double s = 0;
            for (int b = 0; b < B; b++)
                s += dx[((size_t)b * T + t) * E + e];
            dtable[(size_t)t * E + e] = (float)s;
        }
}
