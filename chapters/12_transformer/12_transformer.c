/*md
# The transformer: a small GPT

Chapter 10 built attention and trained it on a toy task; chapter 8 trained a recurrent network to
write like the King James Bible. This chapter puts the two together the way every large language
model since 2018 does: a *decoder-only transformer*, GPT, trained to predict the next symbol of
the KJV. We derive the model from chapter 10's attention (residual stream, layer norm before each
branch, an MLP with GELU, tied input and output embeddings), train it with AdamW, a warmup and a
cosine schedule and gradient clipping, and make it write: with a temperature, top-k and top-p
(nucleus) sampling. Generating token by token with the whole prefix recomputed each time is
quadratic; a *KV cache* makes each new token cost one row, and we measure the difference. Last, we
change what a symbol is: a *byte-pair encoder* trained on the corpus merges frequent pairs of
characters into tokens, and the same model trained on those tokens, for the same compute, is
compared with the character model in bits per character. Then a server's view: many prompts
generated together, with static and with continuous batching; fine-tuning the trained model
on another text with a low-rank adapter (LoRA), against fine-tuning all of it; and, last, the
GPT against chapter 8's LSTM for the same processor time.

**What lives where.** The model is in the library, `common/gpt.h` (forward, backward, KV cache,
checkpoints; its header lists every equation) so that chapter 13 can train it on a GPU. This file
derives it, keeps for the exercises the pieces that are new here (layer norm's backward, the tied
embedding's gradient, the cached attention step, top-k and top-p, a BPE merge) and checks them
against the library, and holds the tokenizer and the training program.

**Legend.** $B$ sequences per batch, $T$ tokens per sequence (the *context*), $V$ symbols in the
vocabulary, $C$ channels (the width), $H$ heads of $D_h = C/H$ channels, $L$ blocks. Every
activation is a $(BT, C)$ matrix: one row per position of every sequence.

## 12.1 From attention to a GPT

A language model gives, for each prefix $x_1 \dots x_t$, a distribution over the next symbol
$x_{t+1}$; trained on a corpus by minimizing the cross-entropy $-\log p(x_{t+1} \mid x_{\le t})$,
averaged over every position. Chapter 8 carried the prefix in a recurrent state. A transformer
instead lets position $t$ *look at* every earlier position with causal attention (chapter 10:
query $i$ may use key $j$ only when $j \le i$), so one forward pass computes the predictions of
all $T$ positions of a sequence at once, in parallel, and each is trained.

**Embeddings.** Symbol $x$ becomes row $x$ of a learned table $W_{te}$ $(V, C)$. Attention ignores
order, so position $t$ adds row $t$ of a second learned table $W_{pe}$ $(T_{max}, C)$ (as chapter
10's digit reverser did; section 10.5 also built a fixed sinusoidal one): $x^{(0)}_t = W_{te}[x_t] + W_{pe}[t]$.

**Blocks.** Then $L$ identical blocks, each with two *branches* that add to a *residual stream*:

$$
x \leftarrow x + \operatorname{Attn}(\operatorname{LN}_1(x)), \qquad
x \leftarrow x + \operatorname{MLP}(\operatorname{LN}_2(x)),
$$

with $\operatorname{Attn}$ chapter 10's causal multi-head self-attention (queries, keys and values
from one $(C, 3C)$ product, $H$ heads, then an output projection $(C, C)$) and
$\operatorname{MLP}(u) = \operatorname{gelu}(u W_{fc} + b_{fc}) W_{proj} + b_{proj}$, $C \to 4C \to C$.
Why this shape:

- *Residuals.* $\partial x_{out}/\partial x_{in} = I + \partial\,\text{branch}/\partial x_{in}$: the
  gradient reaches the embeddings through the identity however deep the stack, the cure chapter 7's
  residual blocks found for CNNs. Each block only *adds* a correction to what the stream carries.
- *Layer norm first* ("pre-LN"). Each branch sees its input normalized per position (mean 0,
  variance 1, then a learned gain and bias, chapter 6), whatever the scale the stream has grown
  to; the stream itself is never normalized, so the identity path stays clean. A last LN before
  the output. (The original transformer normalized *after* the addition and needed a long warmup
  to train at all.)
- *The MLP.* Attention mixes information *between* positions; the MLP transforms each position on
  its own, and holds most of the parameters ($8C^2$ of a block's $12C^2$).
- *GELU*, $\operatorname{gelu}(u) = u\,\Phi(u)$, a smooth ReLU (chapter 3); GPT-2 uses the tanh
  form $\tfrac{u}{2}(1 + \tanh(\sqrt{2/\pi}(u + 0.044715 u^3)))$, and so do we.

**Output and weight tying.** The last normalized stream $h$ $(BT, C)$ is scored against every
symbol's embedding: $\text{logits} = h W_{te}^\top$ $(BT, V)$: the *same* table read backwards
(Press and Wolf 2017). A symbol's input vector and its output vector should mean the same thing,
and it saves $VC$ parameters. The price is in the backward pass: $W_{te}$ is used twice, so its
gradient is the *sum* of two terms (exercise 12.2).

**Counting.** Per block the products have $3C^2 + C^2 + 4C^2 + 4C^2 = 12C^2$ weights; a token's
forward pass does one multiply-add per weight, $2 \cdot 12 C^2 L$ FLOPs, plus attention's two
$(T \times D_h)$ products per head, $2 \cdot 2TC$ per block, plus the output $2VC$; training
triples it (the backward pass has two products for each one of the forward). With $L = 4$,
$C = 128$, $T = 128$: $6 \cdot (786{,}432 + 4 \cdot 2 \cdot 128 \cdot 128 + 73 \cdot 128) \approx
5.6$ MFLOP per token, what `make bench` divides by.

The whole model is `gpt_forward` / `gpt_backward` in `common/gpt.c`, llm.c-style: every parameter
in one array (one optimizer call, one clip, one checkpoint), every activation in another, sized
once for $(B, T)$, so a training step allocates nothing; every product is one `cblas_sgemm`.
*/

#include "attention.h" /* attn_forward: the full causal attention the cached step is checked against */
#include "charlm.h"    /* chapter 8's character language model, for 12.11 */
#include "checkpoint.h" /* checkpoint_save / checkpoint_load: the LoRA adapter's file */
#include "clip.h"      /* clip_grad_norm_flat: gradient clipping (chapter 5) */
#include "course.h"    /* TODO: the student edition's exercise stubs */
#include "csvlog.h"    /* out/12/log.csv */
#include "error.h"     /* nn_error, nn_check_finite, nn_malloc */
#include "flags.h"     /* --epochs --seed --quick --out --data --help, and this chapter's options */
#include "gpt.h"       /* the model: gpt_forward / gpt_backward / gpt_kv_step / gpt_save / gpt_load */
#include "io.h"        /* io_mkdirs, io_join, io_create / io_commit */
#include "matmul.h"    /* matmul_blas */
#include "metrics.h"   /* metrics_argmax: greedy decoding at temperature 0 */
#include "norm.h"      /* layernorm_forward / layernorm_backward (the library's, chapter 6) */
#include "optim.h"     /* optim_new(OPTIM_ADAMW) (chapter 5) */
#include "plot.h"      /* gnuplot figures */
#include "progress.h"  /* the progress bar */
#include "rng.h"       /* the explicit random number generator */
#include "sample.h"    /* sample_softmax (temperature), sample_draw (chapter 8) */
#include "schedule.h"  /* warmup + cosine (chapter 5) */
#include "text.h"      /* the corpus and its byte vocabulary (chapter 8) */
#include "timing.h"    /* timing_seconds */

#include <cblas.h>  /* openblas_set_num_threads: one thread for 12.11 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>  /* clock_gettime(CLOCK_PROCESS_CPUTIME_ID) */

/*md
## 12.2 Layer norm, backward

Each position's $C$ numbers $x_i$ are normalized: $\mu = \frac1C\sum_i x_i$,
$\sigma^2 = \frac1C\sum_i (x_i-\mu)^2$, $r = 1/\sqrt{\sigma^2+\epsilon}$, $\hat x_i = (x_i-\mu)r$,
$y_i = \gamma_i \hat x_i + \beta_i$. Backward, with $g_i = \partial L/\partial y_i$ and
$\hat g_i = g_i \gamma_i$: the easy parts are $\partial L/\partial\gamma_i = \sum_{rows} g_i \hat x_i$
and $\partial L/\partial\beta_i = \sum_{rows} g_i$. For $x$, remember that *every* $\hat x_j$
depends on *every* $x_i$ through $\mu$ and $r$: $\partial \mu/\partial x_i = 1/C$ and
$\partial r/\partial x_i = -r^3 (x_i - \mu)/C$, so

$$
\frac{\partial \hat x_j}{\partial x_i} = r\left(\delta_{ij} - \frac1C\right) - \frac{r}{C}\hat x_j \hat x_i,
\qquad
\frac{\partial L}{\partial x_i} = \frac{r}{C}\Big(C \hat g_i - \sum_j \hat g_j - \hat x_i \sum_j \hat g_j \hat x_j\Big).
$$

The two sums are what the mean and the variance do: shifting all $x_i$ by the same amount changes
nothing (so $\sum_i \partial L/\partial x_i = 0$), and neither does scaling them.

### Exercise 12.1 — layer norm's backward pass

Write `layer_norm_backward`: from `dy` $(N, D)$, the forward's input `x`, its saved `mean` and
`rstd` $(N)$ and the gain `gamma` $(D)$, compute `dx` $(N, D)$ with the formula above and
`dgamma`, `dbeta` $(D)$ summed over the $N$ rows. All three are overwritten. The library's
`layernorm_backward` (chapter 6) is the reference the test compares with.
*/

/* dx (N, D), dgamma (D), dbeta (D) from dy (N, D), x (N, D), mean (N), rstd (N), gamma (D). */
static void layer_norm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                const float *mean, const float *rstd, const float *gamma, int N, int D)
{
    /* BEGIN EXERCISE 12.1 (2 points): layer norm backward, with both mean terms */
    memset(dgamma, 0, (size_t)D * sizeof(float));
    memset(dbeta, 0, (size_t)D * sizeof(float));
    for (int n = 0; n < N; n++) {
        const float *g = dy + (size_t)n * D, *xr = x + (size_t)n * D;
        const float mu = mean[n], r = rstd[n];
        double sg = 0, sgx = 0; /* sum of ghat, sum of ghat * xhat */
        for (int i = 0; i < D; i++) {
            const float xh = (xr[i] - mu) * r, gh = g[i] * gamma[i];
            sg += gh, sgx += (double)gh * xh;
            dgamma[i] += g[i] * xh;
            dbeta[i] += g[i];
        }
        for (int i = 0; i < D; i++) {
            const float xh = (xr[i] - mu) * r;
            dx[(size_t)n * D + i] = r / D * (D * g[i] * gamma[i] - (float)sg - xh * (float)sgx);
        }
    }
    /* END EXERCISE */
}

/*md
## 12.3 Weight tying, backward

$W_{te}$ is read twice in a forward pass: by the embedding, $x^{(0)}_n = W_{te}[\text{id}_n] + \dots$,
and by the output, $\text{logits} = h W_{te}^\top$. The multivariable chain rule adds the
contributions of every use of a variable, so

$$
\frac{\partial L}{\partial W_{te}} = \underbrace{\Big(\frac{\partial L}{\partial\,\text{logits}}\Big)^{\!\top} h}_{(V, C)\text{, the output's}}
\; + \; \underbrace{\sum_{n} e_{\text{id}_n} \Big(\frac{\partial L}{\partial x^{(0)}_n}\Big)^{\!\top}}_{\text{the embedding's scatter-add}}.
$$

The second term adds row $n$ of $dx^{(0)}$ into row $\text{id}_n$: a symbol that occurs three times
in the batch receives three rows. `gpt_backward` computes the first term at the start of the
backward pass and adds the second at its end.

### Exercise 12.2 — the tied embedding's gradient

Write `tied_embedding_backward`: `dwte` $(V, C)$ = `dlogits`$^\top$ `h` (the product: use
`matmul_blas`) plus, for every row $n$, row $n$ of `dx0` $(N, C)$ added to row `ids[n]`. Overwrite
`dwte`.
*/

/* dwte (V, C) from dlogits (N, V), h (N, C) (the final layer norm's output), dx0 (N, C) (the
 * gradient reaching the embeddings) and ids (N). */
static void tied_embedding_backward(float *dwte, const float *dlogits, const float *h, const float *dx0,
                                    const int *ids, int N, int V, int C)
{
    /* BEGIN EXERCISE 12.2 (2 points): the tied table's gradient, both uses summed */
    matmul_blas(1, 0, V, C, N, 1.0f, dlogits, h, 0.0f, dwte);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            dwte[(size_t)ids[n] * C + c] += dx0[(size_t)n * C + c];
    /* END EXERCISE */
}

/*md
## 12.4 Training

The corpus is chapter 8's: the KJV as Debian's `bible-kjv` prints it, read whole and checked by
`common/text.h`; its vocabulary is the set of bytes that occur (73 of them: letters, digits,
punctuation, space and newline). The first 90% of the text (at most 2 MB, enough for the steps we
take) is for training, the last 10% (at most 64 kB) for validation. A batch is $B$ windows of
$T + 1$ symbols at random offsets: the first $T$ are the input, the last $T$ the targets.

**The optimizer** is AdamW (chapter 5): Adam with the weight decay applied to the weights directly
rather than through the gradient, $\theta \leftarrow \theta - \eta\lambda\theta$, so the decay does not
get divided by Adam's $\sqrt{v}$ ($\lambda = 0.1$ here). **Which parameters decay.** Decay pulls a
parameter towards 0, which is a sensible prior for the weight of a product (it keeps the
function smooth) and a wrong one for everything else: a bias or a layer norm's shift has no reason
to be near 0, and a layer norm's gain has every reason to be near 1 (decayed, it shrinks every
branch's input). So, as GPT-2 and chapter 6 do, AdamW's *second parameter group* of biases and
layer norm gains and shifts takes no decay: `no_decay_group` below flags those 10 of the 16 tensors,
and `optim_step_tensors` exempts them. The two embedding tables do decay, like the other
matrices (nanoGPT's rule: every tensor with two dimensions decays). The usual argument for sparing
an embedding is that a row only receives a gradient when its symbol occurs, while the decay
shrinks it at every step, so a rare symbol's row withers; it does not apply here: the token table
is tied to the output, so every row receives the output product's gradient at every step, and
every position of the position table is used by every window. **The schedule** warms up linearly over
the first 10% of the steps and then decays along a cosine to a tenth of the peak: in the first steps Adam's second-moment estimates are
still noisy, and a full learning rate then can throw a transformer into a region it never
recovers from. **Clipping** the global gradient norm at 1 (chapter 5) bounds the damage of a rare
bad batch.

Losses are reported in **bits per character**, the cross-entropy in base 2 averaged over
characters: $\text{nats per token} \times \text{tokens} / (\text{characters} \cdot \ln 2)$. For a
character model tokens and characters are the same; for the byte-pair model of section 12.7 a
token is several characters, and this is the unit that makes the two comparable.
*/

