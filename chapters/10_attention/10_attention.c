/*md
# Attention: looking things up

Chapter 8's recurrent networks read a sequence one symbol at a time and squeeze everything they
have seen into one hidden vector. To answer "what was the third symbol?" after reading twenty, that
vector must still hold the third symbol, through twenty squashing updates. This chapter builds the
layer that does not squeeze: *attention* keeps every position's vector and, for each output,
*looks up* the ones it needs. We derive scaled dot-product attention as a soft dictionary lookup,
see why the scores are divided by $\sqrt{d}$, add masks (padding, causal), several heads, and
positional encodings, derive the backward pass, and check it against centered differences and
PyTorch. Then we train it to *reverse* a sequence of digits, a task where every output needs one
specific, far-away input, next to chapter 8's recurrent network given the same budget.

**What lives where.** Attention is the core of chapter 12's GPT, so the batched layer lives in the
library: `common/attention.h` (scaled dot-product attention over $(B, H, T, D)$ arrays, masks,
multi-head self-attention, sinusoidal and learned positional tables), with its formulas in the
header. This file derives them and keeps, for the exercises, one head written directly: scores,
causal mask, row softmax, the masked head, the softmax's backward, and the sinusoidal table.

## 10.1 A soft dictionary

A Python dictionary maps a key to a value: `d[q]` compares the query $q$ with every key and returns
the value of the one that is *equal*. Make the comparison soft: score every key $k_j$ by its
similarity to the query, $s_j = q \cdot k_j$, turn the scores into weights that are positive and
sum to one, $p = \operatorname{softmax}(s)$, and return the weighted mix of the values
$o = \sum_j p_j v_j$. When one score dominates, $p$ is (nearly) one-hot and this *is* the lookup;
otherwise it blends, and because every step is differentiable, gradient descent can learn what the
queries, keys and values should be. For $T_q$ queries at once, stacked as rows:

$$
S = \frac{Q K^\top}{\sqrt{d}} \in \mathbb{R}^{T_q \times T_k}, \qquad
P = \operatorname{softmax}_{\text{rows}}(S), \qquad O = P V \in \mathbb{R}^{T_q \times d_v}.
$$

Each *row* of $P$ is one query's distribution over the keys: the softmax runs over $j$ (the key
index, the last axis), never over the queries.

**Why $\sqrt{d}$.** Let the components of $q$ and $k$ be independent with mean 0 and variance 1
(what a normalized layer feeds in). Then $q \cdot k = \sum_{i=1}^d q_i k_i$ is a sum of $d$ terms
with mean 0 and variance $E[q_i^2] E[k_i^2] = 1$, so $\operatorname{Var}(q \cdot k) = d$: the
scores' spread grows like $\sqrt{d}$. With $d = 64$ typical scores are $\pm 8$, the softmax
saturates to one-hot, and its gradient, $p_j(\delta_{jk} - p_k)$, vanishes: the layer cannot
learn which key to prefer. Dividing by $\sqrt{d}$ brings the variance back to 1, whatever $d$.
*/

#include "attention.h" /* attn_forward/backward, mha_*, posenc_* (the batched library versions) */
#include "clip.h"      /* clip_grad_norm_flat: the RNN baseline needs it (chapter 8) */
#include "course.h"    /* TODO: the student edition's exercise stubs */
#include "csvlog.h"    /* out/10/log.csv */
#include "embedding.h" /* embedding_forward/backward (chapter 8) */
#include "error.h"     /* nn_error, nn_check_finite, nn_calloc */
#include "flags.h"     /* --epochs --seed --quick --out --data --help */
#include "init.h"      /* init_normal, init_xavier_uniform */
#include "io.h"        /* io_create / io_commit / io_join / io_mkdirs */
#include "loss.h"      /* softmax_cross_entropy */
#include "matmul.h"    /* matmul_blas */
#include "optim.h"     /* adam_new / adam_step */
#include "plot.h"      /* gnuplot figures */
#include "progress.h"  /* the progress bar */
#include "rnn.h"       /* the Elman RNN of chapter 8, the baseline */
#include "rng.h"       /* the explicit random number generator */
#include "timing.h"    /* timing_seconds */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* S (Tq, Tk) = Q K^T / sqrt(D) for one head: Q (Tq, D), K (Tk, D). */
static void attention_scores(float *S, const float *Q, const float *K, int Tq, int Tk, int D)
{
    /* BEGIN EXERCISE 10.1 (1 point): the scaled scores of one head */
    const float scale = 1.0f / sqrtf((float)D);
    for (int i = 0; i < Tq; i++)
        for (int j = 0; j < Tk; j++) {
            double s = 0;
            for (int d = 0; d < D; d++)
                s += (double)Q[i * D + d] * K[j * D + d];
            S[i * Tk + j] = (float)s * scale;
        }
    /* END EXERCISE */
}

