/* gpt.h — a decoder-only transformer (GPT-2's architecture, small), forward and backward by hand.
 *
 * Prefixes: gpt_, GPT_
 *
 * Chapter 12 derives it from chapter 10's attention. Dimensions: B sequences of T tokens, V symbols
 * in the vocabulary, Tmax positions in the learned table, L blocks, H heads, C channels (C % H == 0,
 * Dh = C / H per head). With ids (B, T) and every row below one position (B T rows):
 *
 *   x0   = wte[id] + wpe[t]                                   (B T, C)  token + position
 *   for each block l:                                          pre-LN, two residual branches
 *     a  = LN(x; ln1w, ln1b)                                   (B T, C)
 *     q, k, v = a qkvw + qkvb, split in 3 and into H heads      (B, H, T, Dh) each
 *     y  = causal attention(q, k, v) (common/attention.h)       (B, H, T, Dh), merged (B T, C)
 *     x  = x + y attprojw + attprojb                            first residual
 *     m  = LN(x; ln2w, ln2b)                                   (B T, C)
 *     x  = x + gelu(m fcw + fcb) fcprojw + fcprojb              (B T, 4C) inside; second residual
 *   h    = LN(x; lnfw, lnfb)                                    (B T, C)
 *   logits = h wte^T                                            (B T, V)  tied: the same wte
 *
 * gelu is GPT-2's tanh form, gelu(u) = u/2 (1 + tanh(s (u + 0.044715 u^3))), s = sqrt(2/pi)
 * (PyTorch's gelu(approximate='tanh')). Weights are stored (in, out), y = x W, the course's layout
 * (PyTorch's Linear keeps W^T). Backward runs the same list in reverse; the tied wte receives the
 * sum of both of its gradients (the output product's and the embedding's scatter-add).
 *
 * Memory (llm.c's layout): all parameters are ONE array gpt_t.params of gpt_param_count floats, in
 * the order wte wpe ln1w ln1b qkvw qkvb attprojw attprojb ln2w ln2b fcw fcb fcprojw fcprojb lnfw
 * lnfb (per-block tensors stacked over l), and the gradients one array of the same layout, so an
 * optimizer, clipping and a checkpoint each see one vector. All activations of a step are one
 * array too (gpt_acts_t, sized for B and T once); a training step allocates nothing. Products go
 * through matmul_blas (cblas_sgemm).
 *
 * Generation: gpt_kv_t caches every block's keys and values of the tokens already seen, so the
 * next token costs one row of each product instead of the whole prefix again; the logits it gives
 * are those of gpt_forward on the whole prefix (a test checks it).
 *
 * Checkpoints: common/checkpoint.h's atomic file, tagged "gpt<GPT_VERSION> V=.. T=.. L=.. H=.. C=..":
 * loading a file of another shape or version is refused with both tags and a hint.
 *
 * Errors: bad sizes, a token id outside the vocabulary, a sequence longer than Tmax, a full KV
 * cache: nn_error and -1 (nothing exits). Threads: a gpt_t, its acts and caches belong to one thread
 * at a time; different models may run in different threads at once. The matrix products use
 * OpenBLAS's threads, GELU, layer norm and the softmaxes parallel.h's (the same numbers on any
 * number of threads); the attention holds OpenBLAS to one thread while it runs (attention.h), and
 * so, for that time, does every other product of the process, another thread's GPT's included,
 * whose last bits can then differ from a run alone (matmul.h).
 */
#ifndef NN_GPT_H
#define NN_GPT_H

#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GPT_VERSION 1
#define GPT_NTENSORS 16

typedef struct {
    int V, Tmax, L, H, C;
} gpt_config_t;

/* Views into one array (params or grads), in the order of the layout above. */
typedef struct {
    float *wte, *wpe;            /* (V, C), (Tmax, C) */
    float *ln1w, *ln1b;          /* (L, C) */
    float *qkvw, *qkvb;          /* (L, C, 3C), (L, 3C) */
    float *attprojw, *attprojb;  /* (L, C, C), (L, C) */
    float *ln2w, *ln2b;          /* (L, C) */
    float *fcw, *fcb;            /* (L, C, 4C), (L, 4C) */
    float *fcprojw, *fcprojb;    /* (L, 4C, C), (L, C) */
    float *lnfw, *lnfb;          /* (C) */
} gpt_weights_t;

typedef struct {
    gpt_config_t cfg;
    size_t n;                      /* number of parameters */
    size_t sizes[GPT_NTENSORS];    /* floats in each tensor, in layout order */
    float *params, *grads;         /* (n) each, owned */
    gpt_weights_t w, g;            /* views into params and grads */
} gpt_t;