typedef struct {
    gpt_config_t cfg;
    gpt_t m;
    gpt_acts_t a;
    optim_t opt;
    schedule_t sched;
    int B, T;
    int *x, *y; /* (B, T) inputs and targets */
} trainer_t;

/* One flag per tensor of the layout (gpt.h): 1 for the biases and the layer norms' gains and
 * shifts, which AdamW does not decay; 0 for the product weights and both embedding tables. */
static const unsigned char no_decay_group[GPT_NTENSORS] = {
    0, 0,       /* wte wpe */
    1, 1,       /* ln1w ln1b */
    0, 1,       /* qkvw qkvb */
    0, 1,       /* attprojw attprojb */
    1, 1,       /* ln2w ln2b */
    0, 1,       /* fcw fcb */
    0, 1,       /* fcprojw fcprojb */
    1, 1,       /* lnfw lnfb */
};

static int trainer_init(trainer_t *tr, const gpt_config_t *cfg, int B, float lr, long steps, rng_t *rng)
{
    memset(tr, 0, sizeof *tr);
    tr->cfg = *cfg, tr->B = B, tr->T = cfg->Tmax;
    if (gpt_init(&tr->m, cfg, rng) || gpt_acts_new(&tr->a, cfg, B, cfg->Tmax))
        return -1;
    tr->opt = optim_new(OPTIM_ADAMW, tr->m.n, lr);
    tr->opt.weight_decay = 0.1f;
    tr->opt.no_decay = no_decay_group; /* the second group: biases and layer norms */
    tr->sched = schedule_new(SCHEDULE_WARMUP_COSINE, lr, steps);
    tr->sched.lr_min = lr / 10;
    tr->x = nn_malloc((size_t)B * tr->T * sizeof(int));
    tr->y = nn_malloc((size_t)B * tr->T * sizeof(int));
    return 0;
}

static void trainer_free(trainer_t *tr)
{
    gpt_free(&tr->m), gpt_acts_free(&tr->a), optim_free(&tr->opt);
    free(tr->x), free(tr->y);
}

/* The update of step `step` from the gradients in tr->m.grads: clip, schedule, AdamW (two groups). */
static void trainer_update(trainer_t *tr, long step)
{
    clip_grad_norm_flat(tr->m.grads, tr->m.n, 1.0f);
    tr->opt.lr = schedule_lr(&tr->sched, step);
    optim_step_tensors(&tr->opt, tr->m.params, tr->m.grads, tr->m.sizes, GPT_NTENSORS);
}

/* B random windows of ids (n) into tr->x (inputs) and tr->y (targets, one symbol later). */
static void trainer_batch(trainer_t *tr, const int *ids, long n, rng_t *rng)
{
    const int B = tr->B, T = tr->T;
    for (int b = 0; b < B; b++) {
        long o = (long)rng_below(rng, (uint32_t)(n - T - 1));
        memcpy(tr->x + (size_t)b * T, ids + o, (size_t)T * sizeof(int));
        memcpy(tr->y + (size_t)b * T, ids + o + 1, (size_t)T * sizeof(int));
    }
}

/* One step on B random windows of ids (n): returns the batch's mean loss in nats per token. */
static float train_step(trainer_t *tr, const int *ids, long n, long step, rng_t *rng)
{
    const int B = tr->B, T = tr->T;
    trainer_batch(tr, ids, n, rng);
    gpt_forward(&tr->a, &tr->m, tr->x, B, T);
    float loss = gpt_loss(&tr->a, &tr->m, tr->y);
    gpt_backward(&tr->m, &tr->a, tr->a.dlogits, tr->x);
    trainer_update(tr, step);
    return loss;
}

/* Mean loss in nats per token over consecutive windows of ids (n) (at most max_windows of them,
 * B at a time), and the number of tokens scored into *tokens. */
static double evaluate(trainer_t *tr, const int *ids, long n, int max_windows, long *tokens)
{
    const int B = tr->B, T = tr->T;
    double total = 0;
    long count = 0;
    int w = 0;
    for (long o = 0; o + T + 1 <= n && w < max_windows;) {
        int b = 0;
        for (; b < B && o + T + 1 <= n && w < max_windows; b++, w++, o += T) {
            memcpy(tr->x + (size_t)b * T, ids + o, (size_t)T * sizeof(int));
            memcpy(tr->y + (size_t)b * T, ids + o + 1, (size_t)T * sizeof(int));
        }
        gpt_forward(&tr->a, &tr->m, tr->x, b, T);
        total += (double)gpt_loss(&tr->a, &tr->m, tr->y) * b * T;
        count += (long)b * T;
    }
    *tokens = count;
    return count ? total / count : NAN;
}

/*md
## 12.5 Writing: temperature, top-k, top-p

To generate, feed a prompt, turn the last position's logits into probabilities and draw the next
symbol; append it and repeat. Chapter 8 drew from $\operatorname{softmax}(z/\tau)$ with a
temperature $\tau$ (`sample_softmax`): $\tau < 1$ sharpens the distribution. But the long *tail* of
unlikely symbols is still there, and a few hundred draws will hit it: one absurd letter derails
every word after it. Two filters cut the tail before drawing:

- **top-k** keeps the $k$ most probable symbols and renormalizes. Simple, but $k$ is fixed: after
  "the LOR" one symbol has almost all the mass and $k = 10$ still admits nine bad ones; after
  "And the" dozens are fine.
- **top-p** (nucleus sampling, Holtzman et al. 2020) keeps the *smallest* set of most probable
  symbols whose probabilities add up to at least $p$: sort descending, accumulate, and stop at the
  symbol whose addition makes the sum reach $p$, *that symbol included* (without it the kept mass
  would be below $p$). The set adapts: one symbol when the model is sure, many when it is not.

### Exercise 12.3 — top-k

Write `top_k_filter`: `q` $(V)$ = `p` on the `k` most probable symbols (ties: the lower index
first), 0 elsewhere, then renormalized to sum to 1. $k \ge V$ keeps everything.
*/

/* q (V) = p (V) restricted to its k largest entries, renormalized. */
static void top_k_filter(float *q, const float *p, int V, int k)
{
    /* BEGIN EXERCISE 12.3 (1 point): keep the k most probable symbols */
    double kept = 0;
    for (int i = 0; i < V; i++) {
        int above = 0; /* symbols ranked before i */
        for (int j = 0; j < V; j++)
            above += p[j] > p[i] || (p[j] == p[i] && j < i);
        q[i] = above < k ? p[i] : 0.0f;
        kept += q[i];
    }
    for (int i = 0; i < V; i++)
        q[i] = (float)(q[i] / kept);
    /* END EXERCISE */
}

/*md
### Exercise 12.4 — top-p (nucleus)

Write `top_p_filter`: sort the indices by `p` descending into `order` $(V)$ (ties: the lower index
first), keep the shortest prefix whose probabilities sum to at least `top_p` (the symbol that
crosses `top_p` is kept), set `q` to `p` on the kept symbols and 0 elsewhere, and renormalize.
`top_p` $\ge 1$ keeps everything.
*/

/* q (V) = p (V) restricted to its nucleus of mass top_p, renormalized; order (V) is scratch. */
static void top_p_filter(float *q, int *order, const float *p, int V, float top_p)
{
    /* BEGIN EXERCISE 12.4 (2 points): the nucleus, the crossing symbol included */
    for (int i = 0; i < V; i++) { /* insertion sort, descending, stable */
        int j = i;
        while (j > 0 && p[order[j - 1]] < p[i])
            order[j] = order[j - 1], j--;
        order[j] = i;
    }
    double cum = 0;
    int kept = 0;
    while (kept < V && (kept == 0 || cum < top_p))
        cum += p[order[kept++]];
    for (int i = 0; i < V; i++)
        q[i] = 0.0f;
    for (int r = 0; r < kept; r++)
        q[order[r]] = (float)(p[order[r]] / cum);
    /* END EXERCISE */
}

typedef struct {
    float temperature; /* 0: argmax */
    int top_k;         /* 0: off */
    float top_p;       /* >= 1: off */
} sampler_t;

/* The next symbol from logits z (V); scratch: 2 V floats and V ints. */
static int sample_next(const float *z, int V, const sampler_t *s, float *scratch, int *order, rng_t *rng)
{
    float *p = scratch, *q = scratch + V;
    if (s->temperature <= 0)
        return metrics_argmax(z, V);
    sample_softmax(p, z, V, s->temperature);
    if (s->top_k > 0 && s->top_k < V) {
        top_k_filter(q, p, V, s->top_k);
        memcpy(p, q, (size_t)V * sizeof(float));
    }
    if (s->top_p < 1.0f) {
        top_p_filter(q, order, p, V, s->top_p);
        memcpy(p, q, (size_t)V * sizeof(float));
    }
    return sample_draw(p, V, rng);
}

/*md
## 12.6 The KV cache

Generating $n$ symbols by running `gpt_forward` on the whole prefix each time costs
$\sum_{t \le n} t = O(n^2)$ token-passes, and all but one row of each is thrown away. But in a
causal model nothing about position $j$ changes when later symbols arrive: its keys and values, in
every block, are final once computed. So keep them. For a new symbol at position $t$, each block
computes only that row's $q, k, v$, appends $k$ and $v$ as row $t$ of the block's cache, and
attends with one query over rows $0 \dots t$. Each new token then costs one token-pass plus the
attention over the cache, $O(t\,C)$, instead of a $t$-token pass. `gpt_kv_step` does this for all
blocks; the test checks that its logits are those of the full forward.

Two ways to get it subtly wrong, both invisible in a quick look at the samples: attending over
rows $0 \dots t-1$ (the new token does not see itself: the causal mask *off by one*), or attending
over a row that was not written this time (a cache reused from the previous prompt still holds
*stale* keys and values there).

### Exercise 12.5 — one step of cached attention

Write `kv_attend` for one head: store `k_new` and `v_new` $(D_h)$ as row `pos` of the cache `K`,
`V` $(T_{max}, D_h)$; then `out` $(D_h)$ = the attention of the query `q` over rows
$0 \dots$ `pos`: scores $q \cdot K_j / \sqrt{D_h}$, a stable softmax over them (`scores`,
`pos + 1` floats, is your scratch for it), and the weighted sum of the rows of `V`.
*/

static void kv_attend(float *out, float *scores, float *K, float *V, const float *q, const float *k_new,
                      const float *v_new, int pos, int Dh)
{
    /* BEGIN EXERCISE 12.5 (3 points): append to the cache, attend over rows 0..pos */
    memcpy(K + (size_t)pos * Dh, k_new, (size_t)Dh * sizeof(float));
    memcpy(V + (size_t)pos * Dh, v_new, (size_t)Dh * sizeof(float));
    const float scale = 1.0f / sqrtf((float)Dh);
    float mx = -INFINITY;
    for (int j = 0; j <= pos; j++) {
        float s = 0;
        for (int d = 0; d < Dh; d++)
            s += q[d] * K[(size_t)j * Dh + d];
        scores[j] = s * scale;
        mx = fmaxf(mx, scores[j]);
    }
    double sum = 0;
    for (int j = 0; j <= pos; j++)
        sum += scores[j] = expf(scores[j] - mx);
    for (int d = 0; d < Dh; d++)
        out[d] = 0.0f;
    for (int j = 0; j <= pos; j++)
        for (int d = 0; d < Dh; d++)
            out[d] += (float)(scores[j] / sum) * V[(size_t)j * Dh + d];
    /* END EXERCISE */
}

/*md
## 12.7 Byte-pair encoding

A character model spends a whole forward pass on the "d" of "said". A *tokenizer* that knows
"said" as one symbol lets the same context of $T$ tokens cover several times more text, at the
price of a bigger vocabulary. Byte-pair encoding (Sennrich et al. 2016, GPT-2's tokenizer) learns
its tokens from the corpus: start from the bytes; count every adjacent pair of tokens; give the
most frequent pair a new token id and replace its occurrences; repeat for as many merges as you
want tokens. "t h" becomes "th", then "th e" becomes "the", then " the"... The merges are kept in
order; encoding new text applies them in the same order, and decoding replaces each token by its
bytes. A byte that never occurred in the training text has no token at all: encoding it is an
error (GPT-2 avoids this by starting from all 256 byte values; we start from the corpus's bytes,
like the character model, and refuse the rest with a clear message).

### Exercise 12.6 — one merge

Write `bpe_merge`: in `ids` $(n)$, replace every occurrence of the pair (`a`, `b`) by the single
token `id`, scanning left to right without overlaps (`a a a` with the pair `a a` gives `aa a`), in
place; return the new length.
*/

static int bpe_merge(int *ids, int n, int a, int b, int id)
{
    /* BEGIN EXERCISE 12.6 (2 points): merge one pair, left to right, no overlaps */
    int w = 0;
    for (int r = 0; r < n; r++) {
        if (r + 1 < n && ids[r] == a && ids[r + 1] == b) {
            ids[w++] = id;
            r++;
        } else {
            ids[w++] = ids[r];
        }
    }
    return w;
    /* END EXERCISE */
}

typedef struct {
    text_vocab_t base; /* the corpus's bytes: ids 0 .. nbase-1 */
    int nbase, n;      /* n = nbase + number of merges */
    int (*pair)[2];    /* (n) pair[t] = the two tokens token t >= nbase merges */
    int *len;          /* (n) bytes of token t */
    char (*bytes)[64]; /* (n) its bytes (a token longer than 63 bytes is not merged further) */
} bpe_t;

/* Learn `merges` merges from text (len bytes); the encoded text, with every merge applied, in
 * *ids / *n_ids (owned by the caller). Returns 0, or -1 (reported). */