/*md
## 10.2 Masks

Two reasons to forbid a query from looking at a key. *Padding*: sequences of different lengths
share a batch, padded to the longest; a real query must not attend to the padding. *Causality*: a
model that predicts token $i+1$ from tokens $0..i$ (chapter 12's GPT) must not see the future, so
query $i$ may use keys $j \le i$ only, a lower-triangular mask, diagonal included (position $i$
sees itself). A forbidden pair gets the score $-\infty$ *before* the softmax: $e^{-\infty} = 0$,
so it gets weight 0 and the other weights still sum to one. Zeroing $P_{ij}$ *after* the softmax
instead would leave rows that no longer sum to one. A row with every key masked has no sensible
answer; the library returns $P = 0$, $O = 0$ for it rather than $0/0$.
*/

/* keep (T, T): 1 where query i may attend to key j (j <= i), else 0. */
static void causal_mask(unsigned char *keep, int T)
{
    /* BEGIN EXERCISE 10.2 (1 point): the causal mask */
    for (int i = 0; i < T; i++)
        for (int j = 0; j < T; j++)
            keep[i * T + j] = j <= i;
    /* END EXERCISE */
}

/*md
## 10.3 A softmax that does not overflow

$e^{s}$ overflows a float for $s > 88.7$. Since $\operatorname{softmax}(s) =
\operatorname{softmax}(s - c)$ for any constant $c$ (it cancels between numerator and
denominator), subtract each row's maximum first: the largest exponent is then $e^0 = 1$, nothing
overflows, and at least one term of the sum is 1, so nothing divides by 0. Masked entries are
$-\infty$ and become exactly 0.
*/

/* P (Tq, Tk) = softmax of each row of S (Tq, Tk); entries may be -INFINITY (masked). A row that
 * is all -INFINITY gives zeros. P may be S itself (attention_head calls it in place). */
static void softmax_rows(float *P, const float *S, int Tq, int Tk)
{
    /* BEGIN EXERCISE 10.3 (2 points): a numerically stable softmax over each row */
    for (int i = 0; i < Tq; i++) {
        float m = -INFINITY;
        for (int j = 0; j < Tk; j++)
            m = fmaxf(m, S[i * Tk + j]);
        if (m == -INFINITY) {
            for (int j = 0; j < Tk; j++)
                P[i * Tk + j] = 0;
            continue;
        }
        double sum = 0;
        for (int j = 0; j < Tk; j++)
            sum += P[i * Tk + j] = expf(S[i * Tk + j] - m);
        for (int j = 0; j < Tk; j++)
            P[i * Tk + j] = (float)(P[i * Tk + j] / sum);
    }
    /* END EXERCISE */
}

/* One head, the whole forward: O (Tq, Dv) and P (Tq, Tk) from Q (Tq, D), K (Tk, D), V (Tk, Dv);
 * keep (Tq, Tk) or NULL (no mask). P receives the attention weights, the softmax of the masked
 * scores (the backward pass and the figures read them); O = P V. A query whose keys are all
 * masked gets P = 0 and O = 0 (section 10.2). */
static void attention_head(float *O, float *P, const float *Q, const float *K, const float *V,
                           const unsigned char *keep, int Tq, int Tk, int D, int Dv)
{
    /* BEGIN EXERCISE 10.4 (2 points): scores, mask, softmax, mix the values */
    attention_scores(P, Q, K, Tq, Tk, D);
    if (keep)
        for (int i = 0; i < Tq * Tk; i++)
            if (!keep[i])
                P[i] = -INFINITY;
    softmax_rows(P, P, Tq, Tk);
    for (int i = 0; i < Tq; i++)
        for (int e = 0; e < Dv; e++) {
            double s = 0;
            for (int j = 0; j < Tk; j++)
                s += (double)P[i * Tk + j] * V[j * Dv + e];
            O[i * Dv + e] = (float)s;
        }
    /* END EXERCISE */
}

