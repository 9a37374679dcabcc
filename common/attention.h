/* attention.h — scaled dot-product attention, multi-head attention, positional encodings.
 *
 * Prefixes: attn_, ATTN_, mha_, posenc_
 *
 * Scaled dot-product attention (chapter 10 derives it). For every one of the N = B * H slices
 * (B sequences, H heads), with queries Q (Tq, D), keys K (Tk, D), values V (Tk, Dv):
 *
 *   S = Q K^T / sqrt(D)          (Tq, Tk)   how well query i matches key j
 *   S_ij = -inf where masked                (query i may not look at key j)
 *   P = softmax over j of S      (Tq, Tk)   each row sums to 1: a soft choice of keys
 *   O = P V                      (Tq, Dv)   the values, mixed by those weights
 *
 * The softmax subtracts each row's maximum before exp (stable for any scores); a row whose keys
 * are all masked gets P = 0 and O = 0 (not NaN). Backward, with dO from above:
 *
 *   dV = P^T dO,   dP = dO V^T,   dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik),
 *   dQ = dS K / sqrt(D),   dK = dS^T Q / sqrt(D)
 *
 * Layout: Q, K, V, O are (B, H, T, D) row-major and contiguous, so slice n = b * H + h is a plain
 * (T, D) matrix; the products go through matmul_blas (cblas_sgemm), one per slice, and the
 * slices are shared among the cores (ATTN_PARTS groups, OpenBLAS on one thread in each).
 *
 * Masks: attn_mask_t says which (query, key) pairs may be used: keep[b][i][j] != 0. Its B is the
 * batch size or 1 (one mask for every sequence, e.g. causal); it is shared by the H heads. A mask
 * whose shape does not match the call is an error (nn_error, return -1), not a crash. `causal`
 * adds the causal rule j <= i + (Tk - Tq) (query i sees key i and the keys before it) on top.
 *
 * Multi-head self-attention (mha_): x (B, T, E), H heads of Dh = E / H features:
 *
 *   Q = x Wq + bq,  K = x Wk + bk,  V = x Wv + bv      (B T, E), split into (B, H, T, Dh)
 *   O = attention(Q, K, V)  per head, merged back to (B T, E)
 *   y = O Wo + bo
 *
 * All of W* are (E, E), stored as y = x W (the course's layout; PyTorch's weight is W^T). The
 * parameters live in one array (mha_t.params, mha_param_count floats: Wq Wk Wv Wo bq bk bv bo)
 * and so do their gradients, so an optimizer sees one vector. Backward OVERWRITES the gradients.
 *
 * Positional encodings: attention itself ignores order (permuting the keys permutes nothing in
 * the output), so a (Tmax, E) table P is added to the token vectors: x[b][t] += P[t]. The
 * sinusoidal table is fixed,
 *
 *   P[t][2i] = sin(t / 10000^(2i / E)),   P[t][2i + 1] = cos(t / 10000^(2i / E)),
 *
 * a learned table is a parameter (its gradient is the sum over the batch of dx[b][t]). A sequence
 * longer than the table is an error (nn_error, return -1).
 *
 * Ownership: the *_cache_new functions allocate everything forward and backward need, once; a
 * training step allocates nothing.
 *
 * Threads: no state; the slices run on parallel.h's threads, each with OpenBLAS held to one
 * thread meanwhile (matmul_parts); the same numbers on any number of threads. Several threads may
 * call these at once, each with its own outputs and caches: attn_ functions compute the same bits
 * as alone; while any runs, the process's other products run on one OpenBLAS thread too
 * (matmul.h, matmul_single_begin). mha_'s projections run on OpenBLAS's threads, so their last
 * bits can differ from a run alone when another thread's attention holds OpenBLAS meanwhile.
 */
#ifndef NN_ATTENTION_H
#define NN_ATTENTION_H

#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* keep: (B, Tq, Tk), nonzero = may attend. B may be 1 (broadcast over the batch). */
typedef struct {
    const unsigned char *keep;
    int B, Tq, Tk;
} attn_mask_t;

typedef struct {
    int B, H, Tq, Tk, D, Dv;
    float *P;  /* (B, H, Tq, Tk) the attention weights of the last forward */
    float *dP; /* (ATTN_PARTS, Tq, Tk) backward's scratch, one per part */
} attn_cache_t;

/* Where a (B, H, T, D) tensor's element (b, h, t, d) lives: data[b sb + h sh + t st + d]. A
 * contiguous tensor has sb = H T D, sh = T D, st = D (attn_view_contiguous); the H heads of a
 * (B T, n E) matrix of rows with this tensor in columns [j E, (j + 1) E) have data = rows + j E,
 * sb = T n E, sh = E / H, st = n E: the attention reads a GPT's [q | k | v] rows, and writes its
 * output into (B T, E) rows, with no copy into the heads' layout and back. */
typedef struct {
    float *data;
    size_t sb, sh, st;
} attn_view_t;

/* The view of a contiguous (B, H, T, D) tensor. */
attn_view_t attn_view_contiguous(const float *data, int H, int T, int D);

/* The slices (b, h) are shared among the cores in this many parts (fewer if there are fewer
 * slices); a fixed number, so the work is split the same way on every machine. */
enum { ATTN_PARTS = 8 };