static int bpe_train(bpe_t *t, int **ids, long *n_ids, const char *text, size_t len, int merges)
{
    memset(t, 0, sizeof *t);
    if (text_vocab_build(&t->base, text, len, TEXT_BYTES))
        return -1;
    t->nbase = t->base.size;
    const int cap = t->nbase + merges;
    t->pair = nn_calloc((size_t)cap, sizeof *t->pair);
    t->len = nn_calloc((size_t)cap, sizeof *t->len);
    t->bytes = nn_calloc((size_t)cap, sizeof *t->bytes);
    for (int i = 0; i < t->nbase; i++)
        t->len[i] = 1, t->bytes[i][0] = (char)t->base.symbols[i];
    int *x = nn_malloc(len * sizeof(int));
    long n = text_encode(x, len, &t->base, text, len);
    long *count = nn_malloc((size_t)cap * cap * sizeof(long));
    t->n = t->nbase;
    for (int m = 0; m < merges; m++) {
        const int nt = t->n;
        memset(count, 0, (size_t)nt * nt * sizeof(long));
        for (long i = 0; i + 1 < n; i++)
            count[(size_t)x[i] * nt + x[i + 1]]++;
        long best = 1;
        int ba = -1, bb = -1;
        for (int a = 0; a < nt; a++)
            for (int b = 0; b < nt; b++)
                if (count[(size_t)a * nt + b] > best && t->len[a] + t->len[b] < 64)
                    best = count[(size_t)a * nt + b], ba = a, bb = b;
        if (ba < 0)
            break; /* no pair occurs twice */
        t->pair[nt][0] = ba, t->pair[nt][1] = bb;
        t->len[nt] = t->len[ba] + t->len[bb];
        memcpy(t->bytes[nt], t->bytes[ba], (size_t)t->len[ba]);
        memcpy(t->bytes[nt] + t->len[ba], t->bytes[bb], (size_t)t->len[bb]);
        n = bpe_merge(x, (int)n, ba, bb, nt);
        t->n = nt + 1;
    }
    free(count);
    *ids = x, *n_ids = n;
    return 0;
}

/* Encode text (len bytes) into ids (room for len): the bytes, then every merge in order. Returns
 * the number of tokens, or -1 (reported: a byte the tokenizer never saw, with its line and
 * column). */
static long bpe_encode(int *ids, const bpe_t *t, const char *text, size_t len)
{
    long n = text_encode(ids, len, &t->base, text, len);
    if (n < 0)
        return -1;
    for (int m = t->nbase; m < t->n; m++)
        n = bpe_merge(ids, (int)n, t->pair[m][0], t->pair[m][1], m);
    return n;
}

/* The bytes of ids (n) into out (cap bytes, then a 0). Returns the length, or -1 (reported). */
static long bpe_decode(char *out, size_t cap, const bpe_t *t, const int *ids, long n)
{
    size_t w = 0;
    for (long i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= t->n) {
            nn_error("decode ids this tokenizer produced", "bpe_decode: token %ld is %d, expected 0..%d", i, ids[i],
                     t->n - 1);
            return -1;
        }
        if (w + (size_t)t->len[ids[i]] + 1 > cap) {
            nn_error("give a larger buffer", "bpe_decode: %zu bytes of room are not enough", cap);
            return -1;
        }
        memcpy(out + w, t->bytes[ids[i]], (size_t)t->len[ids[i]]);
        w += (size_t)t->len[ids[i]];
    }
    out[w] = 0;
    return (long)w;
}

static void bpe_free(bpe_t *t)
{
    text_vocab_free(&t->base);
    free(t->pair), free(t->len), free(t->bytes);
    memset(t, 0, sizeof *t);
}

/*md
## 12.8 What happens

The default run (`--seed 1`, 3 epochs of 100 steps, $L = 2$ blocks, $H = 4$ heads, $C = 64$,
context $T = 128$, $B = 8$: 1,024 tokens per step, learning rate $3 \cdot 10^{-3}$) trains two
models side by side, step for step on the same schedule: one on characters, one on BPE tokens
(192 merges learned from the training text). The numbers below are from that run; the figure
`loss` shows both curves in bits per character.

![Training and validation loss, characters vs BPE tokens, in bits per character](out/12/loss.svg)

**Tokens.** The 192 merges turn the 2,097,152 training bytes into 957,631 tokens: 2.19
characters per token, with a vocabulary of 264: the 72 bytes that occur in the training text (one of the corpus's 73
occurs only in its last part) and 192 merged tokens. The first merges are the commonest pairs of the KJV's English: "th",
"e ", " th", "d ", "an", ", ", " the ", "t ". Encoding and then decoding the validation text gives
it back byte for byte (the program checks it every run).

**Characters vs BPE at equal compute.** The two models have the same shape (112,960 and 125,184
parameters: only the token table differs) and take the same 300 steps of 1,024 tokens on the same
schedule; per step, the BPE model's products cost about 9% more, all in its larger token table
($V = 264$ rows instead of 73, read by the output product). On the same validation text, in bits per character, the character
model ends at about 3.5 and the BPE model at about 2.7. The BPE model is ahead from the first
evaluation on, for two reasons that are really one: with 2.19 characters per token, each step
shows it 2.19 times as much text, and its context of 128 tokens spans about 280 characters
instead of 128. Its per-token choice is harder (264 symbols instead of 73), but a token is worth
more than two characters. Both models are still early in training: the character model sits
where chapter 8's LSTM was after a few hundred thousand characters, past the letter frequencies
(about 4.4 bits) but not yet spelling whole words. Longer runs (`--epochs 30`, ten times the
steps) are where a transformer's advantage over a recurrent network shows.

Generating with the KV cache gives the same logits as the full forward pass (the program prints
the largest difference over a 100-token sample, at the level of float rounding) and is much
faster; the figure shows the time per new token against its position: flat with the cache,
growing without.

![Milliseconds per generated token, with and without the KV cache](out/12/generation.svg)

The samples this run printed (the character model, prompt "And God said", 100 symbols, the
same random numbers for all three; another CPU's BLAS may round differently and draw other
letters):

```
--- temperature 0.8 ---
And God said, oun inthin titan m, wiril se lernt p the bryousthash tr wally s he: e. thace hin the LORD, 17 ail
--- temperature 0.8, top-k 10 ---
And God said, sthe sthin tithe of wiril th ongit s the brtousthath to wally t isate the al sse the in th, the h
--- temperature 0.8, top-p 0.90 ---
And God said sethandathe thin, m, wiril se mengr s the brtousthath to wallthe he undashad inth us of foug the h
```

At 3.5 bits per character the model has learned the texture, not the words: word lengths,
spaces after commas, "the", "of", "the LORD", a verse number here and there.
The filters change what the tail can do: pure sampling at 0.8 still draws rare symbols in the
middle of a line (a verse number, "17"); top-k and top-p keep to common letters.

**Checkpoints.** The trained character model is saved to `out/12/model.ckpt` (`gpt_save`: an
atomic write, a magic number, a version, and a tag naming the config, `gpt1 V=73 T=128 L=2 H=4
C=64`); `--load out/12/model.ckpt` generates from it without training. A checkpoint of another
shape or version is refused with both tags and a hint, not loaded into the wrong places.

**Speed** (`make bench`, the full-size config $L = 4$, $H = 4$, $C = 128$, $T = 128$, $B = 16$):
the program times training steps and, in the same run, the same step's matrix products alone
(`gpt_products_only`), its floor; `tools/bench_gpt_torch.py` trains the same model in PyTorch
with 2 threads right after. The results table of `make bench` holds the ratios.

Everything else a step does is work on every number of an activation: the GELU and its
derivative (as many evaluations as the MLP's products have multiply-adds per weight row), layer
norm, the attention softmax, biases, residual adds, the heads split and merged. Done one number at
a time on one core, it made the step twice its floor. Six things brought it closer. First, the
GELU is computed 16 numbers at a time: the exponential inside it is $2^n$ (built from the bits of
$n$) times a short polynomial (`common/vmath.h`), written so that the compiler vectorizes it, and
the compiler makes one copy of the loop for AVX-512, one for AVX2 and one for any other
processor, picked when the program starts; the softmax of the attention scores uses the same
exponential. Second, every such pass runs on both cores (`common/parallel.h`), split by rows,
elements or columns that are each computed alone, so the numbers are the same on any number of
threads. Third, a causal row of attention computes its softmax over the keys it can see and not
over the masked ones, half of them on average. Fourth, the $B H = 64$ slices of attention are
shared among the cores, each slice's small products ($128 \times 128 \times 32$) together with
its softmax on one core (OpenBLAS splitting such a product between two threads costs more than
the product), and no longer run one after the other. Fifth, sums over 128 numbers (a layer
norm's mean and variance, the softmax's total) run as four interleaved chains of additions, not
one in which each addition waits for the last. Sixth, the heads are never split and merged: a
head's $(T, D_h)$ block of $q$ is columns $h D_h$ to $(h + 1) D_h$ of the $(T, 3C)$ rows of
`qkv`, and a matrix product can read a block of a wider matrix in place, given the distance from
one row to the next (`attn_view_t` in `common/attention.h`, BLAS's "leading dimension"); the
outputs and the gradients are written the same way. Timed by `make bench` on our 2-core machine,
each step followed by its products alone, ten times (medians): a step took 1.16 to 1.47 times its
floor in six runs (median about 1.3; the quieter the machine, the closer: about 1.2 at 20,600
tokens a second), against 5,800 tokens a second for PyTorch on the same model right after. What
is left is layer norm, the bias sums and the GELU, a few percent each, and the optimizer.
*/

/*md
## 12.9 Serving: many prompts at once

A server answers many users. Generating for one of them is a sequence of one-row products, $(1, C)
\times (C, 3C)$ and the like: the whole weight matrix is read from memory to do $C$ multiply-adds
per weight row, and memory, not arithmetic, sets the speed. Stack the current token of $S$
sequences into an $(S, C)$ matrix and the same weights serve $S$ rows for the price of one read:
*batching*. Each sequence keeps its own KV cache and its own position; only the attention over
each cache stays per sequence.

*Static* batching takes $S$ requests, generates until the *longest* of them is done, and only then
takes the next $S$: a request that wanted 8 symbols waits for its neighbour that wanted 96, and its
slot computes nothing meanwhile. *Continuous* batching (Yu et al. 2022, "Orca") refills a slot the
moment its sequence finishes: the batch stays full, and short requests leave early. The program
serves 32 requests (a prompt of 8 characters from the validation text, a random length of 8 to
96 symbols each) with $S = 8$ slots both ways and prints throughput and mean latency; the figure
shows when each request finished. These are timings, so they vary from run to run and machine
to machine; in our default run both kinds of batching beat serving one request at a time, and
continuous batching beat static batching in throughput and in mean latency: under static
batching no request of a batch can finish before the longest one of the batch before it.

![When each of 32 requests finished: one at a time, static and continuous batching](out/12/serving.svg)
*/

typedef struct {
    int S, C, V;
    float *mem, *x, *ln, *qkv, *att, *fch, *mean, *rstd, *scores; /* (S, C) (S, C) (S, 3C) (S, C) (S, 4C) (S) (S) (Tmax) */
} serve_t;

static void serve_init(serve_t *sv, const gpt_config_t *c, int S)
{
    const size_t SC = (size_t)S * c->C;
    sv->S = S, sv->C = c->C, sv->V = c->V;
    sv->mem = nn_calloc(SC * 10 + 2 * (size_t)S + c->Tmax, sizeof(float));
    sv->x = sv->mem, sv->ln = sv->x + SC, sv->qkv = sv->ln + SC, sv->att = sv->qkv + 3 * SC, sv->fch = sv->att + SC;
    sv->mean = sv->fch + 4 * SC, sv->rstd = sv->mean + S, sv->scores = sv->rstd + S;
}

static void serve_free(serve_t *sv) { free(sv->mem); }

/* One token for each of n <= S sequences at once: ids (n), each fed to its own cache kv[i] at its
 * own position kv[i]->len; logits (n, V). The products run on n rows; attention per sequence. */
static int serve_step(float *logits, serve_t *sv, gpt_kv_t *const *kv, const gpt_t *m, const int *ids, int n)
{
    const gpt_config_t *c = &m->cfg;
    const int C = c->C, H = c->H, Dh = C / H;
    const gpt_weights_t *w = &m->w;
    for (int i = 0; i < n; i++) {
        if (kv[i]->len >= c->Tmax || ids[i] < 0 || ids[i] >= c->V) {
            nn_error("a sequence may not outgrow the context, and ids must lie in 0..V-1",
                     "serve_step: sequence %d at position %d (Tmax %d), id %d (V %d)", i, kv[i]->len, c->Tmax,
                     ids[i], c->V);
            return -1;
        }
        for (int k = 0; k < C; k++)
            sv->x[(size_t)i * C + k] = w->wte[(size_t)ids[i] * C + k] + w->wpe[(size_t)kv[i]->len * C + k];
    }
    for (int l = 0; l < c->L; l++) {
        layernorm_forward(sv->ln, sv->mean, sv->rstd, sv->x, w->ln1w + l * C, w->ln1b + l * C, n, C, 1e-5f);
        for (int i = 0; i < n; i++)
            memcpy(sv->qkv + (size_t)i * 3 * C, w->qkvb + (size_t)l * 3 * C, 3 * (size_t)C * sizeof(float));
        matmul_blas(0, 0, n, 3 * C, C, 1.0f, sv->ln, w->qkvw + (size_t)l * C * 3 * C, 1.0f, sv->qkv);
        for (int i = 0; i < n; i++)
            for (int h = 0; h < H; h++) {
                const size_t o = ((size_t)l * H + h) * c->Tmax * Dh;
                const float *row = sv->qkv + (size_t)i * 3 * C;
                float *K = kv[i]->k + o, *Vc = kv[i]->v + o; /* exercise 12.5's step, the library's version */
                memcpy(K + (size_t)kv[i]->len * Dh, row + C + h * Dh, (size_t)Dh * sizeof(float));
                memcpy(Vc + (size_t)kv[i]->len * Dh, row + 2 * C + h * Dh, (size_t)Dh * sizeof(float));
                gpt_attend_one(sv->att + (size_t)i * C + h * Dh, sv->scores, row + h * Dh, K, Vc, kv[i]->len + 1, Dh);
            }
        for (int i = 0; i < n; i++)
            for (int k = 0; k < C; k++)
                sv->x[(size_t)i * C + k] += w->attprojb[l * C + k];
        matmul_blas(0, 0, n, C, C, 1.0f, sv->att, w->attprojw + (size_t)l * C * C, 1.0f, sv->x);
        layernorm_forward(sv->ln, sv->mean, sv->rstd, sv->x, w->ln2w + l * C, w->ln2b + l * C, n, C, 1e-5f);
        for (int i = 0; i < n; i++)
            memcpy(sv->fch + (size_t)i * 4 * C, w->fcb + (size_t)l * 4 * C, 4 * (size_t)C * sizeof(float));
        matmul_blas(0, 0, n, 4 * C, C, 1.0f, sv->ln, w->fcw + (size_t)l * C * 4 * C, 1.0f, sv->fch);
        gpt_gelu_forward(sv->fch, sv->fch, (size_t)n * 4 * C);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < C; k++)
                sv->x[(size_t)i * C + k] += w->fcprojb[l * C + k];
        matmul_blas(0, 0, n, C, 4 * C, 1.0f, sv->fch, w->fcprojw + (size_t)l * 4 * C * C, 1.0f, sv->x);
    }
    layernorm_forward(sv->ln, sv->mean, sv->rstd, sv->x, w->lnfw, w->lnfb, n, C, 1e-5f);
    matmul_blas(0, 1, n, c->V, C, 1.0f, sv->ln, w->wte, 0.0f, logits);
    for (int i = 0; i < n; i++)
        kv[i]->len++;
    return 0;
}