/*md
## 10.4 Backward

With $\bar O = \partial L / \partial O$ from above, walk the forward backwards. $O = PV$ is a
matrix product (chapter 3): $\bar V = P^\top \bar O$ and $\bar P = \bar O V^\top$. The softmax of
one row, $p_j = e^{s_j} / \sum_k e^{s_k}$, has the Jacobian $\partial p_j / \partial s_k =
p_j(\delta_{jk} - p_k)$, so

$$
\bar s_k = \sum_j \bar p_j \, p_j (\delta_{jk} - p_k) = p_k \Bigl(\bar p_k - \sum_j p_j \bar p_j\Bigr).
$$

The subtracted term is the price of the normalization: raising one score lowers every other
weight. (A masked entry has $p_k = 0$ and gets $\bar s_k = 0$: no gradient flows to a forbidden
key.) Last, $S = QK^\top/\sqrt{d}$ gives $\bar Q = \bar S K / \sqrt{d}$ and
$\bar K = \bar S^\top Q / \sqrt{d}$. `attn_backward` in `common/attention.c` does exactly this,
one `cblas_sgemm` per product and per head; the library's tests check it against centered
differences and PyTorch.
*/

/* dS (Tq, Tk) from P (Tq, Tk) and dP (Tq, Tk): the softmax's backward, row by row. */
static void softmax_rows_backward(float *dS, const float *P, const float *dP, int Tq, int Tk)
{
    /* BEGIN EXERCISE 10.5 (2 points): the gradient of the row softmax */
    for (int i = 0; i < Tq; i++) {
        double dot = 0;
        for (int j = 0; j < Tk; j++)
            dot += (double)P[i * Tk + j] * dP[i * Tk + j];
        for (int j = 0; j < Tk; j++)
            dS[i * Tk + j] = P[i * Tk + j] * (dP[i * Tk + j] - (float)dot);
    }
    /* END EXERCISE */
}

/*md
## 10.5 Multi-head attention and positions

One softmax picks one mixture. A layer often needs several at once ("the previous word" *and*
"the subject"), so multi-head attention projects the input $x \in \mathbb{R}^{T \times E}$ into
$H$ smaller query/key/value sets of $E/H$ features each, runs attention in each head
independently, concatenates the $H$ outputs and mixes them with one more projection:
$Q = xW_q$, $K = xW_k$, $V = xW_v$, split into heads, $O_h = \operatorname{attn}(Q_h, K_h, V_h)$,
$y = [O_1 \dots O_H] W_o$. The cost is the same as one head of width $E$. In the library the
heads are the $H$ axis of a $(B, H, T, E/H)$ array (`mha_forward`).

**Order.** Permute the keys and values together and the output does not change: attention sees a
*set*. Positions must be written into the vectors: add a table $P \in \mathbb{R}^{T_{max} \times E}$
row $t$ to the token at position $t$. A *learned* table is a parameter like the embedding; the
*sinusoidal* one (Vaswani et al. 2017) is fixed,

$$
P_{t,2i} = \sin\bigl(t / 10000^{2i/E}\bigr), \qquad P_{t,2i+1} = \cos\bigl(t / 10000^{2i/E}\bigr),
$$

pairs of features rotating at geometrically spaced frequencies, so that $P_{t+k}$ is a fixed
rotation of $P_t$ for every $t$ (a linear map can express "$k$ positions earlier"). Either table
has $T_{max}$ rows: a longer sequence has positions the model never saw, and `posenc_add` refuses
it with an error instead of reading past the table.
*/

/* table (T, E): the sinusoidal positional encoding (E even). */
static void sinusoidal_table(float *table, int T, int E)
{
    /* BEGIN EXERCISE 10.6 (2 points): the sinusoidal positional table */
    for (int t = 0; t < T; t++)
        for (int i = 0; 2 * i < E; i++) {
            const double angle = t / pow(10000.0, 2.0 * i / E);
            table[t * E + 2 * i] = (float)sin(angle);
            table[t * E + 2 * i + 1] = (float)cos(angle);
        }
    /* END EXERCISE */
}