attn_cache_t attn_cache_new(int B, int H, int Tq, int Tk, int D, int Dv);
void attn_cache_free(attn_cache_t *c);

/* Check a mask against the call's shape (B sequences, Tq queries, Tk keys): 0 if it fits (or is
 * NULL), else nn_error and -1. */
int attn_mask_check(const attn_mask_t *mask, int B, int Tq, int Tk);

/* keep (Tq, Tk): 1 where j <= i + (Tk - Tq). */
void attn_mask_causal(unsigned char *keep, int Tq, int Tk);

/* keep (B, Tq, Tk): 1 where key j < lengths[b] (the rest of sequence b is padding). */
void attn_mask_padding(unsigned char *keep, const int *lengths, int B, int Tq, int Tk);

/* O (B, H, Tq, Dv) = attention of Q (B, H, Tq, D), K (B, H, Tk, D), V (B, H, Tk, Dv); the shape
 * is the cache's. mask may be NULL. Returns 0, or -1 (nn_error) for a mask of the wrong shape. */
int attn_forward(float *O, attn_cache_t *c, const float *Q, const float *K, const float *V,
                 const attn_mask_t *mask, int causal);

/* dQ, dK, dV (shapes of Q, K, V) from dO (B, H, Tq, Dv), using the P of the forward on the same
 * inputs. Masked pairs have P = 0 and so get no gradient; the mask need not be passed again. */
void attn_backward(float *dQ, float *dK, float *dV, attn_cache_t *c, const float *dO, const float *Q,
                   const float *K, const float *V);

/* attn_forward and attn_backward on tensors laid out as the views say (the same numbers). */
int attn_forward_views(attn_view_t O, attn_cache_t *c, attn_view_t Q, attn_view_t K, attn_view_t V,
                       const attn_mask_t *mask, int causal);
void attn_backward_views(attn_view_t dQ, attn_view_t dK, attn_view_t dV, attn_cache_t *c, attn_view_t dO,
                         attn_view_t Q, attn_view_t K, attn_view_t V);

/* The matrix products of attn_forward_views (backward = 0: S = Q K^T / sqrt(D) into c->P, O = P V)
 * or of attn_backward_views (backward = 1: dV, dP, dQ, dK; dO needed, O unused) and nothing else
 * (no mask, no softmax, no dS), on the same shapes and shared among the cores the same way: timed,
 * the attention's share of a model's products-only floor (gpt_products_only). Spoils c's contents. */
void attn_products_only(attn_cache_t *c, int backward, attn_view_t O, attn_view_t dQ, attn_view_t dK,
                        attn_view_t dV, attn_view_t dO, attn_view_t Q, attn_view_t K, attn_view_t V);

/* The row softmax the forward uses, on its own: p (rows, n) from s (rows, n); a row that is all
 * -inf gives zeros. */
void attn_softmax_rows(float *p, const float *s, int rows, int n);

/* --- multi-head self-attention ------------------------------------------------------------- */

typedef struct {
    int E, H;
    float *params, *grads; /* mha_param_count(E) each */
    float *Wq, *Wk, *Wv, *Wo, *bq, *bk, *bv, *bo;        /* views into params */
    float *dWq, *dWk, *dWv, *dWo, *dbq, *dbk, *dbv, *dbo; /* views into grads */
} mha_t;

typedef struct {
    int B, T, E, H;
    attn_cache_t attn;
    float *q, *k, *v;    /* (B T, E) projections, then reused by backward */
    float *qh, *kh, *vh; /* (B, H, T, Dh) */
    float *oh, *o;       /* (B, H, T, Dh) attention output and (B T, E) merged */
    float *dqh, *dkh, *dvh, *doh;
} mha_cache_t;

long mha_param_count(int E);

/* Allocate the parameters (Xavier-uniform weights, zero biases, zero gradients). E must be a
 * multiple of H (nn_error and -1 otherwise). */
int mha_init(mha_t *m, int E, int H, rng_t *rng);
void mha_free(mha_t *m);

mha_cache_t mha_cache_new(int B, int T, int E, int H);
void mha_cache_free(mha_cache_t *c);

/* y (B, T, E) = multi-head self-attention of x (B, T, E). mask (B or 1, T, T) may be NULL.
 * Returns 0, or -1 (nn_error) for a mask of the wrong shape. */
int mha_forward(float *y, mha_cache_t *c, const mha_t *m, const float *x, const attn_mask_t *mask,
                int causal);

/* dx (B, T, E) (NULL if not wanted) and m's gradients from dy (B, T, E); x as in the forward. */
void mha_backward(float *dx, mha_t *m, mha_cache_t *c, const float *dy, const float *x);

/* --- positional encodings ------------------------------------------------------------------ */

/* table (Tmax, E): the sinusoidal encoding above. */
void posenc_sinusoidal(float *table, int Tmax, int E);

/* x (B, T, E) += table[t] for t < T. T > Tmax: nn_error, -1, x untouched. */
int posenc_add(float *x, const float *table, int B, int T, int E, int Tmax);

/* dtable (Tmax, E): rows t < T = sum over b of dx[b][t]; rows t >= T = 0 (OVERWRITTEN). */
void posenc_backward(float *dtable, const float *dx, int B, int T, int E, int Tmax);

#ifdef __cplusplus
}
#endif

#endif