/*md
## 12.10 Fine-tuning with a low-rank adapter (LoRA)

A trained model is a starting point: to make the KJV model write another text, train it further
on that text, *fine-tuning*. Full fine-tuning updates every parameter, so each new task costs a
whole model's copy on disk, and, during training, Adam's two moments for every parameter: three
times the model in memory. LoRA (Hu et al. 2021) trains something much smaller and leaves the
model *frozen*.

**The update is low-rank.** Fine-tuning changes a weight matrix $W$ $(n_{in}, n_{out})$ by some
$\Delta W$. Measured on real models, such a $\Delta W$ is close to a matrix of small rank: the new
task needs the model to move in a few directions, not in $n_{in} n_{out}$ independent ones (the
paper found rank 1 to 8 enough for GPT-3's attention; Aghajanyan et al. 2020 call it the task's
*intrinsic dimension*). So write the update as a product of two thin matrices,

$$
W' = W + \frac{\alpha}{r}\, A B, \qquad A\ (n_{in}, r),\quad B\ (r, n_{out}),\quad r \ll n_{in}, n_{out},
$$

and train only $A$ and $B$: $r(n_{in} + n_{out})$ numbers instead of $n_{in} n_{out}$. In the
course's layout ($y = xW$) a layer computes $y = xW + \frac{\alpha}{r}(xA)B$: the input goes through
the frozen $W$ and, beside it, down to $r$ dimensions by $A$ and back up by $B$. (PyTorch's layout
stores the transposes: $y = xW^\top + \frac{\alpha}{r}(xA^\top)B^\top$, the paper's equation.)

**Why $B$ starts at zero.** $A$ starts random (here $N(0, 1/n_{in})$) and $B$ at zero, so at the
first step $AB = 0$ and the adapted model *is* the base model, exactly: fine-tuning starts from
what was learned, not from a perturbed copy of it (a test checks the logits are identical). Both
cannot start at zero: the gradients below would then both be zero forever. And $A$ random with
$B = 0$ means the first steps move only $B$; $A$ starts to learn once $B$ is no longer zero.

**Why $\alpha / r$.** With $A$'s entries of a fixed size, the product $AB$ grows with $r$ terms
per entry; dividing by $r$ keeps the update's size about the same when one tries another rank,
so the learning rate need not be tuned again; $\alpha$ is the one knob (we take $\alpha = 2r$,
a scale of 2).

**The backward pass.** $L$ depends on $A$ and $B$ only through $W'$. Let
$G = \partial L / \partial W'$ $(n_{in}, n_{out})$, the gradient the model's ordinary backward pass
computes for that matrix ($G = x^\top dy$ summed over the batch, chapter 3). Since
$W'_{ij} = W_{ij} + s \sum_k A_{ik} B_{kj}$ with $s = \alpha/r$,

$$
\frac{\partial L}{\partial A_{ik}} = s \sum_j G_{ij} B_{kj}, \qquad
\frac{\partial L}{\partial B_{kj}} = s \sum_i A_{ik} G_{ij}, \qquad\text{that is}\qquad
dA = s\, G B^\top,\quad dB = s\, A^\top G,
$$

and $W$ gets nothing: it is frozen. In the activation form it is the same thing,
$dB = s\,(xA)^\top dy$ and $dA = s\,x^\top(dy\,B^\top)$, products that never build $G$. We build
$G$: the program runs the library's `gpt_backward` on the merged weights $W'$ and then *projects*
each $G$ onto $A$ and $B$. That costs the weight gradients a LoRA-aware backward pass would skip,
so our LoRA step takes as long as a full fine-tuning step; what LoRA saves here is what it saves
in practice on a GPU too, memory: no Adam moments for the frozen model, and a checkpoint of the
adapter alone.

**What it saves.** We adapt the four matrices of each block: $W_{qkv}$ $(C, 3C)$, the attention
output $(C, C)$, $W_{fc}$ $(C, 4C)$ and $W_{proj}$ $(4C, C)$, $12C^2$ weights per block. With rank
$r$ the adapter has $r(4C + 2C + 5C + 5C) = 16 r C$ per block: at $C = 64$, $r = 4$, $L = 2$,
8,192 parameters against the model's 112,960. Adam keeps two floats per *trained* parameter:
16,384 floats of state instead of 225,920. The adapter file is what a user of many tasks stores
per task, the base model once.

### Exercise 12.7 — LoRA's gradients

Write `lora_backward`: from `G` $(n_{in}, n_{out})$, the gradient of the loss with respect to the
merged weight $W' = W + \frac{\alpha}{r} AB$, and the adapter's `A` $(n_{in}, r)$ and `B`
$(r, n_{out})$, compute `dA` $= \frac{\alpha}{r}\, G B^\top$ $(n_{in}, r)$ and
`dB` $= \frac{\alpha}{r}\, A^\top G$ $(r, n_{out})$ (both overwritten; `matmul_blas` does each in one
call). The base weight $W$ is not an argument: it is frozen.
*/

/* dA (nin, r) and dB (r, nout) from G = dL/dW' (nin, nout), W' = W + (alpha / r) A B. */
static void lora_backward(float *dA, float *dB, const float *G, const float *A, const float *B, int nin, int nout,
                          int r, float alpha)
{
    /* BEGIN EXERCISE 12.7 (2 points): the adapter's gradients, scaled by alpha / r */
    const float s = alpha / (float)r;
    matmul_blas(0, 1, nin, r, nout, s, G, B, 0.0f, dA);
    matmul_blas(1, 0, r, nout, nin, s, A, G, 0.0f, dB);
    /* END EXERCISE */
}

/* A LoRA adapter on the four product weights of every block of a gpt_t: the model's params hold the
 * MERGED weights W' = W + (alpha / r) A B, `base` the frozen W (and every other tensor, unchanged). */
typedef struct {
    int r, k;               /* rank; adapted matrices (4 per block) */
    float alpha;
    size_t n;               /* adapter parameters: every A, then its B, matrix after matrix */
    float *p, *g;           /* (n) each, owned */
    float *base;            /* (m->n) the frozen base model, owned */
    size_t *at;             /* (k) offset of matrix i in the model's params */
    size_t *ap;             /* (k) offset of its A in p (its B follows, at ap + nin r) */
    int *nin, *nout;        /* (k) its shape */
} lora_t;

static const char *lora_tag(char *buf, const lora_t *l, const gpt_config_t *cfg)
{
    char g[96];
    snprintf(buf, 160, "lora1 r=%d alpha=%g on %s", l->r, (double)l->alpha, gpt_tag(g, cfg));
    return buf;
}

/* An adapter of rank r for m (A ~ N(0, 1/nin), B = 0) and a copy of m's params as the base.
 * Returns 0, or -1 (reported) for a rank outside 1..C. */
static int lora_new(lora_t *l, const gpt_t *m, int r, float alpha, rng_t *rng)
{
    const gpt_config_t *c = &m->cfg;
    memset(l, 0, sizeof *l);
    if (r < 1 || r > c->C || !(alpha > 0)) {
        nn_error("choose a rank between 1 and the width, and alpha > 0", "lora_new: rank %d, alpha %g for a model "
                 "of width C = %d", r, (double)alpha, c->C);
        return -1;
    }
    l->r = r, l->alpha = alpha, l->k = 4 * c->L;
    l->at = nn_malloc((size_t)l->k * sizeof(size_t)), l->ap = nn_malloc((size_t)l->k * sizeof(size_t));
    l->nin = nn_malloc((size_t)l->k * sizeof(int)), l->nout = nn_malloc((size_t)l->k * sizeof(int));
    const size_t C = (size_t)c->C;
    for (int b = 0; b < c->L; b++) {
        const float *w[4] = {m->w.qkvw + b * C * 3 * C, m->w.attprojw + b * C * C, m->w.fcw + b * C * 4 * C,
                             m->w.fcprojw + b * 4 * C * C};
        const int in[4] = {c->C, c->C, c->C, 4 * c->C}, out[4] = {3 * c->C, c->C, 4 * c->C, c->C};
        for (int j = 0; j < 4; j++) {
            const int i = 4 * b + j;
            l->at[i] = (size_t)(w[j] - m->params), l->nin[i] = in[j], l->nout[i] = out[j], l->ap[i] = l->n;
            l->n += (size_t)r * (in[j] + out[j]);
        }
    }
    l->p = nn_calloc(l->n, sizeof(float)), l->g = nn_calloc(l->n, sizeof(float));
    for (int i = 0; i < l->k; i++) /* A random, B zero */
        for (size_t q = 0; q < (size_t)l->nin[i] * r; q++)
            l->p[l->ap[i] + q] = rng_normal(rng) / sqrtf((float)l->nin[i]);
    l->base = nn_malloc(m->n * sizeof(float));
    memcpy(l->base, m->params, m->n * sizeof(float));
    return 0;
}

static void lora_free(lora_t *l)
{
    free(l->p), free(l->g), free(l->base), free(l->at), free(l->ap), free(l->nin), free(l->nout);
    memset(l, 0, sizeof *l);
}

/* m's adapted matrices = base + (alpha / r) A B (the forward pass then runs on merged weights). */
static void lora_merge(gpt_t *m, const lora_t *l)
{
    for (int i = 0; i < l->k; i++) {
        const size_t nw = (size_t)l->nin[i] * l->nout[i];
        const float *A = l->p + l->ap[i], *B = A + (size_t)l->nin[i] * l->r;
        memcpy(m->params + l->at[i], l->base + l->at[i], nw * sizeof(float));
        matmul_blas(0, 0, l->nin[i], l->nout[i], l->r, l->alpha / (float)l->r, A, B, 1.0f, m->params + l->at[i]);
    }
}

/* l->g from the model's gradients (gpt_backward on the merged weights), matrix by matrix. */
static void lora_grads(lora_t *l, const gpt_t *m)
{
    for (int i = 0; i < l->k; i++) {
        const float *A = l->p + l->ap[i], *B = A + (size_t)l->nin[i] * l->r;
        float *dA = l->g + l->ap[i], *dB = dA + (size_t)l->nin[i] * l->r;
        lora_backward(dA, dB, m->grads + l->at[i], A, B, l->nin[i], l->nout[i], l->r, l->alpha);
    }
}

/* The adapter alone, in the library's checkpoint format (atomic; magic, version, CRC), tagged with
 * its rank, alpha and the model it belongs to. */
static int lora_save(const lora_t *l, const gpt_config_t *cfg, const char *path)
{
    char tag[160];
    return checkpoint_save(path, lora_tag(tag, l, cfg), l->p, l->n);
}

/* Load an adapter saved for this model and rank into l (then merged into m). An adapter of another
 * rank, alpha or model: reported with both tags, -1, l and m unchanged. */
static int lora_load(lora_t *l, gpt_t *m, const char *path)
{
    char tag[160];
    if (checkpoint_load(l->p, l->n, path, lora_tag(tag, l, &m->cfg)) != 0)
        return -1;
    lora_merge(m, l);
    return 0;
}

/* One LoRA step on B random windows of ids (n): the model (its merged weights) forward and backward,
 * the adapter's gradients, clipped at 1, one Adam step on the adapter alone, merged again. Returns
 * the batch's mean loss in nats per token. */
static float lora_step(trainer_t *tr, lora_t *l, optim_t *o, const schedule_t *sc, const int *ids, long n, long step,
                       rng_t *rng)
{
    trainer_batch(tr, ids, n, rng);
    gpt_forward(&tr->a, &tr->m, tr->x, tr->B, tr->T);
    float loss = gpt_loss(&tr->a, &tr->m, tr->y);
    gpt_backward(&tr->m, &tr->a, tr->a.dlogits, tr->x);
    lora_grads(l, &tr->m);
    clip_grad_norm_flat(l->g, l->n, 1.0f);
    o->lr = schedule_lr(sc, step);
    optim_step(o, l->p, l->g);
    lora_merge(&tr->m, l);
    return loss;
}