/*md
## 10.6 A task that needs lookup: reversing digits

Input: $T = 8$ random digits; target: the same digits reversed. Output $t$ needs input $T-1-t$
and nothing else, wherever it is. The attention model is: embedding ($10 \times 32$) plus a
learned positional table, one multi-head self-attention layer (2 heads), and a linear layer to
10 logits at every position; cross-entropy averaged over the positions. It must learn queries
that say "I am position $t$, I want position $T-1-t$" and keys that say "I am position $s$": a
bilinear form on the positional rows, which one layer can represent exactly.

The baseline is chapter 8's Elman RNN (`common/rnn.h`, 128 hidden units): it reads the 8 digits,
then 8 blank symbols, and must emit the reversed sequence during the blanks. It has to carry all
8 digits through its one hidden vector, and emit the *first* digit it read last. Both models get
the same steps, batch, learning rate and optimizer (Adam), and the RNN gets gradient clipping.
*/

enum { VOCAB = 10, BLANK = VOCAB, EMB = 32, HEADS = 2, RNN_H = 128, BATCH = 64, STEPS_PER_EPOCH = 100 };

typedef struct {
    int T, Tmax;
    float *params, *grads; /* Emb (V, E), Pos (Tmax, E), Wout (E, V), bout (V) */
    float *Emb, *Pos, *Wout, *bout, *dEmb, *dPos, *dWout, *dbout;
    size_t n;
    mha_t mha;
    mha_cache_t cache;
    float *x, *h, *dh, *dx, *logits, *dz; /* (B T, E) and (B T, V) */
} attn_model_t;

static void attn_model_views(float *base, float **v[4], int Tmax)
{
    *v[0] = base;
    *v[1] = *v[0] + VOCAB * EMB;
    *v[2] = *v[1] + (size_t)Tmax * EMB;
    *v[3] = *v[2] + EMB * VOCAB;
}

static int attn_model_init(attn_model_t *m, int T, int Tmax, rng_t *rng)
{
    memset(m, 0, sizeof *m);
    m->T = T, m->Tmax = Tmax;
    m->n = VOCAB * EMB + (size_t)Tmax * EMB + EMB * VOCAB + VOCAB;
    m->params = nn_calloc(m->n, sizeof(float));
    m->grads = nn_calloc(m->n, sizeof(float));
    attn_model_views(m->params, (float **[4]){&m->Emb, &m->Pos, &m->Wout, &m->bout}, Tmax);
    attn_model_views(m->grads, (float **[4]){&m->dEmb, &m->dPos, &m->dWout, &m->dbout}, Tmax);
    init_normal(m->Emb, VOCAB * EMB, 1.0f, rng);
    init_normal(m->Pos, (size_t)Tmax * EMB, 1.0f, rng);
    init_xavier_uniform(m->Wout, EMB, VOCAB, rng);
    if (mha_init(&m->mha, EMB, HEADS, rng) != 0)
        return -1;
    m->cache = mha_cache_new(BATCH, T, EMB, HEADS);
    const size_t bt = (size_t)BATCH * T;
    m->x = nn_calloc(bt * EMB, sizeof(float));
    m->h = nn_calloc(bt * EMB, sizeof(float));
    m->dh = nn_calloc(bt * EMB, sizeof(float));
    m->dx = nn_calloc(bt * EMB, sizeof(float));
    m->logits = nn_calloc(bt * VOCAB, sizeof(float));
    m->dz = nn_calloc(bt * VOCAB, sizeof(float));
    return 0;
}

static void attn_model_free(attn_model_t *m)
{
    mha_free(&m->mha), mha_cache_free(&m->cache);
    float *bufs[] = {m->params, m->grads, m->x, m->h, m->dh, m->dx, m->logits, m->dz};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        free(bufs[i]);
}

/* Forward on ids (B, T) -> logits; the loss against labels (B, T) when dz is wanted. Returns the
 * loss, or NAN after an error (a sequence longer than the positional table). */