/* Activations of one forward/backward at up to B sequences of up to T tokens. */
typedef struct {
    int B, T;                 /* capacity */
    int b, t;                 /* shape of the last forward */
    float *mem;               /* one block, owned */
    float *x0;                /* (B T, C) embeddings */
    float *ln1, *ln1_mean, *ln1_rstd;   /* (L, B T, C), (L, B T) x2 */
    float *qkv;               /* (L, B T, 3C): [q | k | v], head h in columns h Dh .. of each */
    float *P;                 /* (L, B, H, T, T) attention weights */
    float *atty;              /* (L, B T, C) the heads' outputs side by side */
    float *res2;              /* (L, B T, C) after the attention residual */
    float *ln2, *ln2_mean, *ln2_rstd;
    float *fch, *fch_gelu;    /* (L, B T, 4C) */
    float *res3;              /* (L, B T, C) block outputs */
    float *lnf, *lnf_mean, *lnf_rstd;   /* (B T, C), (B T) x2 */
    float *logits;            /* (B T, V) */
    float *dlogits;           /* (B T, V) written by gpt_loss */
    /* backward scratch */
    float *dres, *dln, *dqkv, *datty, *dfch, *dP;
} gpt_acts_t;

/* Number of floats of the parameters of a config. */
size_t gpt_param_count(const gpt_config_t *cfg);

/* 0 if the config is usable (all sizes >= 1, C % H == 0), else nn_error and -1. */
int gpt_config_check(const gpt_config_t *cfg);

/* Allocate and initialize (GPT-2's: N(0, 0.02) weights, residual projections scaled by
 * 1/sqrt(2L), LN gains 1, biases 0; gradients zero). Returns 0 or -1 (bad config, reported). */
int gpt_init(gpt_t *m, const gpt_config_t *cfg, rng_t *rng);
void gpt_free(gpt_t *m);

/* Point w at the tensors of p (gpt_param_count floats) in the layout's order. */
void gpt_views(gpt_weights_t *w, float *p, const gpt_config_t *cfg);

int gpt_acts_new(gpt_acts_t *a, const gpt_config_t *cfg, int B, int T);
void gpt_acts_free(gpt_acts_t *a);

/* a->logits (B T, V) of ids (B, T); B <= a->B, T <= a->T and T <= Tmax, ids in [0, V). Returns
 * 0, or -1 (reported) for a shape or an id out of range. */
int gpt_forward(gpt_acts_t *a, const gpt_t *m, const int *ids, int B, int T);

/* Mean cross-entropy (nats per token) of the last forward's logits against targets (B T), and
 * a->dlogits = its gradient ((softmax - onehot) / (B T)). */
float gpt_loss(gpt_acts_t *a, const gpt_t *m, const int *targets);

/* m->grads (OVERWRITTEN) from dlogits (B T, V) = dL/dlogits of the last forward on ids. */
void gpt_backward(gpt_t *m, gpt_acts_t *a, const float *dlogits, const int *ids);

/* FLOPs of the matrix products of one token's forward + backward (training), and of the
 * forward alone, at context T: 6 per weight multiply-add class, attention counted. */
double gpt_flops_per_token(const gpt_config_t *cfg, int T, int training);

/* The matrix products of one training step (gpt_forward + gpt_backward at B, T) and nothing else,
 * the same calls on the same shapes (into a's and m->grads' buffers, whose contents it spoils):
 * timed, they are the step's products-only floor (make bench). */
void gpt_products_only(gpt_t *m, gpt_acts_t *a, int B, int T);

/* GPT-2's tanh GELU, y (n) = gelu(x (n)), and dx (n) = dy * gelu'(x) (dx may alias dy): within
 * 1e-6 (1 + |x|) of double precision. */
void gpt_gelu_forward(float *y, const float *x, size_t n);
void gpt_gelu_backward(float *dx, const float *dy, const float *x, size_t n);

/* --- generation with a key/value cache ------------------------------------------------------ */

typedef struct {
    int len;                 /* tokens already in the cache (the next token's position) */
    int Tmax, L, H, Dh, C;
    float *mem;              /* owned */
    float *k, *v;            /* (L, H, Tmax, Dh) */
    float *x, *ln, *qkv, *att, *fch, *scores; /* one token's scratch */
} gpt_kv_t;

int gpt_kv_new(gpt_kv_t *kv, const gpt_config_t *cfg);
void gpt_kv_reset(gpt_kv_t *kv);
void gpt_kv_free(gpt_kv_t *kv);

/* Feed one token at position kv->len: logits (V) of the next one; kv->len grows by 1. A full
 * cache (len == Tmax) or an id out of range: nn_error, -1, nothing changed. */
int gpt_kv_step(float *logits, gpt_kv_t *kv, const gpt_t *m, int id);

/* out (Dh) = attention of one query q (Dh) over the first n rows of K, V (Tmax, Dh); scores (n)
 * is scratch. The cached step's attention (chapter 12's exercise 12.2 writes it). */
void gpt_attend_one(float *out, float *scores, const float *q, const float *K, const float *V, int n, int Dh);

/* --- checkpoints ---------------------------------------------------------------------------- */

/* The tag naming a config: "gpt1 V=65 T=128 L=4 H=4 C=128". buf: at least 96 bytes. */
const char *gpt_tag(char *buf, const gpt_config_t *cfg);
int gpt_save(const gpt_t *m, const char *path);
/* Load path into m's params; a file of another config or version: reported, -1, m unchanged. */
int gpt_load(gpt_t *m, const char *path);

#ifdef __cplusplus
}
#endif

#endif