/*md
### What LoRA does here

`make run CH=12 ARGS="--experiment lora"` trains the character model as in section 12.8 (300
steps; no BPE model this time, so the random numbers run differently and the base ends at about
3.49 bits per character on the KJV instead of 3.51), then fine-tunes it on a different text: the
four gospels of the *World English Bible*, a public-domain modern-English translation (2015) that
Debian ships as `sword-text-web` and whose `diatheke` prints it. The program lays it out as the
`bible` command lays out the KJV (heading, verse numbers, lines of at most 78 columns) and folds
its curly quotes and dashes into the KJV's `'` and `-`: 435,224 bytes in the KJV's 73 symbols,
so the same vocabulary covers it and what changes is only the language ("Abraham became the
father of Isaac" for "Abraham begat Isaac", *you* for *thee*). Its last 10% is held out. Both
fine-tunings take 100 steps on the *same* batches (8 windows of 128 characters), peak learning
rate $3 \cdot 10^{-3}$ with the warmup and cosine of section 12.4; full fine-tuning with AdamW on
every parameter, LoRA with Adam on the adapter alone ($r = 4$, $\alpha = 8$). Files in `out/12/lora/`
(`lora.svg`: both curves; `adapter.ckpt`). Validation loss in bits per character:

| | trained parameters | Adam state (floats) | WEB | KJV |
|---|---:|---:|---:|---:|
| base model | | | 3.51 | 3.49 |
| full fine-tuning | 112,960 | 225,920 | 3.36 | 3.49 |
| LoRA, $r = 4$ | 8,192 | 16,384 | 3.46 | 3.48 |

(about: these come from one run, and another CPU's BLAS rounds differently.) Full fine-tuning
wins on the new text, and the reason is the premise of the section: LoRA's low-rank argument is
about a *well-trained* model, whose update for a new task is small. Ours is far from trained
(3.5 bits per character is where chapter 8's LSTM was early on), so much of what 100 steps of the
WEB teach is English in general, which full fine-tuning writes into every tensor, the tied token
table and the layer norms included; LoRA leaves those frozen, and the frozen token table bounds
how sharp the output distribution can become. A larger rank helps a little ($r = 16$, 32,768
parameters: about 3.42). What LoRA shows even here: it *forgets nothing* (the KJV loss does not
move: only a low-rank correction was learned, and deleting the adapter gives the base back
exactly), while full fine-tuning moves every weight: at a higher learning rate
(`--ft-lr 1e-2`) it ends worse on the WEB (about 3.40) *and* on the KJV (about 3.53, forgetting),
and LoRA is the better of the two (about 3.44 on the WEB, 3.48 on the KJV). And the storage: the
adapter file is 32,841 bytes, the model's parameters 451,840. A step costs the same both ways
here (about 3 s for 100 steps each), as derived above: our LoRA step runs the full backward pass.

**The adapter's file** is the library's checkpoint (an atomic write, magic, version, CRC), tagged
with the rank, $\alpha$ and the base model's config: `lora1 r=4 alpha=8 on gpt1 V=73 T=128 L=2
H=4 C=64`. The program saves it, loads it back onto a fresh copy of the base model and checks
that the logits are identical; `--load out/12/lora/model.ckpt --adapter out/12/lora/adapter.ckpt`
generates with it. An adapter of another rank, or for a model of another shape, is refused with
both tags and a hint, and the program exits with status 1 (a test checks both).
*/

#ifndef GRADING

typedef struct {
    int start, len;     /* prompt: vids[start .. start + P); symbols to generate */
    int fed, made, last;
    double done_s;      /* finish time, seconds after the start */
} request_t;

/* Serve R requests with S slots, statically (continuous = 0: the next S only when all S are done)
 * or continuously (a finished slot takes the next request at once). Greedy decoding. Returns the
 * total time in seconds, or -1. */
static double serve_requests(request_t *rq, int R, int S, int continuous, const int *vids, int P, trainer_t *tr,
                             serve_t *sv, gpt_kv_t *kvs)
{
    const int V = tr->cfg.V;
    int slot_req[64], ids[64];
    gpt_kv_t *act[64];
    int act_slot[64];
    float *logits = nn_malloc((size_t)S * V * sizeof(float));
    for (int r = 0; r < R; r++)
        rq[r].fed = rq[r].made = 0, rq[r].done_s = 0;
    int next = 0, rc = 0;
    for (int s = 0; s < S; s++) {
        slot_req[s] = next < R ? next++ : -1;
        gpt_kv_reset(&kvs[s]);
    }
    const double t0 = timing_seconds();
    for (;;) {
        int n = 0;
        for (int s = 0; s < S; s++) {
            const int r = slot_req[s];
            if (r < 0 || rq[r].made == rq[r].len)
                continue;
            ids[n] = rq[r].fed < P ? vids[rq[r].start + rq[r].fed] : rq[r].last;
            act[n] = &kvs[s], act_slot[n++] = s;
        }
        if (n == 0) { /* every slot is done: static batching takes the next S now */
            if (next >= R)
                break;
            for (int s = 0; s < S; s++) {
                slot_req[s] = next < R ? next++ : -1;
                gpt_kv_reset(&kvs[s]);
            }
            continue;
        }
        if ((rc = serve_step(logits, sv, act, &tr->m, ids, n)) != 0)
            break;
        for (int i = 0; i < n; i++) {
            const int s = act_slot[i], r = slot_req[s];
            if (++rq[r].fed < P)
                continue; /* still reading the prompt */
            const float *z = logits + (size_t)i * V;
            int best = 0;
            for (int v = 1; v < V; v++)
                best = z[v] > z[best] ? v : best;
            rq[r].last = best;
            if (++rq[r].made == rq[r].len) {
                rq[r].done_s = timing_seconds() - t0;
                if (continuous) {
                    slot_req[s] = next < R ? next++ : -1;
                    gpt_kv_reset(&kvs[s]);
                }
            }
        }
    }
    free(logits);
    return rc ? -1 : timing_seconds() - t0;
}

/* The exercises against the library on random data: the largest differences. */
static void compare_with_library(rng_t *rng)
{
    enum { N = 6, D = 8, V = 5, T = 6, DH = 4 };
    float x[N * D], y[N * D], dy[N * D], mean[N], rstd[N], gamma[D], beta[D];
    float dx[N * D], dg[D], db[D], dxl[N * D], dgl[D], dbl[D];
    for (int i = 0; i < N * D; i++)
        x[i] = rng_normal(rng), dy[i] = rng_normal(rng);
    for (int i = 0; i < D; i++)
        gamma[i] = 1 + 0.3f * rng_normal(rng), beta[i] = rng_normal(rng);
    layernorm_forward(y, mean, rstd, x, gamma, beta, N, D, 1e-5f);
    layer_norm_backward(dx, dg, db, dy, x, mean, rstd, gamma, N, D);
    layernorm_backward(dxl, dgl, dbl, dy, x, mean, rstd, gamma, N, D);
    double eln = 0;
    for (int i = 0; i < N * D; i++)
        eln = fmax(eln, fabs(dx[i] - dxl[i]));
    /* cached attention vs the full causal attention of common/attention.h */
    float Q[T * DH], K[T * DH], Vv[T * DH], O[T * DH], Kc[T * DH], Vc[T * DH], out[DH], sc[T];
    for (int i = 0; i < T * DH; i++)
        Q[i] = rng_normal(rng), K[i] = rng_normal(rng), Vv[i] = rng_normal(rng);
    attn_cache_t c = attn_cache_new(1, 1, T, T, DH, DH);
    attn_forward(O, &c, Q, K, Vv, NULL, 1);
    double ekv = 0;
    for (int t = 0; t < T; t++) {
        kv_attend(out, sc, Kc, Vc, Q + t * DH, K + t * DH, Vv + t * DH, t, DH);
        for (int d = 0; d < DH; d++)
            ekv = fmax(ekv, fabs(out[d] - O[t * DH + d]));
    }
    attn_cache_free(&c);
    /* the tied table's gradient vs gpt_backward's, on a tiny model (a->dres ends as dL/dx0) */
    const gpt_config_t cfg = {V, T, 1, 2, D};
    gpt_t m;
    gpt_acts_t a;
    gpt_init(&m, &cfg, rng);
    gpt_acts_new(&a, &cfg, 1, T);
    int ids[T], tg[T];
    for (int t = 0; t < T; t++)
        ids[t] = (int)rng_below(rng, V), tg[t] = (int)rng_below(rng, V);
    gpt_forward(&a, &m, ids, 1, T);
    gpt_loss(&a, &m, tg);
    gpt_backward(&m, &a, a.dlogits, ids);
    float dwte[V * D];
    tied_embedding_backward(dwte, a.dlogits, a.lnf, a.dres, ids, T, V, D);
    double ewte = 0;
    for (int i = 0; i < V * D; i++)
        ewte = fmax(ewte, fabs(dwte[i] - m.g.wte[i]));
    gpt_acts_free(&a), gpt_free(&m);
    printf("exercises vs the library: layer norm backward max |d dx| %.2g; tied table's gradient max |d| %.2g; "
           "cached attention vs full causal attention max |d out| %.2g\n", eln, ewte, ekv);
}

/* Generate n symbols after the prompt ids (np) into out (np + n): with the KV cache (cached = 1) or
 * by running the full forward on the whole prefix for each (cached = 0). ms (n), when not NULL,
 * receives each new token's time. Returns 0 or -1. logits_out (n, V), when not NULL, receives the
 * logits each draw used. */
static int generate(int *out, const int *prompt, int np, int n, trainer_t *tr, gpt_kv_t *kv, int cached,
                    const sampler_t *s, float *ms, float *logits_out, rng_t *rng)
{
    const int V = tr->cfg.V;
    float *logits = nn_malloc((size_t)V * sizeof(float)), *scratch = nn_malloc(2 * (size_t)V * sizeof(float));
    int *order = nn_malloc((size_t)V * sizeof(int)), rc = 0;
    memcpy(out, prompt, (size_t)np * sizeof(int));
    gpt_kv_reset(kv);
    for (int i = 0; i + 1 < np && cached && rc == 0; i++)
        rc = gpt_kv_step(logits, kv, &tr->m, prompt[i]);
    for (int i = 0; i < n && rc == 0; i++) {
        const int len = np + i;
        double t0 = timing_seconds();
        if (cached) {
            rc = gpt_kv_step(logits, kv, &tr->m, out[len - 1]);
        } else {
            rc = gpt_forward(&tr->a, &tr->m, out, 1, len);
            if (rc == 0)
                memcpy(logits, tr->a.logits + (size_t)(len - 1) * V, (size_t)V * sizeof(float));
        }
        if (rc)
            break;
        if (ms)
            ms[i] = (float)(1000 * (timing_seconds() - t0));
        if (logits_out)
            memcpy(logits_out + (size_t)i * V, logits, (size_t)V * sizeof(float));
        out[len] = sample_next(logits, V, s, scratch, order, rng);
    }
    free(logits), free(scratch), free(order);
    return rc;
}

static void print_sample(const char *label, const text_vocab_t *v, const int *ids, int n)
{
    char *buf = nn_malloc(4 * (size_t)n + 1);
    if (text_decode(buf, 4 * (size_t)n + 1, v, ids, (size_t)n) >= 0)
        printf("--- %s ---\n%s\n", label, buf);
    free(buf);
}

static int write_generation_figure(const char *dir, const float *ms_kv, const float *ms_full, int np, int n)
{
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, dir, "generation.csv"), "position,kv_ms,full_ms") != 0)
        return -1;
    for (int i = 0; i < n; i++)
        csvlog_row(&log, (double[]){np + i, ms_kv[i], ms_full[i]});
    if (csvlog_close(&log) != 0)
        return -1;
    return plot_curves(dir, "generation", "generation.csv", "Time per generated token", "position of the new token",
                       "milliseconds", "position",
                       (const char *[]){"kv_ms:with the KV cache", "full_ms:full forward on the prefix", NULL});
}

/* make bench: the full-size model's training tokens/s against its products alone, and generation
 * tokens/s with and without the KV cache. */
static int bench(const text_vocab_t *vocab, const int *ids, long n, rng_t *rng)
{
    const gpt_config_t cfg = {vocab->size, 128, 4, 4, 128};
    enum { warm = 2, steps = 10 };
    const int B = 16, gen = 127;
    trainer_t tr;
    if (trainer_init(&tr, &cfg, B, 1e-3f, warm + steps, rng))
        return -1;
    for (int s = 0; s < warm; s++)
        train_step(&tr, ids, n, s, rng);
    gpt_products_only(&tr.m, &tr.a, B, cfg.Tmax);
    /* each step, then its products alone, in turn (medians of each): a slow moment of the machine
     * lands on both alike. The products only spoil buffers the next step writes before reading. */
    double step_t[steps], floor_t[steps], t0;
    for (int s = 0; s < steps; s++) {
        t0 = timing_seconds();
        train_step(&tr, ids, n, warm + s, rng);
        step_t[s] = timing_seconds() - t0;
        t0 = timing_seconds();
        gpt_products_only(&tr.m, &tr.a, B, cfg.Tmax);
        floor_t[s] = timing_seconds() - t0;
    }
    const double step_s = timing_median(step_t, steps), floor_s = timing_median(floor_t, steps);
    gpt_kv_t kv;
    gpt_kv_new(&kv, &cfg);
    int *out = nn_malloc((size_t)cfg.Tmax * sizeof(int));
    const sampler_t greedy = {0, 0, 1};
    t0 = timing_seconds();
    generate(out, ids, 1, gen, &tr, &kv, 1, &greedy, NULL, NULL, rng);
    const double kv_s = timing_seconds() - t0;
    t0 = timing_seconds();
    generate(out, ids, 1, gen, &tr, &kv, 0, &greedy, NULL, NULL, rng);
    const double full_s = timing_seconds() - t0;
    const double tok = (double)B * cfg.Tmax;
    printf("full-size GPT (L 4, H 4, C 128, T 128, B 16, %zu parameters): %.0f tokens/s training, products alone "
           "%.0f tokens/s (%.2fx), %.1f GFLOP/s; generation %.0f tokens/s with the KV cache, %.0f without\n",
           tr.m.n, tok / step_s, tok / floor_s, step_s / floor_s, gpt_flops_per_token(&cfg, cfg.Tmax, 1) * tok / step_s / 1e9,
           gen / kv_s, gen / full_s);
    printf("bench: name=gpt tokens_s=%.1f floor_tokens_s=%.1f gen_kv_tokens_s=%.1f gen_full_tokens_s=%.1f\n",
           tok / step_s, tok / floor_s, gen / kv_s, gen / full_s);
    free(out);
    gpt_kv_free(&kv);
    trainer_free(&tr);
    return 0;
}