static float attn_model_forward(attn_model_t *m, const int *ids, const int *labels, int backward)
{
    const int T = m->T, rows = BATCH * T;
    embedding_forward(m->x, m->Emb, ids, rows, VOCAB, EMB);
    if (posenc_add(m->x, m->Pos, BATCH, T, EMB, m->Tmax) != 0)
        return NAN;
    if (mha_forward(m->h, &m->cache, &m->mha, m->x, NULL, 0) != 0)
        return NAN;
    for (int r = 0; r < rows; r++)
        memcpy(m->logits + (size_t)r * VOCAB, m->bout, VOCAB * sizeof(float));
    matmul_blas(0, 0, rows, VOCAB, EMB, 1.0f, m->h, m->Wout, 1.0f, m->logits);
    float loss = softmax_cross_entropy(backward ? m->dz : NULL, m->logits, labels, rows, VOCAB);
    if (!backward)
        return loss;
    matmul_blas(1, 0, EMB, VOCAB, rows, 1.0f, m->h, m->dz, 0.0f, m->dWout);
    rnn_sum_rows(m->dbout, m->dz, rows, VOCAB);
    matmul_blas(0, 1, rows, EMB, VOCAB, 1.0f, m->dz, m->Wout, 0.0f, m->dh);
    mha_backward(m->dx, &m->mha, &m->cache, m->dh, m->x);
    posenc_backward(m->dPos, m->dx, BATCH, T, EMB, m->Tmax);
    embedding_backward(m->dEmb, m->dx, ids, rows, VOCAB, EMB);
    return loss;
}

typedef struct {
    int T;
    float *params, *grads; /* Emb (V+1, E), Wx (E, H), Wh (H, H), b (H), Wy (H, V), by (V) */
    float *p[6], *g[6];
    size_t n;
    rnn_cache_t cache;
    int *ids;                   /* (2T, B) time-major */
    float *x, *dx, *dh, *logits, *dz; /* (2T B, E), (2T B, E), (2T, B, H), (T B, V) x 2 */
} rnn_model_t;

static void rnn_model_init(rnn_model_t *m, int T, rng_t *rng)
{
    memset(m, 0, sizeof *m);
    m->T = T;
    const size_t sizes[6] = {(VOCAB + 1) * EMB, EMB * RNN_H, RNN_H * RNN_H, RNN_H, RNN_H * VOCAB, VOCAB};
    for (int k = 0; k < 6; k++)
        m->n += sizes[k];
    m->params = nn_calloc(m->n, sizeof(float));
    m->grads = nn_calloc(m->n, sizeof(float));
    size_t off = 0;
    for (int k = 0; k < 6; k++)
        m->p[k] = m->params + off, m->g[k] = m->grads + off, off += sizes[k];
    init_normal(m->p[0], sizes[0], 1.0f, rng);
    init_xavier_uniform(m->p[1], EMB, RNN_H, rng);
    init_normal(m->p[2], sizes[2], 1.0f / sqrtf(RNN_H), rng);
    init_xavier_uniform(m->p[4], RNN_H, VOCAB, rng);
    const size_t rows = (size_t)2 * T * BATCH;
    m->cache = rnn_cache_new(2 * T, BATCH, EMB, RNN_H);
    m->ids = nn_calloc(rows, sizeof(int));
    m->x = nn_calloc(rows * EMB, sizeof(float));
    m->dx = nn_calloc(rows * EMB, sizeof(float));
    m->dh = nn_calloc(rows * RNN_H, sizeof(float));
    m->logits = nn_calloc((size_t)T * BATCH * VOCAB, sizeof(float));
    m->dz = nn_calloc((size_t)T * BATCH * VOCAB, sizeof(float));
}

static void rnn_model_free(rnn_model_t *m)
{
    rnn_cache_free(&m->cache);
    float *bufs[] = {m->params, m->grads, m->x, m->dx, m->dh, m->logits, m->dz};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        free(bufs[i]);
    free(m->ids);
}

/* ids (B, T) batch-major in; labels_tm (T, B) time-major (output step t, sequence b). */
static float rnn_model_forward(rnn_model_t *m, const int *ids, const int *labels_tm, int backward)
{
    const int T = m->T, rows = T * BATCH;
    for (int t = 0; t < 2 * T; t++)
        for (int b = 0; b < BATCH; b++)
            m->ids[t * BATCH + b] = t < T ? ids[b * T + t] : BLANK;
    embedding_forward(m->x, m->p[0], m->ids, 2 * rows, VOCAB + 1, EMB);
    rnn_forward(&m->cache, m->x, m->p[1], m->p[2], m->p[3], NULL);
    const float *hout = rnn_output(&m->cache) + (size_t)rows * RNN_H; /* steps T..2T-1 */
    for (int r = 0; r < rows; r++)
        memcpy(m->logits + (size_t)r * VOCAB, m->p[5], VOCAB * sizeof(float));
    matmul_blas(0, 0, rows, VOCAB, RNN_H, 1.0f, hout, m->p[4], 1.0f, m->logits);
    float loss = softmax_cross_entropy(backward ? m->dz : NULL, m->logits, labels_tm, rows, VOCAB);
    if (!backward)
        return loss;
    matmul_blas(1, 0, RNN_H, VOCAB, rows, 1.0f, hout, m->dz, 0.0f, m->g[4]);
    rnn_sum_rows(m->g[5], m->dz, rows, VOCAB);
    memset(m->dh, 0, (size_t)rows * RNN_H * sizeof(float));
    matmul_blas(0, 1, rows, RNN_H, VOCAB, 1.0f, m->dz, m->p[4], 0.0f, m->dh + (size_t)rows * RNN_H);
    rnn_backward(m->dx, m->g[1], m->g[2], m->g[3], NULL, NULL, &m->cache, m->dh, m->x, m->p[1], m->p[2]);
    embedding_backward(m->g[0], m->dx, m->ids, 2 * rows, VOCAB + 1, EMB);
    return loss;
}

/* A batch of random digit sequences (B, T) and their reversals, batch-major and time-major. */
static void make_batch(int *ids, int *rev, int *rev_tm, int T, rng_t *rng)
{
    for (int b = 0; b < BATCH; b++)
        for (int t = 0; t < T; t++)
            ids[b * T + t] = (int)rng_below(rng, VOCAB);
    for (int b = 0; b < BATCH; b++)
        for (int t = 0; t < T; t++) {
            rev[b * T + t] = ids[b * T + T - 1 - t];
            rev_tm[t * BATCH + b] = rev[b * T + t];
        }
}

/* Fraction of correct digits, and of sequences entirely correct, from logits (rows, V). */
static void accuracy(double *tok, double *seq, const float *logits, const int *labels, int rows, int T,
                     int time_major)
{
    int right = 0, seq_right = 0;
    for (int b = 0; b < BATCH; b++) {
        int all = 1;
        for (int t = 0; t < T; t++) {
            const int r = time_major ? t * BATCH + b : b * T + t;
            int best = 0;
            for (int v = 1; v < VOCAB; v++)
                best = logits[(size_t)r * VOCAB + v] > logits[(size_t)r * VOCAB + best] ? v : best;
            right += best == labels[r];
            all &= best == labels[r];
        }
        seq_right += all;
    }
    (void)rows;
    *tok = (double)right / (BATCH * T);
    *seq = (double)seq_right / BATCH;
}

/*md
## 10.7 Training, and what the heads look at

`out/10/log.csv` has one row per epoch (100 steps of 64 fresh sequences): each model's training
loss and its accuracy on a fixed held-out batch, per digit and per whole sequence. `loss.svg`
and `accuracy.svg` draw them. `attention.svg` draws, for one held-out sequence, each head's
weights $P$ (query position down, key position across): a trained head puts its weight on the
anti-diagonal, query $t$ on key $T-1-t$: the lookup the task needs, found by gradient descent.

**What happens** (default run, `--seed 1`, 5 epochs = 500 steps). The attention model gets every
held-out digit right after the first epoch, and 100% of the held-out sequences at the end. The
RNN, with the same steps, learning rate and optimizer, reaches about 73% of the digits and about
10% of the whole sequences: it is still learning (given 20 epochs it reaches about 97% of the
digits), but it learns slowly, because its gradient for the first digit read has to travel
back through all 16 steps. Attention's path from any input to any output is one step long.
*/

#ifndef GRADING