/* 12.9: 32 requests served one at a time, with static and with continuous batching (8 slots). */
static int serving(trainer_t *tr, const int *vids, long n_vids, const char *dir, uint64_t seed)
{
    enum { R = 32, S = 8, P = 8 };
    const int lmax = tr->cfg.Tmax - P < 96 ? tr->cfg.Tmax - P : 96;
    request_t rq[R];
    rng_t rng;
    rng_seed(&rng, seed + 11);
    long total = 0;
    for (int r = 0; r < R; r++) {
        rq[r].start = (int)rng_below(&rng, (uint32_t)(n_vids - P - 1));
        rq[r].len = 8 + (int)rng_below(&rng, (uint32_t)(lmax - 7));
        total += rq[r].len;
    }
    serve_t sv;
    serve_init(&sv, &tr->cfg, S);
    gpt_kv_t kvs[S];
    for (int s = 0; s < S; s++)
        gpt_kv_new(&kvs[s], &tr->cfg);
    double t[3], lat[3][R], mean[3] = {0};
    for (int mode = 0; mode < 3; mode++) { /* one at a time, static, continuous */
        t[mode] = serve_requests(rq, R, mode == 0 ? 1 : S, mode == 2, vids, P, tr, &sv, kvs);
        for (int r = 0; r < R; r++)
            lat[mode][r] = 1000 * rq[r].done_s, mean[mode] += lat[mode][r] / R;
    }
    for (int s = 0; s < S; s++)
        gpt_kv_free(&kvs[s]);
    serve_free(&sv);
    if (t[0] < 0 || t[1] < 0 || t[2] < 0)
        return -1;
    printf("serving %d requests (%ld symbols): one at a time %.0f symbols/s, mean latency %.0f ms; static batching "
           "(%d slots) %.0f symbols/s, %.0f ms; continuous batching %.0f symbols/s, %.0f ms\n", R, total,
           total / t[0], mean[0], S, total / t[1], mean[1], total / t[2], mean[2]);
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, dir, "serving.csv"), "request,one_ms,static_ms,continuous_ms") != 0)
        return -1;
    for (int r = 0; r < R; r++)
        csvlog_row(&log, (double[]){r + 1, lat[0][r], lat[1][r], lat[2][r]});
    if (csvlog_close(&log) != 0)
        return -1;
    return plot_curves(dir, "serving", "serving.csv", "When each of 32 requests finished", "request (in arrival order)",
                       "milliseconds after the start", "request",
                       (const char *[]){"one_ms:one at a time", "static_ms:static batching, 8 slots",
                                        "continuous_ms:continuous batching, 8 slots", NULL});
}

typedef struct {
    char book[64]; /* the book and chapter of the last heading written */
    int chapter;
} web_layout_t;

/* One line of diatheke's output ("Matthew 1:1: Text of the verse") in the `bible` layout; other
 * lines (the module's name at the end) are dropped. A text_line_filter_t (text.h). */
static void web_verse(FILE *out, const char *line, void *state)
{
    web_layout_t *l = state;
    const char *text = strstr(line, ": "), *sp = text;
    while (sp && sp > line && *sp != ' ')
        sp--;
    int ch, vs;
    if (!sp || sp == line || sp - line >= (long)sizeof l->book || sscanf(sp + 1, "%d:%d", &ch, &vs) != 2)
        return;
    char book[64];
    memcpy(book, line, (size_t)(sp - line)), book[sp - line] = 0;
    if (strcmp(book, l->book) != 0 || ch != l->chapter)
        fprintf(out, "\n%s %d\n\n", book, ch), strcpy(l->book, book), l->chapter = ch;
    int col = fprintf(out, "  %d", vs);
    size_t n = strlen(text + 2) + 1;
    char *words = memcpy(nn_malloc(n), text + 2, n); /* a copy strtok may write into */
    for (char *w = strtok(words, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
        char word[1024];
        size_t k = 0;
        for (const unsigned char *c = (const unsigned char *)w; *c && k + 1 < sizeof word; c++) {
            if (c[0] == 0xe2 && c[1] == 0x80 && c[2] >= 0x93 && c[2] <= 0x94) /* en and em dashes */
                word[k++] = '-', c += 2;
            else if (c[0] == 0xe2 && c[1] == 0x80 && c[2] >= 0x98 && c[2] <= 0x9d) /* curly quotes */
                word[k++] = '\'', c += 2;
            else
                word[k++] = (char)*c;
        }
        word[k] = 0;
        if (col + 1 + (int)k > 78)
            fputc('\n', out), col = 0;
        else
            fputc(' ', out), col++;
        fputs(word, out), col += (int)k;
    }
    fputc('\n', out);
    free(words);
}

/* The fine-tuning corpus: the four gospels of the World English Bible (Debian's sword-text-web,
 * read with diatheke), laid out as the `bible` command lays out the KJV (a "Book chapter" heading,
 * "  verse text" wrapped at 78 columns) and with its typographic quotes and dashes folded into the
 * KJV's characters (' and -), so that the character model's vocabulary covers it and only the
 * language differs. With data_dir: data_dir/web.txt; else cache_dir/web.txt, written once
 * (atomically, text_cache_command). Returns 0, or -1 (reported). */
static int web_path(char *path, const char *data_dir, const char *cache_dir)
{
    if (data_dir)
        return io_join(path, data_dir, "web.txt") ? 0 : -1;
    web_layout_t layout = {"", 0};
    return text_cache_command(path, cache_dir, "web.txt",
                              "diatheke -b engWEB2015eb -f plain -k 'Matthew 1:1-John 21:25' 2>/dev/null", web_verse,
                              &layout, 400000, "install them with: apt-get install diatheke sword-text-web (or pass "
                              "--data DIR with a web.txt)");
}

static long file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* 12.10: the KJV model fine-tuned on the WEB's gospels, with LoRA and in full, the same steps on
 * the same batches; the adapter saved, loaded back and compared. */
static int lora_experiment(trainer_t *ch, const text_vocab_t *vocab, const int *kvids, long n_kvids, const char *data,
                           const char *cache, const char *dir, int rank, float alpha, float lr, int quick,
                           const int *pids, int np, int ngen, uint64_t seed)
{
    char path[4096];
    text_t web;
    if (web_path(path, data, cache) != 0 || text_read(&web, path, 4096) != 0)
        return -1;
    const size_t n_val = web.len / 10 < 65536 ? web.len / 10 : 65536;
    size_t n_train = web.len - n_val;
    if (quick && n_train > 100000)
        n_train = 100000;
    int *ids = nn_malloc(web.len * sizeof(int)), *vids = nn_malloc(n_val * sizeof(int));
    long n_ids = text_encode(ids, web.len, vocab, web.data, n_train);
    long n_vids = n_ids < 0 ? -1 : text_encode(vids, n_val, vocab, web.data + web.len - n_val, n_val);
    int rc = n_ids < ch->T + 2 || n_vids < ch->T + 2 ? -1 : 0;
    if (rc)
        nn_error("the fine-tuning text must use the KJV's characters and be longer than the context",
                 "%s: %ld training and %ld validation symbols", path, n_ids, n_vids);
    const long steps = quick ? 8 : 100;
    const int vw = quick ? 4 : 16;
    const double ln2 = log(2.0);
    trainer_t full;
    lora_t l;
    rng_t rng;
    rng_seed(&rng, seed + 13);
    if (rc == 0 && (trainer_init(&full, &ch->cfg, ch->B, lr, steps, &rng) != 0 || lora_new(&l, &ch->m, rank, alpha, &rng)))
        rc = -1;
    if (rc) {
        free(ids), free(vids), text_free(&web);
        return -1;
    }
    printf("LoRA: fine-tuning corpus %s, %zu bytes (%ld for training, %zu for validation)\n", path, web.len, n_ids,
           n_val);
    memcpy(full.m.params, ch->m.params, ch->m.n * sizeof(float));
    long nt;
    const double web0 = evaluate(ch, vids, n_vids, vw, &nt) / ln2, kjv0 = evaluate(ch, kvids, n_kvids, vw, &nt) / ln2;
    const size_t V = (size_t)ch->cfg.V, NL = (size_t)ch->T * V;
    float *ref = nn_malloc(NL * sizeof(float));
    gpt_forward(&ch->a, &ch->m, vids, 1, ch->T);
    memcpy(ref, ch->a.logits, NL * sizeof(float));
    lora_merge(&ch->m, &l); /* B = 0: the adapted model is the base model */
    gpt_forward(&ch->a, &ch->m, vids, 1, ch->T);
    double d0 = 0;
    for (size_t i = 0; i < NL; i++)
        d0 = fmax(d0, fabs(ch->a.logits[i] - ref[i]));
    optim_t o = optim_new(OPTIM_ADAM, l.n, lr);
    schedule_t sc = schedule_new(SCHEDULE_WARMUP_COSINE, lr, steps);
    sc.lr_min = lr / 10;
    printf("LoRA: rank %d, alpha %g on the 4 matrices of each block: %zu trained parameters (%.1f%% of %zu), Adam "
           "state %zu floats instead of %zu; before training the adapted model's logits differ from the base's by %g\n",
           rank, (double)alpha, l.n, 100.0 * l.n / ch->m.n, ch->m.n, 2 * l.n, 2 * ch->m.n, d0);
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, dir, "lora.csv"), "step,full_train_bpc,lora_train_bpc,full_val_bpc,lora_val_bpc"))
        rc = -1;
    rng_t r1, r2;
    rng_seed(&r1, seed + 17), rng_seed(&r2, seed + 17); /* the same batches for both */
    progress_t bar;
    progress_begin(&bar, "fine-tune", (int)steps);
    double lf = 0, ll = 0, vf = NAN, vl = NAN, t_full = 0, t_lora = 0;
    int k = 0;
    for (long s = 0; s < steps && rc == 0; s++) {
        double t0 = timing_seconds();
        float a = train_step(&full, ids, n_ids, s, &r1);
        double t1 = timing_seconds();
        float b = lora_step(ch, &l, &o, &sc, ids, n_ids, s, &r2);
        t_full += t1 - t0, t_lora += timing_seconds() - t1;
        nn_check_finite(a, "full fine-tuning's loss", s);
        nn_check_finite(b, "LoRA's loss", s);
        lf += a, ll += b, k++;
        if ((s + 1) % (quick ? 2 : 10) == 0) {
            vf = evaluate(&full, vids, n_vids, 2 * ch->B, &nt) / ln2;
            vl = evaluate(ch, vids, n_vids, 2 * ch->B, &nt) / ln2;
            csvlog_row(&log, (double[]){s + 1, lf / k / ln2, ll / k / ln2, vf, vl});
            lf = ll = 0, k = 0;
        }
        progress_step(&bar, (int)s + 1, "WEB bits/char: full %.3f  LoRA %.3f", vf, vl);
    }
    progress_end(&bar, "WEB validation bits/char: full %.3f, LoRA %.3f", vf, vl);
    rc |= csvlog_close(&log);
    const double webf = evaluate(&full, vids, n_vids, vw, &nt) / ln2, kjvf = evaluate(&full, kvids, n_kvids, vw, &nt) / ln2;
    const double webl = evaluate(ch, vids, n_vids, vw, &nt) / ln2, kjvl = evaluate(ch, kvids, n_kvids, vw, &nt) / ln2;
    printf("LoRA: %ld steps (%.1fs full, %.1fs LoRA); validation bits/char, WEB and KJV: base %.3f %.3f; full "
           "fine-tuning %.3f %.3f; LoRA %.3f %.3f\n", steps, t_full, t_lora, web0, kjv0, webf, kjvf, webl, kjvl);
    /* the adapter to a file and back, into a fresh copy of the base model */
    char ap[4096];
    io_join(ap, dir, "adapter.ckpt");
    lora_t back;
    double d1 = -1;
    if (rc == 0 && lora_save(&l, &ch->cfg, ap) == 0 &&
        lora_new(&back, &full.m, rank, alpha, &rng) == 0) {
        memcpy(back.base, l.base, ch->m.n * sizeof(float));
        memcpy(full.m.params, l.base, ch->m.n * sizeof(float));
        if (lora_load(&back, &full.m, ap) == 0) {
            gpt_forward(&ch->a, &ch->m, vids, 1, ch->T);
            gpt_forward(&full.a, &full.m, vids, 1, ch->T);
            d1 = 0;
            for (size_t i = 0; i < NL; i++)
                d1 = fmax(d1, fabs(ch->a.logits[i] - full.a.logits[i]));
        }
        lora_free(&back);
        printf("LoRA: adapter saved to %s (%ld bytes; the model's parameters alone are %zu) and loaded back onto the "
               "base: logits differ by %g\n", ap, file_bytes(ap), ch->m.n * sizeof(float), d1);
    }
    if (d1 != 0)
        rc = -1;
    if (rc == 0) /* the adapted model writes */
        rc |= plot_curves(dir, "lora", "lora.csv", "Fine-tuning the KJV model on the WEB's gospels", "step",
                          "bits per character", "step",
                          (const char *[]){"full_val_bpc:full fine-tuning, validation", "lora_val_bpc:LoRA, validation",
                                           "full_train_bpc:full fine-tuning, training", "lora_train_bpc:LoRA, training",
                                           NULL});
    if (rc == 0) {
        gpt_kv_t kv;
        gpt_kv_new(&kv, &ch->cfg);
        int *out = nn_malloc((size_t)(np + ngen) * sizeof(int));
        const sampler_t sp = {0.8f, 0, 0.9f};
        rng_t r;
        rng_seed(&r, seed + 7);
        rc |= generate(out, pids, np, ngen, ch, &kv, 1, &sp, NULL, NULL, &r);
        if (rc == 0)
            print_sample("LoRA-adapted model, temperature 0.8, top-p 0.90", vocab, out, np + ngen);
        free(out);
        gpt_kv_free(&kv);
    }
    free(ref), free(ids), free(vids);
    optim_free(&o), lora_free(&l), trainer_free(&full), text_free(&web);
    return rc;
}