/* The exercises against the library on one random causal head: the largest differences. */
static void compare_with_library(rng_t *rng)
{
    enum { T = 6, D = 4 };
    float Q[T * D], K[T * D], V[T * D], O[T * D], P[T * T], dO[T * D], dQ[T * D], dK[T * D], dV[T * D];
    float Ol[T * D], dP[T * T], dS[T * T], table[T * D], table_l[T * D];
    for (int i = 0; i < T * D; i++)
        Q[i] = rng_normal(rng), K[i] = rng_normal(rng), V[i] = rng_normal(rng), dO[i] = rng_normal(rng);
    unsigned char keep[T * T];
    causal_mask(keep, T);
    attention_head(O, P, Q, K, V, keep, T, T, D, D);
    attn_cache_t c = attn_cache_new(1, 1, T, T, D, D);
    attn_forward(Ol, &c, Q, K, V, NULL, 1);
    attn_backward(dQ, dK, dV, &c, dO, Q, K, V);
    /* dS from the exercise, then dQ = dS K / sqrt(D) */
    matmul_blas(0, 1, T, T, D, 1.0f, dO, V, 0.0f, dP);
    softmax_rows_backward(dS, P, dP, T, T);
    float dQe[T * D];
    matmul_blas(0, 0, T, D, T, 1.0f / sqrtf(D), dS, K, 0.0f, dQe);
    sinusoidal_table(table, T, D);
    posenc_sinusoidal(table_l, T, D);
    double eo = 0, eq = 0, ep = 0;
    for (int i = 0; i < T * D; i++) {
        eo = fmax(eo, fabs(O[i] - Ol[i]));
        eq = fmax(eq, fabs(dQe[i] - dQ[i]));
        ep = fmax(ep, fabs(table[i] - table_l[i]));
    }
    printf("exercises vs common/attention (one causal head, T = %d, D = %d): max |dO| %.2g, |d dQ| %.2g, "
           "|d table| %.2g\n", T, D, eo, eq, ep);
    attn_cache_free(&c);
}

static int write_attention_maps(const char *dir, const attn_model_t *m)
{
    char path[4096];
    io_file_t f;
    const int T = m->T;
    if (io_create(&f, io_join(path, dir, "attention.dat")) != 0)
        return -1;
    for (int h = 0; h < HEADS; h++) { /* sequence 0, head h: one matrix block per head */
        const float *P = m->cache.attn.P + (size_t)h * T * T;
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++)
                fprintf(f.f, "%g%c", P[i * T + j], j == T - 1 ? '\n' : ',');
        fprintf(f.f, "\n\n");
    }
    if (io_commit(&f) != 0)
        return -1;
    char body[2048];
    snprintf(body, sizeof body,
             "set multiplot layout 1,%d title 'Attention weights reversing one held-out sequence'\n"
             "set xlabel 'key position'; set ylabel 'query position'; set yrange [%d.5:-0.5]; "
             "set xrange [-0.5:%d.5]; set cbrange [0:1]; set palette grey negative\n"
             "do for [h=0:%d] { set title sprintf('head %%d', h+1); "
             "plot 'attention.dat' index h matrix with image notitle }\nunset multiplot",
             HEADS, T - 1, T - 1, HEADS - 1);
    return plot_render(dir, "attention", 1000, 480, body);
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 5, .quick_epochs = 2, .seed = 1, .out = "out/10"};
    int T = 8, Tmax = 16;
    float lr = 3e-3f;
    const flags_option_t extra[] = {
        {"--len", FLAGS_INT, &T, "sequence length (digits to reverse)"},
        {"--max-len", FLAGS_INT, &Tmax, "rows of the positional table"},
        {"--lr", FLAGS_FLOAT, &lr, "learning rate (both models)"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 10: attention; reversing digits, against an RNN.", extra, 3);
    if (parsed != 0)
        return parsed < 0 ? 2 : 0;
    if (T < 1 || T > 64 || Tmax < 1 || Tmax > 4096) {
        fprintf(stderr, "error: --len expects 1..64 and --max-len 1..4096, got %d and %d\n", T, Tmax);
        return 2;
    }
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    const double t0 = timing_seconds();
    compare_with_library(&rng);
    attn_model_t am;
    rnn_model_t rm;
    if (attn_model_init(&am, T, Tmax, &rng) != 0)
        return 1;
    rnn_model_init(&rm, T, &rng);
    int *ids = nn_calloc((size_t)BATCH * T, sizeof(int)), *rev = nn_calloc((size_t)BATCH * T, sizeof(int));
    int *rev_tm = nn_calloc((size_t)BATCH * T, sizeof(int));
    int *vids = nn_calloc((size_t)BATCH * T, sizeof(int)), *vrev = nn_calloc((size_t)BATCH * T, sizeof(int));
    int *vrev_tm = nn_calloc((size_t)BATCH * T, sizeof(int));
    rng_t vrng;
    rng_seed(&vrng, f.seed + 1000);
    make_batch(vids, vrev, vrev_tm, T, &vrng);
    adam_t oa = adam_new(am.n, lr), om = adam_new((size_t)mha_param_count(EMB), lr), orr = adam_new(rm.n, lr);
    char path[4096];
    csvlog_t log;
    int rc = 0;
    if (csvlog_open(&log, io_join(path, f.out, "log.csv"),
                    "epoch,attn_loss,rnn_loss,attn_acc,rnn_acc,attn_seq_acc,rnn_seq_acc") != 0)
        return 1;
    long step = 0;
    double acc[4] = {0};
    const int steps = f.quick ? STEPS_PER_EPOCH / 4 : STEPS_PER_EPOCH;
    for (int epoch = 1; epoch <= f.epochs && rc == 0; epoch++) {
        progress_t bar;
        char label[32];
        snprintf(label, sizeof label, "epoch %d/%d", epoch, f.epochs);
        progress_begin(&bar, label, steps);
        double la = 0, lrnn = 0;
        for (int s = 0; s < steps; s++, step++) {
            make_batch(ids, rev, rev_tm, T, &rng);
            float a = attn_model_forward(&am, ids, rev, 1);
            if (isnan(a)) {
                rc = 1;
                break;
            }
            nn_check_finite(a, "attention model's training loss", step);
            adam_step(&oa, am.params, am.grads);
            adam_step(&om, am.mha.params, am.mha.grads);
            float r = rnn_model_forward(&rm, ids, rev_tm, 1);
            nn_check_finite(r, "RNN's training loss", step);
            clip_grad_norm_flat(rm.grads, rm.n, 1.0f);
            adam_step(&orr, rm.params, rm.grads);
            la += a, lrnn += r;
            progress_step(&bar, s + 1, "attention %.3f  rnn %.3f", la / (s + 1), lrnn / (s + 1));
        }
        if (rc)
            break;
        attn_model_forward(&am, vids, vrev, 0);
        accuracy(&acc[0], &acc[2], am.logits, vrev, BATCH * T, T, 0);
        rnn_model_forward(&rm, vids, vrev_tm, 0);
        accuracy(&acc[1], &acc[3], rm.logits, vrev_tm, BATCH * T, T, 1);
        progress_end(&bar, "loss: attention %.3f, rnn %.3f; held-out digits right: attention %.3f, rnn %.3f",
                     la / steps, lrnn / steps, acc[0], acc[1]);
        csvlog_row(&log, (double[]){epoch, la / steps, lrnn / steps, acc[0], acc[1], acc[2], acc[3]});
    }
    rc |= csvlog_close(&log);
    if (rc == 0) {
        printf("held-out batch: attention %.1f%% of digits (%.1f%% of sequences), RNN %.1f%% (%.1f%%)\n",
               100 * acc[0], 100 * acc[2], 100 * acc[1], 100 * acc[3]);
        attn_model_forward(&am, vids, vrev, 0); /* the maps of the held-out batch's first sequence */
        rc |= write_attention_maps(f.out, &am);
        rc |= plot_curves(f.out, "loss", "log.csv", "Reversing 8 digits: training loss", "epoch", "cross-entropy",
                          "epoch", (const char *[]){"attn_loss:attention", "rnn_loss:RNN (chapter 8)", NULL});
        rc |= plot_curves(f.out, "accuracy", "log.csv", "Reversing 8 digits: held-out accuracy", "epoch",
                          "fraction right", "epoch",
                          (const char *[]){"attn_acc:attention, digits", "rnn_acc:RNN, digits",
                                           "attn_seq_acc:attention, sequences", "rnn_seq_acc:RNN, sequences", NULL});
    }
    adam_free(&oa), adam_free(&om), adam_free(&orr);
    attn_model_free(&am), rnn_model_free(&rm);
    free(ids), free(rev), free(rev_tm), free(vids), free(vrev), free(vrev_tm);
    if (rc == 0)
        printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