/*md
## 12.11 Against chapter 8's LSTM, at equal processor time

Section 12.8 left a claim hanging: a transformer beats a recurrent network. Beats it at what
price? `make run CH=12 ARGS="--experiment vs-lstm"` asks the question at the only price that
matters to whoever pays for the machine: the same amount of training time. It trains the GPT of
section 12.8 ($L = 2$, $H = 4$, $C = 64$: 112,960 parameters) and a character LSTM of as many
parameters (chapter 8's model, `charlm_t` of `common/charlm.h`: one-hot characters, one LSTM
layer of $H = 128$, a linear read-out: 112,841 parameters) on the same
character stream, with the same windows of $T = 128$ characters, $B = 8$ of them per step, each
model on its own random offsets, each window starting from nothing (the LSTM from a zero state,
as the GPT from an empty context), and validates both on the same 64 windows of the validation
text. Each model gets 20 seconds.

**Which clock.** Counting FLOPs would be the tidy answer, and the wrong one here: a FLOP count
sees only the products, and both models spend time elsewhere (the GPT on the softmax of its
$(T, T)$ attention scores, its layer norms and GELUs, the LSTM on its gates' sigmoids and tanh);
and it treats alike products of very different shapes, such as the LSTM's $(8, 128)(128, 512)$
recurrent product, 128 of them one after another, and the GPT's $(1024, 64)(64, 192)$.
Wall-clock time is what a user waits, but on a shared machine it also counts other people's jobs.
So the budget is *processor time*,
`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`: the cycles this process used, whatever else runs. It is
fair only at the same thread count (with two threads a product finishes sooner but costs more
processor time, the more so the smaller it is), so the experiment sets OpenBLAS to one thread for
both. The two models take turns, a step of whichever has used less time so far, so that a
burst of load on the machine lands on both alike; the learning-rate schedule (warmup and cosine,
as in 12.4) runs on the fraction of its budget a model has used, not on a step count nobody knows
in advance. The peak rates are each model's best of a small sweep at this budget: $6 \cdot 10^{-3}$
for the GPT (of 3, 6 and $10 \cdot 10^{-3}$), $2 \cdot 10^{-2}$ for the LSTM (of 3, 6, 10 and
$20 \cdot 10^{-3}$), both with Adam and clipping at 1.

![Validation bits per character of the GPT and of an LSTM of as many parameters, against the processor time each has trained, on one thread. (The default run does not draw this figure; the copy shown is committed beside the chapter, and `--experiment vs-lstm` draws it again in out/12/vs-lstm/.)](chapters/12_transformer/vs_lstm.svg)

**What came out: the LSTM wins.** After 20 seconds each, the LSTM is at about 2.3 bits per
character and the GPT at about 2.7; the LSTM is ahead from the first second, and by more than half
a bit from its second second to its eighteenth (by almost a bit around the seventh, before the
GPT's steeper descent narrows the gap). Part of the reason is speed: the LSTM's products are about
600,000 FLOPs per character in training against the GPT's 814,464, and on one thread it runs them
at a higher rate too, so in the same time it takes about 1,900 steps to the GPT's 900 and reads about twice as
much text. The larger part is what each model assumes. An LSTM is built to believe that the
recent past matters most and that the same rule applies at every position: exactly true of
spelling, which is all either model can learn from a million characters or so. A GPT assumes
nothing of the sort: it must *learn* from its position table that neighbours matter, and learn it
separately for each of the 128 positions, and its attention can look anywhere, which is worth
nothing until it knows where to look. That freedom is what pays later: attention reaches any of
the $T$ previous characters in one step where an LSTM must carry it through $T$ updates of a
128-number state, and its products cover all positions at once, which keeps many cores or a GPU
busy where the recurrence's 128 small steps, one after another, cannot. With more data, longer
contexts, a bigger model and parallel hardware (the regime of every language model since GPT-2),
the order reverses (Kaplan et al. 2020 compared the two as they grow: LSTMs keep up on the first
few dozen positions of a context and fall behind on the later ones, and more so the larger the models); at 20 seconds on one core, with a context of 128 characters, the recurrent
network's bias is worth more than the transformer's reach. The gap is already closing here: with
three times the budget (`--budget 60`) the GPT gains about 0.4 bits and the LSTM about
0.1, and the LSTM's lead shrinks from about 0.45 bits to about 0.17 (2.35 against 2.18). With
180 seconds each the two end level (2.15 and 2.14), and with 300 seconds each (`--budget 300`,
about nine minutes on our two cores) the curves cross: the GPT passes the LSTM at about 250
seconds and ends ahead, 2.12 against 2.16 bits per character, after about 13,400 steps to the
LSTM's 26,800. The LSTM has stopped improving by then (at its learning rate's peak, chosen for 20
seconds, it is no better at 300 than at 180), and the GPT is still descending. (Runs differ by a
few hundredths of a bit, more at the longer budgets: how many steps fit in the budget depends on
the machine's load.)

![The same race with 300 seconds of processor time each: the GPT passes the LSTM after about 250 seconds. (Drawn by `--experiment vs-lstm --budget 300`; the copy shown is committed beside the chapter.)](chapters/12_transformer/vs_lstm_300.svg)
*/

/* The LSTM's side of the race: chapter 8's model (common/charlm.h) with every window from a zero
 * state, and what training it here takes: its windows (T, B), its Adam and its schedule. */
typedef struct {
    charlm_t m;
    int *in, *tg; /* (T, B) */
    adam_t opt;
    schedule_t sched;
} lstm_run_t;

static int lstm_run_new(lstm_run_t *r, int V, int H, int T, int B, float lr, long total, rng_t *rng)
{
    memset(r, 0, sizeof *r);
    if (charlm_new(&r->m, CHARLM_LSTM, V, H, T, B) != 0)
        return -1;
    r->m.carry = 0; /* a zero state per window, as the GPT starts from an empty context */
    charlm_init(&r->m, rng);
    r->in = nn_malloc((size_t)T * B * sizeof(int));
    r->tg = nn_malloc((size_t)T * B * sizeof(int));
    r->opt = adam_new(r->m.n_params, lr);
    r->sched = schedule_new(SCHEDULE_WARMUP_COSINE, lr, total);
    r->sched.lr_min = lr / 10;
    return 0;
}

static void lstm_run_free(lstm_run_t *r)
{
    charlm_free(&r->m), free(r->in), free(r->tg), adam_free(&r->opt);
}

/* Window b starting at ids + o into column b of the time-major inputs and targets. */
static void lstm_run_window(lstm_run_t *r, int b, const int *ids, long o)
{
    const int T = r->m.T, B = r->m.B;
    for (int t = 0; t < T; t++)
        r->in[t * B + b] = ids[o + t], r->tg[t * B + b] = ids[o + t + 1];
}

/* One step on B random windows of ids (n), the schedule at `step`, clipping at 1: the batch's
 * loss in nats per character. */
static float lstm_run_step(lstm_run_t *r, const int *ids, long n, long step, rng_t *rng)
{
    for (int b = 0; b < r->m.B; b++)
        lstm_run_window(r, b, ids, (long)rng_below(rng, (uint32_t)(n - r->m.T - 1)));
    r->opt.lr = schedule_lr(&r->sched, step);
    return charlm_train_step(&r->m, &r->opt, NULL, r->in, r->tg, 1.0f);
}

/* The same consecutive validation windows as evaluate() (windows of T + 1 symbols T apart, each
 * from a zero state), `windows` of them, a multiple of B: mean bits per character. */
static double lstm_run_evaluate(lstm_run_t *r, const int *ids, int windows)
{
    double total = 0;
    for (int w = 0; w < windows; w += r->m.B) {
        for (int b = 0; b < r->m.B; b++)
            lstm_run_window(r, b, ids, (long)(w + b) * r->m.T);
        total += charlm_bits(&r->m, r->in, r->tg);
    }
    return total / (windows / r->m.B);
}

/* Processor time of the whole process (every thread), in seconds. */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 12.11: the GPT of cfg and an LSTM of about as many parameters, `budget` seconds of processor
 * time each on one thread, interleaved step by step (the one that has used less time steps next),
 * both validated on the same windows at the same points of their budgets. */
static int vs_lstm(const gpt_config_t *cfg, int B, float lr, float lstm_lr, double budget, const int *ids, long n,
                   const int *vids, long n_vids, const char *dir, int quick, rng_t *rng)
{
    openblas_set_num_threads(1); /* processor time compares fairly only at the same thread count */
    const long total = 1000; /* the schedules run on the fraction of the budget used, in thousandths */
    trainer_t g;
    if (trainer_init(&g, cfg, B, lr, total, rng))
        return 1;
    int H = 1; /* the largest LSTM with no more parameters than the GPT */
    while (charlm_size(CHARLM_LSTM, cfg->V, H + 1) <= g.m.n)
        H++;
    lstm_run_t l;
    if (lstm_run_new(&l, cfg->V, H, cfg->Tmax, B, lstm_lr, total, rng) != 0) {
        trainer_free(&g);
        return 1;
    }
    rng_t rg = *rng, rl = *rng; /* one stream of batches each: a model's k-th batch does not depend on
                                 * how the other's steps interleaved with its own */
    rng_seed(&rl, rng_u64(rng));
    const int T = cfg->Tmax, full = (int)((n_vids - 1) / T) / B * B;
    const int windows = 8 * B < full ? 8 * B : full; /* the same windows at every point of the curves */
    if (windows < B) {
        nn_error("use a longer validation text or a shorter --context", "%ld validation symbols: fewer than B = %d "
                 "windows of %d", n_vids, B, T + 1);
        trainer_free(&g), lstm_run_free(&l);
        return 1;
    }
    printf("vs-lstm: GPT L %d, H %d, C %d, %zu parameters; LSTM H %d, %zu parameters; both T %d, B %d, "
           "%.1f s of processor time each on 1 thread\n", cfg->L, cfg->H, cfg->C, g.m.n, H, l.m.n_params, T, B, budget);
    csvlog_t csv;
    char path[4096];
    if (csvlog_open(&csv, io_join(path, dir, "log.csv"), "cpu_s,gpt_val_bpc,lstm_val_bpc") != 0) {
        trainer_free(&g), lstm_run_free(&l);
        return 1;
    }
    const double ln2 = log(2.0);
    const int points = quick ? 4 : 20;
    double tg = 0, tl = 0, gval = NAN, lval = NAN;
    long sg = 0, sl = 0, tok;
    int rc = 0;
    progress_t bar;
    progress_begin(&bar, "vs-lstm", points);
    for (int k = 1; k <= points && rc == 0; k++) {
        const double until = budget * k / points;
        while ((tg < until || tl < until) && rc == 0) {
            double t0 = cpu_seconds();
            if (tg <= tl) {
                float a = train_step(&g, ids, n, (long)(total * tg / budget), &rg);
                tg += cpu_seconds() - t0, sg++;
                nn_check_finite(a, "GPT's training loss", sg);
            } else {
                float a = lstm_run_step(&l, ids, n, (long)(total * tl / budget), &rl);
                tl += cpu_seconds() - t0, sl++;
                nn_check_finite(a, "LSTM's training loss", sl);
            }
        }
        gval = evaluate(&g, vids, n_vids, windows, &tok) / ln2;
        lval = lstm_run_evaluate(&l, vids, windows);
        csvlog_row(&csv, (double[]){until, gval, lval});
        progress_step(&bar, k, "validation bits/char: GPT %.3f  LSTM %.3f", gval, lval);
    }
    progress_end(&bar, "validation bits/char: GPT %.3f, LSTM %.3f", gval, lval);
    rc |= csvlog_close(&csv);
    printf("vs-lstm: GPT %ld steps (%.0f characters/s), LSTM %ld steps (%.0f characters/s)\n", sg,
           (double)sg * B * T / tg, sl, (double)sl * B * T / tl);
    printf("vs-lstm: validation after %.1f s of processor time each (%d windows of %d characters): GPT %.3f "
           "bits/char, LSTM %.3f bits/char\n", budget, windows, T, gval, lval);
    if (rc == 0)
        rc |= plot_curves(dir, "vs_lstm", "log.csv", "A GPT and an LSTM of as many parameters, at equal processor time",
                          "processor seconds (1 thread)", "validation bits per character", "cpu_s",
                          (const char *[]){"gpt_val_bpc:GPT", "lstm_val_bpc:LSTM", NULL});
    trainer_free(&g), lstm_run_free(&l);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 3, .quick_epochs = 1, .seed = 1, .out = "out/12"};
    int layers = 2, heads = 4, width = 64, context = 128, batch = 8, merges = 192, ngen = 100, top_k = 10,
        do_bench = 0, rank = 4;
    float lr = 3e-3f, temperature = 0.8f, top_p = 0.9f, alpha = 0, ft_lr = 3e-3f, budget = 20, lstm_lr = 2e-2f;
    const char *prompt = "And God said", *load = NULL, *experiment = "", *adapter = NULL;
    for (int i = 1; i < argc; i++) /* --quick: a smaller model by default (explicit flags still win) */
        if (strcmp(argv[i], "--quick") == 0)
            width = 32, layers = 1, context = 64, batch = 4, merges = 24, ngen = 40, budget = 1;
    for (int i = 1; i + 1 < argc; i++) /* 12.11: the GPT's best peak rate at this budget (explicit --lr wins) */
        if (strcmp(argv[i], "--experiment") == 0 && strcmp(argv[i + 1], "vs-lstm") == 0)
            lr = 6e-3f;
    const flags_option_t extra[] = {
        {"--layers", FLAGS_INT, &layers, "transformer blocks L"},
        {"--heads", FLAGS_INT, &heads, "attention heads H"},
        {"--width", FLAGS_INT, &width, "channels C (a multiple of H)"},
        {"--context", FLAGS_INT, &context, "context T (tokens per sequence)"},
        {"--batch", FLAGS_INT, &batch, "sequences per step B"},
        {"--lr", FLAGS_FLOAT, &lr, "peak learning rate (AdamW, warmup + cosine)"},
        {"--merges", FLAGS_INT, &merges, "BPE merges (0: no BPE model)"},
        {"--prompt", FLAGS_STRING, &prompt, "text the samples start from"},
        {"--generate", FLAGS_INT, &ngen, "symbols to generate after the prompt"},
        {"--temperature", FLAGS_FLOAT, &temperature, "sampling temperature"},
        {"--top-k", FLAGS_INT, &top_k, "top-k of the second sample"},
        {"--top-p", FLAGS_FLOAT, &top_p, "top-p of the third sample"},
        {"--load", FLAGS_STRING, &load, "generate from this checkpoint instead of training"},
        {"--bench", FLAGS_SWITCH, &do_bench, "time the full-size model (make bench)"},
        {"--experiment", FLAGS_STRING, &experiment, "lora: fine-tune on the WEB's gospels, LoRA vs full (12.10); "
                                                    "vs-lstm: against an LSTM at equal processor time (12.11)"},
        {"--budget", FLAGS_FLOAT, &budget, "vs-lstm: processor seconds per model (1 with --quick)"},
        {"--lstm-lr", FLAGS_FLOAT, &lstm_lr, "vs-lstm: the LSTM's peak learning rate (Adam, warmup + cosine)"},
        {"--rank", FLAGS_INT, &rank, "LoRA's rank r"},
        {"--alpha", FLAGS_FLOAT, &alpha, "LoRA's alpha (0: 2 r)"},
        {"--ft-lr", FLAGS_FLOAT, &ft_lr, "peak learning rate of the fine-tuning (both kinds)"},
        {"--adapter", FLAGS_STRING, &adapter, "with --load: apply this LoRA adapter before generating"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 12: a small GPT on the KJV Bible; characters vs BPE.", extra,
                             (int)(sizeof extra / sizeof extra[0]));
    if (parsed != 0)
        return parsed < 0 ? 2 : 0;
    if (layers < 1 || heads < 1 || width < 1 || width % heads || context < 2 || context > 4096 || batch < 1 ||
        merges < 0 || merges > 4096 || ngen < 1 || !(lr > 0) || !(temperature >= 0) || top_k < 0 || !(top_p > 0) ||
        rank < 1 || !(alpha >= 0) || !(ft_lr > 0) || !(lstm_lr > 0) ||
        (*experiment && strcmp(experiment, "lora") != 0 && strcmp(experiment, "vs-lstm") != 0) || (adapter && !load)) {
        fprintf(stderr, "error: expected --layers, --heads, --batch >= 1, --width a multiple of --heads, --context "
                        "2..4096, --merges 0..4096, --generate >= 1, --lr > 0, --temperature >= 0, --top-k >= 0, "
                        "--top-p > 0, --rank >= 1, --alpha >= 0, --ft-lr > 0, --lstm-lr > 0, --experiment lora, vs-lstm or nothing, "
                        "--adapter only with --load\n");
        return 2;
    }
    const int lora_mode = strcmp(experiment, "lora") == 0;
    const int vs_mode = strcmp(experiment, "vs-lstm") == 0;
    if (!(budget > 0) || budget > 3600) {
        nn_error("a budget is the processor seconds each model trains: give --budget a number above 0, e.g. 20",
                 "--budget %g: expected 0 < seconds <= 3600", (double)budget);
        return 2;
    }
    if (alpha == 0)
        alpha = 2.0f * rank;
    if (lora_mode)
        merges = 0; /* the experiment fine-tunes the character model only */
    char outdir[4096]; /* the experiment's files in out/12/lora/, beside the default run's */
    snprintf(outdir, sizeof outdir, "%s", f.out);
    if (io_mkdirs(f.out) != 0 || (lora_mode && (!io_join(outdir, f.out, "lora") || io_mkdirs(outdir) != 0)) ||
        (vs_mode && (!io_join(outdir, f.out, "vs-lstm") || io_mkdirs(outdir) != 0)))
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    const double t_start = timing_seconds();
    char path[4096];
    text_t corpus;
    if (text_kjv_path(path, f.data, f.out) != 0 || text_read(&corpus, path, 4096) != 0)
        return 1;
    /* the split: training text from the start, validation text from the end */
    const size_t n_val = corpus.len / 10 < 65536 ? corpus.len / 10 : 65536;
    size_t n_train = corpus.len - n_val < ((size_t)2 << 20) ? corpus.len - n_val : ((size_t)2 << 20);
    if (f.quick && n_train > 200000)
        n_train = 200000;
    const char *train_text = corpus.data, *val_text = corpus.data + corpus.len - n_val;
    text_vocab_t vocab;
    if (text_vocab_build(&vocab, corpus.data, corpus.len, TEXT_BYTES) != 0)
        return 1;
    /* the prompt: bytes the vocabulary has, and room for the generation in the context */
    const size_t plen = strlen(prompt);
    int *pids = nn_malloc((plen + 1) * sizeof(int));
    long np = plen ? text_encode(pids, plen, &vocab, prompt, plen) : 0;
    if (np < 0) {
        nn_error("the corpus has no such character: write the prompt with the KJV's characters",
                 "--prompt \"%s\": a byte the tokenizer never saw in the corpus (see above)", prompt);
        return 1;
    }
    if (np == 0)
        pids[np++] = text_vocab_id(&vocab, '\n');
    if (np + ngen > context) {
        nn_error("a GPT sees at most T tokens: shorten the prompt or --generate, or raise --context",
                 "--generate %d after a prompt of %ld symbols is %ld symbols, longer than the context T = %d", ngen, np,
                 np + ngen, context);
        return 1;
    }
    int *ids = nn_malloc(corpus.len * sizeof(int));
    long n_ids = text_encode(ids, corpus.len, &vocab, train_text, n_train);
    int *vids = nn_malloc(n_val * sizeof(int));
    long n_vids = text_encode(vids, n_val, &vocab, val_text, n_val);
    if (n_ids < context + 2 || n_vids < context + 2) {
        nn_error("use a longer corpus or a shorter --context", "%ld training and %ld validation symbols for a "
                 "context of %d", n_ids, n_vids, context);
        return 1;
    }
    if (do_bench) {
        int rc = bench(&vocab, ids, n_ids, &rng);
        return rc ? 1 : 0;
    }
    const gpt_config_t cfg = {vocab.size, context, layers, heads, width};
    if (vs_mode) {
        int rc = vs_lstm(&cfg, batch, lr, lstm_lr, budget, ids, n_ids, vids, n_vids, outdir, f.quick, &rng);
        free(ids), free(vids), free(pids), text_vocab_free(&vocab), text_free(&corpus);
        if (rc == 0)
            printf("done in %.1fs; log and figure in %s/\n", timing_seconds() - t_start, outdir);
        return rc ? 1 : 0;
    }
    compare_with_library(&rng);
    const int steps_per_epoch = f.quick ? 8 : 100;
    const long steps = (long)f.epochs * steps_per_epoch;
    trainer_t ch, bp;
    if (trainer_init(&ch, &cfg, batch, lr, steps, &rng))
        return 1;
    int rc = 0;
    char ckpt[4096];
    io_join(ckpt, outdir, "model.ckpt");
    /* BPE: merges learned on the training text */
    bpe_t bpe = {0};
    int *bids = NULL, *bvids = NULL;
    long n_bids = 0, n_bvids = 0;
    const int use_bpe = merges > 0 && !load;
    if (use_bpe) {
        double t0 = timing_seconds();
        if (bpe_train(&bpe, &bids, &n_bids, train_text, n_train, merges))
            return 1;
        bvids = nn_malloc(n_val * sizeof(int));
        n_bvids = bpe_encode(bvids, &bpe, val_text, n_val);
        char *back = nn_malloc(n_val + 1);
        long nb = bpe_decode(back, n_val + 1, &bpe, bvids, n_bvids);
        const int same = nb == (long)n_val && memcmp(back, val_text, n_val) == 0;
        free(back);
        printf("BPE: %d merges learned in %.1fs, %d tokens; training text %zu bytes -> %ld tokens (%.2f characters "
               "per token); validation text %s after encode + decode\n", bpe.n - bpe.nbase, timing_seconds() - t0,
               bpe.n, n_train, n_bids, (double)n_train / n_bids, same ? "identical" : "DIFFERENT");
        printf("BPE's first merges:");
        for (int m = bpe.nbase; m < bpe.nbase + 8 && m < bpe.n; m++)
            printf(" \"%.*s\"", bpe.len[m], bpe.bytes[m]);
        printf("\n");
        if (!same || n_bids < context + 2 || n_bvids < context + 2)
            return 1;
    }
    gpt_config_t bcfg = cfg;
    bcfg.V = use_bpe ? bpe.n : cfg.V;
    if (use_bpe && trainer_init(&bp, &bcfg, batch, lr, steps, &rng))
        return 1;
    printf("model: L %d, H %d, C %d, T %d, B %d; %zu parameters (characters, V %d)", layers, heads, width, context,
           batch, ch.m.n, cfg.V);
    if (use_bpe)
        printf(", %zu (BPE, V %d)", bp.m.n, bcfg.V);
    printf("\n");
    const double ln2 = log(2.0);
    const int val_windows = f.quick ? 4 : 16;
    double cval = NAN, bval = NAN;
    if (load) {
        if (gpt_load(&ch.m, load) != 0)
            return 1;
        printf("loaded %s\n", load);
        if (adapter) {
            lora_t ad;
            if (lora_new(&ad, &ch.m, rank, alpha, &rng) != 0 || lora_load(&ad, &ch.m, adapter) != 0)
                return 1;
            printf("applied the LoRA adapter %s (rank %d, alpha %g)\n", adapter, rank, (double)alpha);
            lora_free(&ad);
        }
    } else {
        csvlog_t log;
        if (csvlog_open(&log, io_join(path, outdir, "log.csv"),
                        "step,lr,char_train_bpc,bpe_train_bpc,char_val_bpc,bpe_val_bpc") != 0)
            return 1;
        const double cpt = use_bpe ? (double)n_train / n_bids : 1; /* characters per BPE token */
        long step = 0;
        double t_train = 0;
        for (int epoch = 1; epoch <= f.epochs && rc == 0; epoch++) {
            progress_t bar;
            char label[32];
            snprintf(label, sizeof label, "epoch %d/%d", epoch, f.epochs);
            progress_begin(&bar, label, steps_per_epoch);
            double lc = 0, lb = 0;
            int k = 0;
            for (int s = 0; s < steps_per_epoch; s++, step++) {
                double t0 = timing_seconds();
                float a = train_step(&ch, ids, n_ids, step, &rng);
                nn_check_finite(a, "character model's training loss", step);
                float b = 0;
                if (use_bpe) {
                    b = train_step(&bp, bids, n_bids, step, &rng);
                    nn_check_finite(b, "BPE model's training loss", step);
                }
                t_train += timing_seconds() - t0;
                lc += a, lb += b, k++;
                if ((step + 1) % (f.quick ? 2 : 10) == 0 || s == steps_per_epoch - 1) {
                    long nt;
                    cval = evaluate(&ch, vids, n_vids, 2 * batch, &nt) / ln2;
                    bval = use_bpe ? evaluate(&bp, bvids, n_bvids, 2 * batch, &nt) / ln2 / cpt : NAN;
                    csvlog_row(&log, (double[]){step + 1, ch.opt.lr, lc / k / ln2, use_bpe ? lb / k / ln2 / cpt : NAN,
                                                cval, bval});
                    lc = lb = 0, k = 0;
                }
                if (use_bpe)
                    progress_step(&bar, s + 1, "bits/char: characters %.3f  BPE %.3f", cval, bval);
                else
                    progress_step(&bar, s + 1, "bits/char: characters %.3f", cval);
            }
            if (use_bpe)
                progress_end(&bar, "validation bits/char: characters %.3f, BPE %.3f", cval, bval);
            else
                progress_end(&bar, "validation bits/char: characters %.3f", cval);
        }
        rc |= csvlog_close(&log);
        printf("training: %ld steps in %.1fs, %.0f tokens/s per model\n", steps, t_train,
               (double)steps * batch * context * (use_bpe ? 2 : 1) / t_train);
        /* the final validation loss over more windows, in bits per character */
        long nt, nbt;
        cval = evaluate(&ch, vids, n_vids, val_windows, &nt) / ln2;
        printf("validation (%ld characters): characters %.3f bits/char", nt, cval);
        if (use_bpe) {
            double nats = evaluate(&bp, bvids, n_bvids, val_windows, &nbt);
            long chars = 0; /* the windows score tokens 1..T of each window: count their characters */
            for (long w = 0; w < nbt / context; w++)
                for (int t = 1; t <= context; t++)
                    chars += bpe.len[bvids[w * context + t]];
            bval = nats * nbt / chars / ln2;
            printf("; BPE %.3f bits/char (%ld tokens, %ld characters)", bval, nbt, chars);
        }
        printf("\n");
        if (gpt_save(&ch.m, ckpt) != 0)
            rc = 1;
        rc |= plot_curves(outdir, "loss", "log.csv", "A GPT on the KJV: characters vs BPE tokens", "step",
                          "bits per character", "step",
                          (const char *[]){"char_train_bpc:characters, training", "char_val_bpc:characters, validation",
                                           "bpe_train_bpc:BPE, training", "bpe_val_bpc:BPE, validation", NULL});
    }
    if (rc == 0 && lora_mode)
        rc |= lora_experiment(&ch, &vocab, vids, n_vids, f.data, f.out, outdir, rank, alpha, ft_lr, f.quick, pids,
                              (int)np, ngen, f.seed);
    /* samples from the character model, then the KV cache against the full forward */
    gpt_kv_t kv;
    gpt_kv_new(&kv, &cfg);
    int *out = nn_malloc((size_t)context * sizeof(int));
    float *ms_kv = nn_malloc((size_t)ngen * sizeof(float)), *ms_full = nn_malloc((size_t)ngen * sizeof(float));
    float *lg_kv = nn_malloc((size_t)ngen * cfg.V * sizeof(float)), *lg_full = nn_malloc((size_t)ngen * cfg.V * sizeof(float));
    const sampler_t samplers[3] = {{temperature, 0, 1}, {temperature, top_k, 1}, {temperature, 0, top_p}};
    char label[96];
    for (int i = 0; i < 3 && rc == 0 && !lora_mode; i++) {
        rng_t r;
        rng_seed(&r, f.seed + 7);
        rc |= generate(out, pids, (int)np, ngen, &ch, &kv, 1, &samplers[i], NULL, NULL, &r);
        if (i == 0)
            snprintf(label, sizeof label, "temperature %.1f", (double)temperature);
        else if (i == 1)
            snprintf(label, sizeof label, "temperature %.1f, top-k %d", (double)temperature, top_k);
        else
            snprintf(label, sizeof label, "temperature %.1f, top-p %.2f", (double)temperature, (double)top_p);
        print_sample(label, &vocab, out, (int)np + ngen);
    }
    if (rc == 0 && !lora_mode) {
        rng_t r1, r2;
        rng_seed(&r1, f.seed + 9), rng_seed(&r2, f.seed + 9);
        gpt_forward(&ch.a, &ch.m, out, 1, 1); /* warm */
        rc |= generate(out, pids, (int)np, ngen, &ch, &kv, 1, &samplers[2], ms_kv, lg_kv, &r1);
        rc |= generate(out, pids, (int)np, ngen, &ch, &kv, 0, &samplers[2], ms_full, lg_full, &r2);
        double diff = 0, tk = 0, tf = 0;
        for (size_t i = 0; i < (size_t)ngen * cfg.V; i++)
            diff = fmax(diff, fabs(lg_kv[i] - lg_full[i]));
        for (int i = 0; i < ngen; i++)
            tk += ms_kv[i], tf += ms_full[i];
        printf("KV cache: %d tokens in %.1f ms, without it %.1f ms (%.1fx faster); largest logit difference %.1g\n",
               ngen, tk, tf, tf / tk, diff);
        if (rc == 0 && !load)
            rc |= write_generation_figure(outdir, ms_kv, ms_full, (int)np, ngen);
    }
    if (rc == 0 && !load && !lora_mode)
        rc |= serving(&ch, vids, n_vids, outdir, f.seed);
    free(out), free(ms_kv), free(ms_full), free(lg_kv), free(lg_full);
    gpt_kv_free(&kv);
    trainer_free(&ch);
    if (use_bpe)
        trainer_free(&bp), bpe_free(&bpe);
    free(ids), free(vids), free(bids), free(bvids), free(pids);
    text_vocab_free(&vocab);
    text_free(&corpus);
    if (rc == 0)
        printf("done in %.1fs; log, figures and model.ckpt in %s/\n", timing_seconds() - t_start, outdir);
    return rc ? 1 : 0;
}

#endif /* GRADING */
