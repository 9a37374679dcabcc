/*md
# Recurrent networks: sequences and memory

Every network so far saw its whole input at once: 784 pixels, side by side. Text, speech, prices
and sensor readings arrive one element at a time, and what an element means depends on what came
before it: after "In the beginning God created the heaven and the", the next character is almost
certainly " " and the next word almost certainly "earth". A *recurrent* network reads a sequence
one step at a time and carries a *state* from step to step, a summary of everything it has seen.
This chapter builds the three recurrent cells in use (Elman's RNN, the LSTM and the GRU), derives
their gradients on the *unrolled* graph (backpropagation through time), measures why the plain
RNN forgets (its gradients vanish or explode, step after step) and how the LSTM's cell state
repairs it, and trains a character-level language model on the King James Bible that writes
new, pseudo-biblical text at any temperature we like.

**What lives where.** The layers are used again by later chapters (attention in chapter 10, the
transformer in chapter 12), so the code lives in the library: `common/rnn.h` (Elman), `lstm.h`,
`gru.h`, `embedding.h` and `sample.h`, each header stating the equations derived here. This file
derives them, writes the pointwise heart of each cell and its backward pass as exercises (checked
against the library, against PyTorch and against centered differences), and trains the model.

**Notation and shapes.** $T$ time steps, $B$ sequences in a batch, $D$ input features, $H$ hidden
units, $V$ symbols in the vocabulary. Sequences are stored *time-major*, $(T, B, D)$: the batch at
step $t$ is one contiguous $(B, D)$ block, so every step is an ordinary matrix product. $x_t$ is
the input at step $t$ (a $(B, D)$ matrix), $h_t$ the hidden state $(B, H)$, $\odot$ the
elementwise product, $\sigma$ the logistic sigmoid. As in chapter 3, $\bar v = \partial L /
\partial v$ is the gradient of the loss with respect to $v$, `dv` in code.
*/

#include "charlm.h"     /* the character language model: charlm_t (section 8.8) */
#include "clip.h"       /* clip_grad_norm: the global-norm clipping of chapter 5 */
#include "course.h"     /* TODO: what a workbook stub calls */
#include "checkpoint.h" /* the model saved and reloaded (a wrong file is refused) */
#include "csvlog.h"     /* out/08/log.csv */
#include "embedding.h"  /* one-hot rows and embedding lookups (section 8.1) */
#include "error.h"      /* nn_error, nn_fatal, nn_check_finite, nn_malloc */
#include "gradcheck.h"  /* gradcheck_random_upstream: a random upstream gradient (8.3) */
#include "flags.h"      /* --epochs --seed --quick --out --data --help, and this chapter's options */
#include "gru.h"        /* the GRU layer (section 8.5) */
#include "init.h"       /* init_uniform, init_xavier_uniform */
#include "io.h"         /* io_create / io_commit, io_join, io_mkdirs */
#include "layers.h"     /* linear_forward / linear_backward: the read-outs of section 8.10 */
#include "loss.h"       /* mse_loss (section 8.10) */
#include "lstm.h"       /* the LSTM layer (section 8.4) */
#include "matmul.h"     /* matmul_blas: cblas_sgemm */
#include "optim.h"      /* adam */
#include "plot.h"       /* gnuplot figures */
#include "progress.h"   /* the progress bar */
#include "rng.h"        /* the explicit random number generator */
#include "rnn.h"        /* the Elman layer (sections 8.2, 8.3) */
#include "sample.h"     /* sample_draw (section 8.7) */
#include "timing.h"     /* timing_seconds, timing_median */
#include "text.h"       /* the corpus: read, checked, vocabulary, encoded (section 8.1) */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 8.1 Text as numbers

A character-level language model reads text one character at a time and predicts the next one.
The corpus is the King James Bible as Debian's `bible-kjv` package prints it
(`bible "Genesis 1:1-Revelation 22:21"`): 4.3 million characters, book and chapter headings,
verse numbers and all. The program writes that text once to `out/08/kjv.txt` (or reads
`kjv.txt` from the directory given with `--data`). The library's corpus reader
(`common/text.h`) refuses a file that cannot be a corpus: empty, not UTF-8 text (a NUL byte
or an invalid byte sequence gives its line and column), or too short to fill a single training
window.

The *vocabulary* is the set of distinct bytes in the text, sorted; a character is its index
$v \in \{0, \dots, V-1\}$ in that list. The Bible uses $V = 73$ of them.

**One-hot or embedding?** A network needs vectors, not indices. The *one-hot* vector of $v$ is
$e_v \in \mathbb{R}^V$, all zeros but a 1 at position $v$; the first layer multiplies it by a
weight matrix $W \in \mathbb{R}^{V \times H}$, and

$$
e_v^\top W = W_{v,:},
$$

the product picks row $v$. An *embedding* is exactly that table of rows, looked up instead of
multiplied (`common/embedding.h`): the same function, without the $V - 1$ multiplications by
zero. Its backward pass is a scatter-*add*: $\bar W_{v,:} = \sum_{n: v_n = v} \bar y_n$, because
a character that appears twice in a batch collects the gradient of both occurrences. With
$V = 73$ the difference is small, so our model keeps the one-hot input the benchmark prescribes
(the product $x W_x$ for a whole window is one matrix product anyway); with a vocabulary of
50,000 words, only the lookup is affordable, and an embedding of width $D \ll V$ also lets
similar symbols share similar vectors.

The loader below reads the file, builds the vocabulary and encodes the text with `common/text.h`.
*/

/* The corpus: its text (common/text.h), its byte-level vocabulary and the text encoded as ids. */
typedef struct {
    text_t text;        /* the bytes of the file */
    text_vocab_t vocab; /* vocab.symbols[v] is the byte with id v */
    int *ids;           /* (n) the text as ids */
    long n;
    int V;              /* vocabulary size */
} corpus_t;

/* Read path into out: text_read refuses an empty file, one shorter than min_len bytes and one
 * that is not UTF-8 text (a NUL byte, an invalid sequence); then the vocabulary of its bytes and
 * the encoding. Returns 0, or -1 after the problem was reported. */
static int corpus_load(corpus_t *out, const char *path, long min_len)
{
    memset(out, 0, sizeof *out);
    if (text_read(&out->text, path, (size_t)min_len) != 0)
        return -1;
    if (text_vocab_build(&out->vocab, out->text.data, out->text.len, TEXT_BYTES) != 0) {
        text_free(&out->text);
        return -1;
    }
    out->n = (long)out->text.len, out->V = out->vocab.size;
    out->ids = nn_malloc((size_t)out->n * sizeof(int));
    if (text_encode(out->ids, (size_t)out->n, &out->vocab, out->text.data, out->text.len) != out->n) {
        free(out->ids), text_vocab_free(&out->vocab), text_free(&out->text);
        return -1;
    }
    return 0;
}

static void corpus_free(corpus_t *c)
{
    text_free(&c->text), text_vocab_free(&c->vocab), free(c->ids);
    memset(c, 0, sizeof *c);
}

/*md
**Batches of windows.** We train on windows of $T$ consecutive characters. To keep $B$
sequences going in parallel, the training text is cut into $B$ *streams* of equal length $S$;
stream $b$ starts at character $b S$. Window $w$ takes characters $wT \dots wT + T - 1$ of every
stream as the inputs, and the *targets* are the same positions shifted by one: at every step the
model is asked for the character that comes next.

### Exercise 08.1 — a window of inputs and targets

Fill `inputs` and `targets`, both $(T, B)$ time-major (element $(t, b)$ at index $tB + b$), with
`inputs[t][b] = ids[b*stream + offset + t]` and `targets[t][b] = ids[b*stream + offset + t + 1]`.
*/
static void make_window(int *inputs /* (T, B) */, int *targets /* (T, B) */, const int *ids, long stream,
                        long offset, int T, int B)
{
    /* BEGIN EXERCISE 08.1 (2 points): inputs and their next-character targets, time-major */
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const int *s = ids + (long)b * stream + offset;
            inputs[t * B + b] = s[t];
            targets[t * B + b] = s[t + 1];
        }
    /* END EXERCISE */
}

/*md
## 8.2 The Elman network and backpropagation through time

The simplest recurrent network (Elman 1990) keeps one hidden vector and updates it from the
previous one and the new input:

$$
a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = \tanh(a_t), \qquad t = 1, \dots, T,
$$

with $W_x \in \mathbb{R}^{D \times H}$, $W_h \in \mathbb{R}^{H \times H}$, $b \in \mathbb{R}^H$ and
a given $h_0$ (zeros at the start of a text). The same three parameters serve every step: that is
what lets the network read sequences of any length. A language model puts an output layer on
every $h_t$, $z_t = h_t W_y + b_y$, and its loss is the mean cross-entropy of the next character
over all steps: $L = \frac{1}{TB} \sum_t \sum_b -\log \operatorname{softmax}(z_{t,b})_{y_{t,b}}$.

**The unrolled graph.** Draw the computation for $T = 3$ and the loop disappears: it is an
ordinary feed-forward graph, three layers deep, whose layers *share* their weights.

```dot
digraph unrolled {
  rankdir=LR;
  node [shape=box, style="rounded", fontname="sans", fontsize=11];
  edge [fontname="sans", fontsize=10];
  h0 [label="h0"];
  x1 [label="x1"]; x2 [label="x2"]; x3 [label="x3"];
  h1 [label="h1 = tanh(x1 Wx + h0 Wh + b)"];
  h2 [label="h2 = tanh(x2 Wx + h1 Wh + b)"];
  h3 [label="h3 = tanh(x3 Wx + h2 Wh + b)"];
  L1 [label="loss at t=1", shape=ellipse]; L2 [label="loss at t=2", shape=ellipse];
  L3 [label="loss at t=3", shape=ellipse];
  h0 -> h1 [label="Wh"]; h1 -> h2 [label="Wh"]; h2 -> h3 [label="Wh"];
  x1 -> h1 [label="Wx"]; x2 -> h2 [label="Wx"]; x3 -> h3 [label="Wx"];
  h1 -> L1 [label="Wy"]; h2 -> L2 [label="Wy"]; h3 -> L3 [label="Wy"];
  h2 -> h1 [dir=back, color=red, fontcolor=red, label="dh1 += da2 Wh^T", constraint=false];
  h3 -> h2 [dir=back, color=red, fontcolor=red, label="dh2 += da3 Wh^T", constraint=false];
}
```

Backpropagation on this graph is chapter 3's, with two things to notice.

1. **$h_t$ has two consumers**: the output layer at step $t$ and the next step's $a_{t+1}$. By
   the multivariate chain rule its gradient is the sum of both paths,
   $$\bar h_t = \bar z_t W_y^\top + \bar a_{t+1} W_h^\top \qquad (\bar a_{T+1} = 0),$$
   so the backward pass runs from $t = T$ down to $1$, carrying $\bar a_{t+1} W_h^\top$ back.
   Through the tanh, $\bar a_t = \bar h_t \odot (1 - h_t^2)$.
2. **A shared weight collects a gradient from every use.** $W_h$ appears in all $T$ steps, and
   the gradient of a parameter used several times is the sum over its uses (exactly as a
   variable read twice in chapter 4's tape):
   $$\bar W_h = \sum_{t=1}^{T} h_{t-1}^\top \bar a_t, \qquad \bar W_x = \sum_t x_t^\top \bar a_t,
   \qquad \bar b = \sum_t \sum_{\text{rows}} \bar a_t.$$

This is *backpropagation through time* (BPTT; Werbos 1990). Only $\bar h_t$ must be computed
step by step; the three sums are single matrix products once the $\bar a_t$ of all steps are
stacked into one $(TB, H)$ matrix, which is how `common/rnn.c` computes them.

### Exercise 08.2 — BPTT through an Elman layer

Given the forward states `h` $(T{+}1, B, H)$ with $h_0$ first, the gradients `dh` $(T, B, H)$
that the loss sends into each $h_t$ from above, and $W_h$, compute every $\bar a_t$ into `da`
$(T, B, H)$, the weight gradient $\bar W_h$ $(H, H)$ (overwritten: summed over all steps), and
the norms $\lVert \bar h_t \rVert$ into `norms` $(T)$, the Frobenius norm of the *total* gradient
reaching $h_t$ (both paths). `g` $(B, H)$ is scratch space for the running $\bar a_{t+1} W_h^\top$ (it holds
garbage on entry, and $\bar a_{T+1} = 0$). The arrays count from 0 and the steps from 1: block
$t - 1$ of `dh`, `da` and `norms` belongs to step $t$, whose state $h_t$ is block $t$ of `h`. Use
`matmul_blas` (section 3.2's conventions; `matmul_blas(0, 1, ...)` multiplies by a transpose).
*/
static void elman_bptt(float *da /* (T, B, H) */, float *dWh /* (H, H) */, float *norms /* (T) */,
                       float *g /* (B, H) scratch */, const float *h /* (T+1, B, H) */,
                       const float *dh /* (T, B, H) */, const float *Wh /* (H, H) */, int T, int B, int H)
{
    /* BEGIN EXERCISE 08.2 (3 points): backpropagation through time, summing over the steps */
    const size_t BH = (size_t)B * H;
    memset(g, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *ht = h + (t + 1) * BH, *dht = dh + t * BH;
        float *dat = da + t * BH;
        double s = 0;
        for (size_t i = 0; i < BH; i++) {
            float total = g[i] + dht[i];
            s += (double)total * total;
            dat[i] = total * (1.0f - ht[i] * ht[i]);
        }
        norms[t] = (float)sqrt(s);
        matmul_blas(0, 1, B, H, H, 1.0f, dat, Wh, 0.0f, g);
    }
    matmul_blas(1, 0, H, H, T * B, 1.0f, h, da, 0.0f, dWh);
    /* END EXERCISE */
}

/*md
## 8.3 Vanishing and exploding gradients

Unroll the recursion for $\bar h$ when only the last step has a loss: each step back multiplies
by the same kind of matrix,

$$
\bar h_{t-1} = \bar h_t \,\operatorname{diag}(1 - h_t^2)\, W_h^\top
\quad\Longrightarrow\quad
\bar h_{T-k} = \bar h_T \prod_{j=0}^{k-1} \operatorname{diag}(1 - h_{T-j}^2)\, W_h^\top .
$$

A product of $k$ matrices behaves like the $k$-th power of their typical gain. If $W_h$'s
largest singular values are below 1 (and the tanh derivatives $1 - h^2 \le 1$ only shrink things
further), the gradient shrinks geometrically, *vanishes*, and the loss at step $T$ can no longer
teach anything about inputs 20 or 50 steps earlier. If they are well above 1, it can grow
geometrically, *explode*, and one step of gradient descent throws the weights away (Bengio,
Simard and Frasconi 1994; Pascanu, Mikolov and Bengio 2013).

We measure it rather than argue it. The program draws $W_h$ with entries of standard deviation
$s / \sqrt{H}$ (a random matrix whose spectral radius is about $s$), $H = 256$, feeds a window
of 64 characters of Bible text to 8 sequences, puts a random gradient on the *last* step only,
and records $\lVert \bar h_t \rVert$ for every earlier step with the backward pass of exercise
08.2. It does the same for the LSTM of section 8.4, at its initialization and once more after
the training of section 8.9, where it also records the gradient reaching the cell, $\lVert \bar
c_t \rVert$ (all relative to $\lVert \bar h_T \rVert$):

![Gradient norm reaching each step, loss at the last step only](out/08/grad_norm.svg)

In the run of the default program, the norm 60 steps back, relative to the last step, was about
$10^{-29}$ for $s = 0.5$ and $10^{-12}$ for $s = 1$: the straight lines of a geometric decay,
and with $s = 0.5$ the signal from 60 characters back is gone, far below float rounding. At
$s = 3$ it *grew* by about a quarter per step, to a few million 60 steps back: the gradient
explodes (the tanh derivatives $1 - h^2 < 1$ slow the growth without stopping it). The LSTM at
its initialization decays too, more slowly (about $2 \cdot 10^{-5}$ after 60 steps: its forget
gates start near $\sigma(1) = 0.73$); the *trained* LSTM's curves level off after about ten
steps, near $10^{-3}$, for $h$ and for the cell alike: training taught its forget gates to keep
what matters.

**Two remedies.** *Exploding* gradients are tamed by *clipping* (chapter 5, `common/clip.h`):
rescale the whole gradient to norm at most $c$ before the update, keeping its direction. Our
training clips at $c = 1$ and logs the norm before clipping (the `grad_norm` column of
`out/08/log.csv`); in the default run about one step in six was clipped, most of them early. *Vanishing* gradients need a different cell: one whose state is carried
forward by *addition* rather than by a squashing matrix product. That is the LSTM.

**Truncated BPTT.** The Bible is 4.3 million characters long; nobody backpropagates through all
of them. *Truncated* BPTT cuts the sequence into windows of $T$ steps (here $T = 64$): the forward
pass carries the state $h$ (and the LSTM's $c$) across windows, so the model reads the stream
without interruption, but the backward pass stops at the window's start: $\bar h_0$ is discarded.
Dependencies longer than $T$ can still be *used* (the state carries them), but no longer
*learned* through gradients.
*/

/*md
## 8.4 The LSTM, gate by gate

The long short-term memory (Hochreiter and Schmidhuber 1997; the forget gate is Gers, Schmidhuber
and Cummins 2000) adds a second state, the *cell* $c_t$, updated by addition, and three *gates*,
vectors in $(0, 1)$ that decide elementwise what to write, keep and show:

$$
\begin{aligned}
[a_i\; a_f\; a_g\; a_o] &= x_t W_x + h_{t-1} W_h + b
  && W_x \in \mathbb{R}^{D \times 4H},\ W_h \in \mathbb{R}^{H \times 4H},\ b \in \mathbb{R}^{4H} \\
i &= \sigma(a_i) \quad f = \sigma(a_f) \quad g = \tanh(a_g) \quad o = \sigma(a_o) \\
c_t &= f \odot c_{t-1} + i \odot g \\
h_t &= o \odot \tanh(c_t)
\end{aligned}
$$

The *input gate* $i$ scales what is written (the candidate $g$), the *forget gate* $f$ what is
kept of the old cell, the *output gate* $o$ how much of the cell the rest of the network sees.
The four pre-activations come from ONE product with the four weight matrices side by side, in
PyTorch's order $i, f, g, o$: per step a single $(B, H) \times (H, 4H)$ product, and the input
half $x_t W_x$ for all $T$ steps at once. The rest of a step is this *pointwise* part.

### Exercise 08.3 — the LSTM cell's pointwise forward step

`gates` holds the pre-activations $(B, 4H)$, row by row, blocks $[a_i\, a_f\, a_g\, a_o]$ of $H$
columns each. Replace them in place by the activated gates $[i\, f\, g\, o]$, and write
$c_t$ into `c`, $\tanh(c_t)$ into `tc` (the backward pass needs it) and $h_t$ into `h`, all
$(B, H)$, from `c_prev` $(B, H)$. `sigmoid1(x)` computes $\sigma(x)$.
*/
static inline float sigmoid1(float x) { return 1.0f / (1.0f + expf(-x)); }

static void lstm_step(float *gates /* (B, 4H) */, float *c /* (B, H) */, float *tc /* (B, H) */,
                      float *h /* (B, H) */, const float *c_prev /* (B, H) */, int B, int H)
{
    /* BEGIN EXERCISE 08.3 (2 points): the gates, the new cell and the new hidden state */
    for (int r = 0; r < B; r++) {
        float *a = gates + (size_t)r * 4 * H;
        for (int j = 0; j < H; j++) {
            float i = sigmoid1(a[j]), f = sigmoid1(a[H + j]), gg = tanhf(a[2 * H + j]), o = sigmoid1(a[3 * H + j]);
            a[j] = i, a[H + j] = f, a[2 * H + j] = gg, a[3 * H + j] = o;
            size_t k = (size_t)r * H + j;
            c[k] = f * c_prev[k] + i * gg;
            tc[k] = tanhf(c[k]);
            h[k] = o * tc[k];
        }
    }
    /* END EXERCISE */
}

/*md
**Backward, gate by gate.** Suppose the gradients $\bar h_t$ (from the output layer *and* from
step $t+1$) and $\bar c_t^{\,\text{next}}$ (the cell gradient coming back from step $t+1$) are
known. Follow the forward equations in reverse, one node at a time:

$$
\begin{aligned}
\bar o &= \bar h_t \odot \tanh(c_t)
  && h_t = o \odot \tanh(c_t) \\
\bar c_t &= \bar c_t^{\,\text{next}} + \bar h_t \odot o \odot \bigl(1 - \tanh^2(c_t)\bigr)
  && c_t \text{ has two consumers: } h_t \text{ and } c_{t+1} \\
\bar i &= \bar c_t \odot g, \quad \bar g = \bar c_t \odot i, \quad \bar f = \bar c_t \odot c_{t-1}
  && c_t = f \odot c_{t-1} + i \odot g \\
\bar c_{t-1}^{\,\text{next}} &= \bar c_t \odot f && \text{(sent on to step } t-1\text{)} \\
\bar a_i &= \bar i \odot i(1-i), \quad \bar a_f = \bar f \odot f(1-f), \quad
\bar a_g = \bar g \odot (1 - g^2), \quad \bar a_o = \bar o \odot o(1 - o)
  && \sigma' = \sigma(1-\sigma),\ \tanh' = 1 - \tanh^2
\end{aligned}
$$

and then, as for Elman, $\bar h_{t-1} \mathrel{+}= \bar a_t W_h^\top$ and the weight gradients are
sums over the steps. Look at the line for $\bar c_{t-1}$: from one step to the previous the cell
gradient is multiplied by $f$, elementwise, and by no weight matrix and no tanh derivative. When
the network learns to keep $f \approx 1$, the gradient travels back along the cell unchanged:
the *constant error carousel* of the original paper, and the reason the trained LSTM's curves in
the figure of section 8.3 level off where Elman's keep falling. (We start the forget bias at 1, so
$f \approx 0.73$ at initialization, a common choice since Jozefowicz et al. 2015.)

### Exercise 08.4 — one step of the LSTM backward pass

Given the activated `gates` $(B, 4H)$ of step $t$, `c_prev` $= c_{t-1}$ and `tc` $= \tanh(c_t)$
$(B, H)$, the total `dh` $= \bar h_t$ $(B, H)$, and in `dc` the incoming
$\bar c_t^{\,\text{next}}$ $(B, H)$: write the four pre-activation gradients into `da`
$(B, 4H)$ (blocks $i, f, g, o$) and replace `dc` by $\bar c_{t-1}^{\,\text{next}}$.
*/
static void lstm_step_backward(float *da /* (B, 4H) */, float *dc /* (B, H) in and out */,
                               const float *dh /* (B, H) */, const float *gates /* (B, 4H) */,
                               const float *c_prev /* (B, H) */, const float *tc /* (B, H) */, int B, int H)
{
    /* BEGIN EXERCISE 08.4 (3 points): the gate gradients, and the cell gradient sent back */
    for (int r = 0; r < B; r++)
        for (int j = 0; j < H; j++) {
            const float *gr = gates + (size_t)r * 4 * H;
            float *dr = da + (size_t)r * 4 * H;
            size_t k = (size_t)r * H + j;
            float i = gr[j], f = gr[H + j], g = gr[2 * H + j], o = gr[3 * H + j], t = tc[k];
            float dct = dc[k] + dh[k] * o * (1.0f - t * t);
            dr[j] = dct * g * i * (1.0f - i);
            dr[H + j] = dct * c_prev[k] * f * (1.0f - f);
            dr[2 * H + j] = dct * i * (1.0f - g * g);
            dr[3 * H + j] = dh[k] * t * o * (1.0f - o);
            dc[k] = dct * f;
        }
    /* END EXERCISE */
}

/*md
These two functions are what `common/lstm.c` runs inside its loop over the steps (there as
`lstm_cell_pointwise` and `lstm_pointwise_backward`, the same arithmetic arranged so that the
compiler computes 16 units at once: section 8.9 says why); the tests check them against the
library, which is itself checked against PyTorch's `nn.LSTM` and against centered differences.

## 8.5 The GRU

The gated recurrent unit (Cho et al. 2014) keeps the LSTM's additive update with one state and
two gates. In the convention of PyTorch's `nn.GRU` (which we follow), with gate blocks in the
order $r, z, n$:

$$
\begin{aligned}
[u_r\; u_z\; u_n] &= x_t W_x + b_x, \qquad [v_r\; v_z\; v_n] = h_{t-1} W_h + b_h \\
r &= \sigma(u_r + v_r), \qquad z = \sigma(u_z + v_z) \\
n &= \tanh\bigl(u_n + r \odot v_n\bigr) \\
h_t &= (1 - z) \odot n + z \odot h_{t-1}
\end{aligned}
$$

The *update gate* $z$ interpolates between the old state and the candidate $n$: with $z = 1$ the
state passes unchanged, and so does its gradient, the GRU's version of the carousel. The *reset
gate* $r$ decides how much of the old state enters the candidate. Note where it acts: on
$v_n = (h_{t-1} W_h + b_h)_n$, *after* the product. Cho's paper writes $(r \odot h_{t-1}) W_h$
instead; applying $r$ after the product is what lets all three gates share one product per
step, and it is why the GRU keeps two biases (the $b_h$ part of $n$ is scaled by $r$, the $b_x$
part is not). `common/gru.h` has the backward pass; the tests check it against PyTorch.

### Exercise 08.5 — the GRU cell's pointwise forward step

`gates` holds $u = x_t W_x + b_x$ $(B, 3H)$, `v` holds $h_{t-1} W_h + b_h$ $(B, 3H)$, both with
blocks $r, z, n$. Replace `gates` by the activated $[r\; z\; n]$ and write $h_t$ $(B, H)$ into `h`
from `h_prev`.
*/
static void gru_step(float *gates /* (B, 3H) */, float *h /* (B, H) */, const float *v /* (B, 3H) */,
                     const float *h_prev /* (B, H) */, int B, int H)
{
    /* BEGIN EXERCISE 08.5 (2 points): reset, update, candidate, and the interpolation */
    for (int b = 0; b < B; b++) {
        float *u = gates + (size_t)b * 3 * H;
        const float *w = v + (size_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float r = sigmoid1(u[j] + w[j]), z = sigmoid1(u[H + j] + w[H + j]);
            float n = tanhf(u[2 * H + j] + r * w[2 * H + j]);
            u[j] = r, u[H + j] = z, u[2 * H + j] = n;
            size_t k = (size_t)b * H + j;
            h[k] = (1.0f - z) * n + z * h_prev[k];
        }
    }
    /* END EXERCISE */
}

/*md
## 8.6 A character language model, measured in bits

The model: one-hot characters ($D = V$) into one recurrent layer of $H = 256$ units, and a
linear output layer $W_y \in \mathbb{R}^{H \times V}$ at every step, trained on the mean
cross-entropy of the next character. All parameters live in one block (so Adam and clipping see
one vector, as in chapter 3), and so do their gradients.

**Bits per character.** The cross-entropy in nats, divided by $\ln 2$, is the number of *bits*
an ideal coder driven by the model would spend per character: $-\log_2 p(\text{next})$ on
average. It is the standard unit of character models. A uniform guess over $V = 73$ symbols
costs $\log_2 73 = 6.19$ bits; the letter frequencies alone (a model with no memory) about 4.4
on this text; good models of English reach 1 to 1.5.

### Exercise 08.6 — bits per character

Return the mean over the $N$ rows of `logits` $(N, V)$ of $-\log_2 \operatorname{softmax}(z_n)_{y_n}$
for the targets $y$ $(N)$, computed without overflow or underflow for any logits, accumulated in
double. Subtract each row's maximum before `exp`, as chapter 2 did, and stay in the log domain:
$-\ln p_y = \log\sum_v e^{z_v - m} - (z_y - m)$. (Computing $p_y$ first and taking its log fails
when the target is far below the maximum: $e^{-1000}$ is 0 even in double.)
*/
static double bits_per_char(const float *logits /* (N, V) */, const int *targets /* (N) */, int N, int V)
{
    /* BEGIN EXERCISE 08.6 (2 points): mean -log2 p(target), stable for any logits */
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        float m = z[0];
        for (int v = 1; v < V; v++)
            m = z[v] > m ? z[v] : m;
        double s = 0;
        for (int v = 0; v < V; v++)
            s += exp((double)z[v] - m);
        total += (m + log(s) - z[targets[n]]) / log(2.0);
    }
    return total / N;
    /* END EXERCISE */
}

/*md
## 8.7 Sampling with a temperature

A trained model gives, after any prefix, logits $z \in \mathbb{R}^V$ for the next character. To
*generate*, draw a character from them, feed it back as the next input, and repeat. The
*temperature* $\tau > 0$ reshapes the distribution before drawing:

$$
p_v = \frac{\exp(z_v / \tau)}{\sum_u \exp(z_u / \tau)} .
$$

At $\tau = 1$ it is the model's own distribution; $\tau < 1$ sharpens it towards the most
likely character (as $\tau \to 0$, always the argmax: safe, repetitive text), $\tau > 1$
flattens it towards uniform (surprising, then garbled text). The temperature must divide the
*logits*: dividing the probabilities by $\tau$ changes nothing once they are normalized again.

### Exercise 08.7 — draw the next character at temperature tau

Write $p = \operatorname{softmax}(z / \tau)$ into `p` $(V)$ (subtract the maximum first: at
$\tau = 0.05$ a logit of 10 becomes 200, and `expf(200)` overflows), then return
`sample_draw(p, V, rng)` (`common/sample.h`: one uniform number, inverted through the cumulative
sum), so that the same seed draws the same text.
*/
static int sample_next(float *p /* (V) */, const float *z /* (V) */, int V, float tau, rng_t *rng)
{
    /* BEGIN EXERCISE 08.7 (2 points): softmax of z / tau, then one draw */
    float m = z[0];
    for (int v = 1; v < V; v++)
        m = z[v] > m ? z[v] : m;
    double s = 0;
    for (int v = 0; v < V; v++)
        s += p[v] = expf((z[v] - m) / tau);
    for (int v = 0; v < V; v++)
        p[v] = (float)(p[v] / s);
    return sample_draw(p, V, rng);
    /* END EXERCISE */
}

/*md
## 8.8 Training with truncated BPTT

The model's code lives in the library, `charlm_t` in `common/charlm.h` (chapter 12 races it
against a transformer), built of the pieces of this chapter and the earlier ones. A `charlm_t`
holds the parameters and gradients (each one block), the layer's cache (`common/lstm.h` or
`gru.h`), the one-hot inputs of a window, the logits and the state carried from window to
window. Everything is allocated once; a training step allocates nothing. Two of its steps are
yours: it scores the validation text with your `bits_per_char` (exercise 08.6) and samples with
your `sample_next` (exercise 08.7), plugged in as hooks. One step (`charlm_train_step`):

1. one-hot the window's inputs $(TB, V)$; run the recurrent layer from the carried state;
2. logits $= h W_y + b_y$ for all $TB$ positions in one product; mean cross-entropy and its
   gradient (`softmax_cross_entropy`);
3. back through the output layer and the recurrent layer (BPTT over the window);
4. clip the global gradient norm to 1, one Adam step;
5. keep the final $h_T$ (and $c_T$) as the next window's initial state, without its gradient.

**Regularizing a recurrent network.** Three options of the program (all off by default; section
8.10 says when they help). *Dropout between layers* (`--dropout p`, chapter 6's inverted
dropout) drops units of $h_t$ on their way to the output layer, never on the recurrent path
$h_{t-1} \to h_t$, where a fresh mask at every step would erase the memory. *Activation
regularization* (AR, `--ar alpha`) adds $\alpha \operatorname{mean}(h_t^2)$ to the loss, keeping
the hidden activations small; *temporal activation regularization* (TAR, `--tar beta`) adds
$\beta \operatorname{mean}\bigl((h_t - h_{t-1})^2\bigr)$ over the steps of the window, penalizing
a state that jumps (Merity, McCann and Socher 2017). Their gradients are added to $\bar h_t$
before BPTT:

$$
\bar h_t \mathrel{+}= \frac{2\alpha}{TBH} h_t + \frac{2\beta}{(T-1)BH}
  \bigl[(h_t - h_{t-1})\,[t > 1] - (h_{t+1} - h_t)\,[t < T]\bigr] .
$$
*/
/* The library's model with the chapter's own pieces plugged in: exercise 08.6 scores the
 * validation text and exercise 08.7 draws the samples. Returns 0, or -1 after reporting. */
static int lm_new(charlm_t *m, charlm_cell_t cell, int V, int H, int T, int B)
{
    if (charlm_new(m, cell, V, H, T, B) != 0)
        return -1;
    m->hooks.bits = bits_per_char;
    m->hooks.sample = sample_next;
    return 0;
}

/* Bits per character over `chars` characters of the validation text ids (n): B streams spread
 * over all of it (stream b starts at b n / B), each read for chars / B characters, carrying the
 * state across windows as in training. */
static double evaluate_bpc(charlm_t *m, const int *ids, long n, long chars, int *inputs, int *targets)
{
    long stream = (n - 1) / m->B, per = chars / m->B < stream - 1 ? chars / m->B : stream - 1;
    int windows = (int)(per / m->T);
    if (windows < 1)
        return NAN;
    charlm_reset_state(m);
    double bits = 0;
    for (int w = 0; w < windows; w++) {
        make_window(inputs, targets, ids, stream, (long)w * m->T, m->T, m->B);
        bits += charlm_bits(m, inputs, targets);
    }
    charlm_reset_state(m);
    return bits / windows;
}

#ifndef GRADING
/*md
## 8.9 What the run shows

`make run CH=08` checks the chapter's cells against the library, trains the LSTM language model
($H = 256$, $T = 64$, $B = 32$, Adam with learning rate $2 \cdot 10^{-3}$, clipping at 1) for
500 steps, 1.02 million characters, about a quarter of one pass over the 3.9 million characters
of the training text (the first 90% of the Bible; the last 10%, from Acts 22 on, is the
validation text), then measures the gradient norms of section 8.3. Validation reads 32,768
characters: 1,024 from each of 32 places spread over the validation text (enough to see the curve
fall; measured every 50 steps, more would cost a third of the training time).

![Training and validation loss in bits per character](out/08/loss.svg)

For its first 100,000 characters the model sits near 4.4 bits, the cost of the letter
frequencies alone: it has learned which characters are common, not yet what follows what. Then
it discovers words, and the validation loss falls to about 2.8 bits per character after 500
steps (the training windows, from the Old Testament, are a little easier than the validation
text from the New). Text the model wrote from the prompt "And God said" at the end of that run,
at three temperatures (another machine's run differs in its details: the floating-point sums of
another BLAS round differently, and the samples diverge from the first different draw):

```text
--- temperature 0.5 ---
And God said, and the forth the seove that hingreats, and the pooth the LORD has
shall thit the LORD, and the LORD say and in
themenot his hand of the childrenongat, and the cooding the fores in the LORD of the LORD,
--- temperature 1.0 ---
And God said the seate forces: of Bullardon's forVe me fort unto righw il.
  10 Ther Yoimatentike the mock we are hanes, thoush thomeathim, and LORD.
i ther thit ferithel his ghat sate hath
Anosterith the
--- temperature 1.5 ---
And God said
os:
) 9 So Befwartins in Boghe, there Lolldrestr.

 23 I fhail by SoLo,
Andy, nok man'srupareng yitheristtow, av.
  awncy clopst dr,ah, OJe!p noighutSek, thezody balleveljmretec. C
pamalaElires, ave Iprist saxiaud
```

At $\tau = 0.5$ the model repeats its most confident patterns ("the LORD", "and the", "of
the"); at $\tau = 1$ it invents words with a biblical cadence and even a verse number at the
start of a line; at $\tau = 1.5$ the spelling falls apart. More training (`--steps N`) keeps
lowering the loss; `--cell gru` trains the GRU instead; `--sample FILE` reloads a saved model
(`out/08/model.ckpt`, refused if it belongs to another model) and only writes text.

**Speed.** `make bench` runs this model's training step and, in the same run, its matrix
products alone (the products-only floor: per window the input product, $T$ recurrent products
forward and $T$ backward, the output layer's three products and the two weight-gradient
products). The rest of the step (gates, softmax, clipping, Adam) should cost less than a third
of the products. At first it cost a third to a half of them: in our run (on a machine shared
with other work, the step and its floor timed in alternation) the LSTM's step took 1.36 times its
floor and the GRU's 1.50 times. A profile (`perf record`) showed where: the cells' sigmoids and
tanhs, five per unit per step for the LSTM, each a call of the C library's `expf`, so the loops
around them ran one unit at a time while the products ran 16 floats per instruction on both
cores. `common/vmath.h` computes $e^x$ without a call or a branch: $x = n \ln 2 + r$ with $n$ an
integer and $|r| \le \ln 2 / 2$, then $e^x = 2^n e^r$, a polynomial for $e^r$ and $n$ written
into the float's exponent bits, within 2 ulp of `expf`. A loop of that is plain arithmetic, which
the compiler turns into vector instructions (16 units at once with AVX-512); the cells' loops are
compiled for AVX-512, AVX2 and the baseline, and the loader picks the one the CPU has. Two more
passes went to both cores (the bias gradient's sum over rows and the cross-entropy's rows,
with the same bits as before). In the same run the step then took 1.13 times its floor (the GRU
1.21), and it ran about 1.3 times as many tokens per second as before (the GRU 1.4 times). The
chapter's numbers moved a little, because another $e^x$ rounds differently and a training run
amplifies the difference: the validation loss from 2.797 to 2.805 bits, the clipped steps from
14% to 16%; the samples above are from the new run. What is left besides the products is mostly
the pointwise passes themselves and the cross-entropy's exponentials.
*/

#endif /* GRADING */

/*md
## 8.10 Other sequence setups

The language model maps a sequence to a sequence of the same length, one prediction per step,
each seeing only the past. The layers of this chapter serve the other common setups with no new
gradient code, only a different loss and a different use of the outputs $h_1 \dots h_T$. Each is
run below on a small synthetic task (`--experiment setups`, about half a minute), where the
right answer is known:

- **Sequence to vector** (classify a review, a gesture, a DNA read): one label per sequence.
  Feed a classifier with the last state $h_T$, or with a *global pooling* over all steps,
  the mean $\bar h = \frac{1}{T} \sum_t h_t$ or the elementwise maximum, so that evidence from
  early steps does not have to survive $T$ recurrent steps. Backward: the mean sends
  $\bar{\bar h} / T$ to every $h_t$ (the `dh` argument of `lstm_backward` at every step); the
  maximum sends it only to the step that won each unit.
- **Sequence to sequence with padding.** Sequences in a batch have different lengths; they are
  padded to the longest, and a *mask* $m_{t,b} \in \{0, 1\}$ marks the real steps. The loss
  averages over real steps only, $L = \sum_{t,b} m_{t,b} \ell_{t,b} / \sum_{t,b} m_{t,b}$, so the
  gradient reaching a padded step's output is exactly zero; a pooled summary divides by each
  sequence's own length $L_b$, $\bar h_b = \frac{1}{L_b} \sum_{t \le L_b} h_{t,b}$, and the last
  state is $h_{L_b, b}$, not $h_{T, b}$. (Padding at the end of a causal model never affects the
  real steps' outputs; only the loss and the readout must ignore it.)
- **Causal or not.** Our model is *causal*: $h_t$ depends on $x_1 \dots x_t$ only, which is what
  generation needs. When the whole sequence is known in advance (tagging the words of a
  sentence), a *bidirectional* network runs a second layer over the sequence reversed, from its
  last real step down to the first, and concatenates the two states, so each step sees its
  whole context. A causal model trained for a task where the future is available wastes
  information; a non-causal one used for generation cheats, because at training time it sees
  the very character it is asked to predict.
- **Walk-forward validation** (time series). A random train/validation split leaks the future
  into training. Validate the way the model will be used: train on everything before time $s$,
  validate on the window after it, move $s$ forward and repeat, averaging the validation scores.
  Our split of the Bible (train on the first 90%, validate on the rest) is the one-fold version.

### Exercise 08.8 — the masked cross-entropy

`z` holds $N$ rows of $K$ logits (the $T \cdot B$ steps of a padded batch, time-major),
`targets` their classes and `mask` a 1 for a real step, a 0 for padding. Return the mean of
$-\ln \operatorname{softmax}(z_n)_{y_n}$ over the real rows only (computed stably, in double),
and write its gradient into `dz` $(N, K)$: $(\operatorname{softmax}(z_n) - e_{y_n}) / n_{\text{real}}$
on a real row, exactly 0 on a padded one, whatever its logits and its target hold. (With no real
row at all, return 0 and a zero gradient.)
*/
static double masked_cross_entropy(float *dz /* (N, K) */, const float *z /* (N, K) */, const int *targets /* (N) */,
                                   const unsigned char *mask /* (N) */, int N, int K)
{
    /* BEGIN EXERCISE 08.8 (2 points): mean over the real steps, zero gradient on padding */
    int real = 0;
    for (int n = 0; n < N; n++)
        real += mask[n] != 0;
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *zn = z + (size_t)n * K;
        float *dn = dz + (size_t)n * K;
        if (!mask[n]) {
            memset(dn, 0, (size_t)K * sizeof(float));
            continue;
        }
        float m = zn[0];
        for (int k = 1; k < K; k++)
            m = zn[k] > m ? zn[k] : m;
        double s = 0;
        for (int k = 0; k < K; k++)
            s += exp((double)zn[k] - m);
        total += m + log(s) - zn[targets[n]];
        for (int k = 0; k < K; k++)
            dn[k] = (float)((exp((double)zn[k] - m) / s - (k == targets[n])) / real);
    }
    return real ? total / real : 0.0;
    /* END EXERCISE */
}


/* The model of the four setups: one LSTM reading forward and, when bidirectional, a second one
 * reading each sequence backwards from its last real step; a linear head on every step's state
 * (READ_STEPS), on the masked mean of the states (READ_MEAN) or on the last real state
 * (READ_LAST). Parameters in one block, gradients in another, as in the language model. */
typedef enum { READ_STEPS, READ_MEAN, READ_LAST } readout_t;

typedef struct {
    int T, B, D, H, K, dirs, F; /* F = dirs * H features per step */
    readout_t read;
    size_t n_params;
    float *params, *grads, *Wx[2], *Wh[2], *b[2], *Wy, *by, *dWx[2], *dWh[2], *db[2], *dWy, *dby;
    lstm_cache_t lc[2];
    float *xr;           /* (T, B, D) the input reversed within each sequence */
    float *feat, *dfeat; /* (T, B, F) the states of both directions, and their gradient */
    float *dh;           /* (T, B, H) one direction's share of dfeat */
    float *pooled, *dpooled; /* (B, F) */
    float *z, *dz;       /* (T*B, K) or (B, K) */
    int *len;            /* (B) the batch's lengths */
} seqnet_t;

static seqnet_t seqnet_new(int T, int B, int D, int H, int K, int dirs, readout_t read, rng_t *rng)
{
    seqnet_t m = {.T = T, .B = B, .D = D, .H = H, .K = K, .dirs = dirs, .F = dirs * H, .read = read};
    size_t G = 4 * (size_t)H, per = (size_t)D * G + (size_t)H * G + G;
    m.n_params = dirs * per + (size_t)m.F * K + K;
    m.params = nn_calloc(m.n_params, sizeof(float));
    m.grads = nn_calloc(m.n_params, sizeof(float));
    float a = 1.0f / sqrtf((float)H);
    for (int d = 0; d < dirs; d++) {
        m.Wx[d] = m.params + d * per, m.Wh[d] = m.Wx[d] + (size_t)D * G, m.b[d] = m.Wh[d] + (size_t)H * G;
        m.dWx[d] = m.grads + d * per, m.dWh[d] = m.dWx[d] + (size_t)D * G, m.db[d] = m.dWh[d] + (size_t)H * G;
        init_uniform(m.Wx[d], (size_t)D * G, a, rng);
        init_uniform(m.Wh[d], (size_t)H * G, a, rng);
        for (int j = 0; j < H; j++)
            m.b[d][H + j] = 1.0f; /* the forget bias at 1, as in section 8.4 */
        m.lc[d] = lstm_cache_new(T, B, D, H);
    }
    m.Wy = m.params + dirs * per, m.by = m.Wy + (size_t)m.F * K;
    m.dWy = m.grads + dirs * per, m.dby = m.dWy + (size_t)m.F * K;
    init_xavier_uniform(m.Wy, m.F, K, rng);
    size_t TB = (size_t)T * B;
    m.xr = nn_calloc(TB * D, sizeof(float));
    m.feat = nn_calloc(TB * m.F, sizeof(float));
    m.dfeat = nn_calloc(TB * m.F, sizeof(float));
    m.dh = nn_calloc(TB * H, sizeof(float));
    m.pooled = nn_calloc((size_t)B * m.F, sizeof(float));
    m.dpooled = nn_calloc((size_t)B * m.F, sizeof(float));
    m.z = nn_calloc(TB * K, sizeof(float));
    m.dz = nn_calloc(TB * K, sizeof(float));
    m.len = nn_calloc((size_t)B, sizeof(int));
    return m;
}

static void seqnet_free(seqnet_t *m)
{
    for (int d = 0; d < m->dirs; d++)
        lstm_cache_free(&m->lc[d]);
    free(m->params), free(m->grads), free(m->xr), free(m->feat), free(m->dfeat), free(m->dh), free(m->pooled),
        free(m->dpooled), free(m->z), free(m->dz), free(m->len);
}

/* The masked mean over each sequence's real steps: pooled_b = sum_{t < len_b} feat_{t,b} / len_b,
 * and its backward, which gives each real step dpooled_b / len_b and each padded step 0. */
static void masked_mean_pool(float *pooled /* (B, F) */, const float *feat /* (T, B, F) */, const int *len /* (B) */,
                             int T, int B, int F)
{
    (void)T;
    for (int b = 0; b < B; b++) {
        float *p = pooled + (size_t)b * F;
        memset(p, 0, (size_t)F * sizeof(float));
        for (int t = 0; t < len[b]; t++)
            for (int j = 0; j < F; j++)
                p[j] += feat[((size_t)t * B + b) * F + j];
        for (int j = 0; j < F; j++)
            p[j] /= (float)len[b];
    }
}

static void masked_mean_pool_backward(float *dfeat /* (T, B, F) */, const float *dpooled /* (B, F) */,
                                      const int *len /* (B) */, int T, int B, int F)
{
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int j = 0; j < F; j++)
                dfeat[((size_t)t * B + b) * F + j] = t < len[b] ? dpooled[(size_t)b * F + j] / (float)len[b] : 0.0f;
}

/* Forward over x (T, B, D) with the lengths m->len: logits into m->z, (T*B, K) or (B, K). */
static const float *seqnet_forward(seqnet_t *m, const float *x)
{
    const int T = m->T, B = m->B, D = m->D, H = m->H, F = m->F;
    lstm_forward(&m->lc[0], x, m->Wx[0], m->Wh[0], m->b[0], NULL, NULL);
    if (m->dirs == 2) { /* the second direction reads x_{len-1} .. x_0, then padding */
        memset(m->xr, 0, (size_t)T * B * D * sizeof(float));
        for (int b = 0; b < B; b++)
            for (int t = 0; t < m->len[b]; t++)
                memcpy(m->xr + ((size_t)t * B + b) * D, x + ((size_t)(m->len[b] - 1 - t) * B + b) * D,
                       (size_t)D * sizeof(float));
        lstm_forward(&m->lc[1], m->xr, m->Wx[1], m->Wh[1], m->b[1], NULL, NULL);
    }
    memset(m->feat, 0, (size_t)T * B * F * sizeof(float));
    for (int b = 0; b < B; b++)
        for (int t = 0; t < m->len[b]; t++) {
            float *f = m->feat + ((size_t)t * B + b) * F;
            memcpy(f, lstm_output(&m->lc[0]) + ((size_t)t * B + b) * H, (size_t)H * sizeof(float));
            if (m->dirs == 2)
                memcpy(f + H, lstm_output(&m->lc[1]) + ((size_t)(m->len[b] - 1 - t) * B + b) * H,
                       (size_t)H * sizeof(float));
        }
    if (m->read == READ_STEPS) {
        linear_forward(m->z, m->feat, m->Wy, m->by, T * B, F, m->K);
        return m->z;
    }
    if (m->read == READ_MEAN)
        masked_mean_pool(m->pooled, m->feat, m->len, T, B, F);
    else
        for (int b = 0; b < B; b++)
            memcpy(m->pooled + (size_t)b * F, m->feat + ((size_t)(m->len[b] - 1) * B + b) * F,
                   (size_t)F * sizeof(float));
    linear_forward(m->z, m->pooled, m->Wy, m->by, B, F, m->K);
    return m->z;
}

/* Backward from the loss's gradient m->dz: every parameter's gradient into m->grads. */
static void seqnet_backward(seqnet_t *m, const float *x)
{
    const int T = m->T, B = m->B, H = m->H, F = m->F;
    if (m->read == READ_STEPS)
        linear_backward(m->dfeat, m->dWy, m->dby, m->dz, m->feat, m->Wy, T * B, F, m->K);
    else {
        linear_backward(m->dpooled, m->dWy, m->dby, m->dz, m->pooled, m->Wy, B, F, m->K);
        if (m->read == READ_MEAN)
            masked_mean_pool_backward(m->dfeat, m->dpooled, m->len, T, B, F);
        else {
            memset(m->dfeat, 0, (size_t)T * B * F * sizeof(float));
            for (int b = 0; b < B; b++)
                memcpy(m->dfeat + ((size_t)(m->len[b] - 1) * B + b) * F, m->dpooled + (size_t)b * F,
                       (size_t)F * sizeof(float));
        }
    }
    for (int d = 0; d < m->dirs; d++) {
        memset(m->dh, 0, (size_t)T * B * H * sizeof(float));
        for (int b = 0; b < B; b++)
            for (int t = 0; t < m->len[b]; t++) {
                int s = d == 0 ? t : m->len[b] - 1 - t; /* the step of direction d that made feature t */
                memcpy(m->dh + ((size_t)s * B + b) * H, m->dfeat + ((size_t)t * B + b) * F + d * H,
                       (size_t)H * sizeof(float));
            }
        lstm_backward(NULL, m->dWx[d], m->dWh[d], m->db[d], NULL, NULL, &m->lc[d], m->dh, d == 0 ? x : m->xr,
                      m->Wx[d], m->Wh[d]);
    }
}

#ifndef GRADING
/* A batch of a synthetic task: x (T, B, D) one-hot (zeros on padding), lengths, and either a
 * class per step (T, B) with its mask, a class per sequence (B) or a real target per sequence. */
typedef struct {
    float *x, *y;
    int *len, *cls;
    unsigned char *mask;
} seqbatch_t;

static seqbatch_t seqbatch_new(int T, int B, int D)
{
    seqbatch_t s;
    s.x = nn_calloc((size_t)T * B * D, sizeof(float));
    s.y = nn_calloc((size_t)B, sizeof(float));
    s.len = nn_calloc((size_t)B, sizeof(int));
    s.cls = nn_calloc((size_t)T * B, sizeof(int));
    s.mask = nn_calloc((size_t)T * B, 1);
    return s;
}

static void seqbatch_free(seqbatch_t *s) { free(s->x), free(s->y), free(s->len), free(s->cls), free(s->mask); }

typedef enum { TASK_MAJORITY, TASK_DELAY, TASK_NEXT_SMALLER } seqtask_t;

/* TASK_MAJORITY: 4 symbols, lengths 6..T, the class is the symbol seen most often (never a tie).
 * TASK_DELAY: 4 symbols, lengths 6..T, the target at step t is the input of step t - 2 (symbol 0
 * before that); padded steps keep target 0 and mask 0.
 * TASK_NEXT_SMALLER: digits 0..9, full length, the target at step t is 1 when x_{t+1} < x_t; the
 * last step has no next digit and is masked. */
static void seqtask_batch(seqbatch_t *s, seqtask_t task, int T, int B, int D, rng_t *rng)
{
    memset(s->x, 0, (size_t)T * B * D * sizeof(float));
    memset(s->cls, 0, (size_t)T * B * sizeof(int));
    memset(s->mask, 0, (size_t)T * B);
    int sym[64];
    for (int b = 0; b < B; b++) {
        int L = task == TASK_NEXT_SMALLER ? T : 6 + (int)rng_below(rng, (uint32_t)(T - 5));
        for (;;) {
            int count[16] = {0}, best = 0, ties = 0;
            for (int t = 0; t < L; t++)
                count[sym[t] = (int)rng_below(rng, (uint32_t)D)]++;
            for (int k = 1; k < D; k++)
                best = count[k] > count[best] ? k : best;
            for (int k = 0; k < D; k++)
                ties += count[k] == count[best];
            if (task != TASK_MAJORITY || ties == 1) {
                s->cls[b] = best;
                break;
            }
        }
        s->len[b] = L;
        for (int t = 0; t < L; t++)
            s->x[((size_t)t * B + b) * D + sym[t]] = 1.0f;
        if (task == TASK_MAJORITY)
            continue;
        for (int t = 0; t < L; t++) {
            size_t i = (size_t)t * B + b;
            if (task == TASK_DELAY)
                s->cls[i] = t >= 2 ? sym[t - 2] : 0, s->mask[i] = 1;
            else
                s->cls[i] = t + 1 < L && sym[t + 1] < sym[t], s->mask[i] = t + 1 < L;
        }
    }
}

/* One Adam step of the model on a batch: the loss (mean cross-entropy, masked when `masked`;
 * unmasked, every one of the T*B steps counts, padding included). */
static double seqnet_train_step(seqnet_t *m, adam_t *opt, const seqbatch_t *s, int masked, unsigned char *ones)
{
    memcpy(m->len, s->len, (size_t)m->B * sizeof(int));
    const float *z = seqnet_forward(m, s->x);
    double loss;
    if (m->read == READ_STEPS) {
        if (!masked) /* the unmasked variant runs every sequence to T: padding is read as input */
            for (int b = 0; b < m->B; b++)
                m->len[b] = m->T;
        if (!masked)
            z = seqnet_forward(m, s->x);
        loss = masked_cross_entropy(m->dz, z, s->cls, masked ? s->mask : ones, m->T * m->B, m->K);
    } else
        loss = masked_cross_entropy(m->dz, z, s->cls, ones, m->B, m->K);
    seqnet_backward(m, s->x);
    clip_grad_norm_flat(m->grads, m->n_params, 1.0f);
    adam_step(opt, m->params, m->grads);
    return loss;
}

/* Accuracy on the real steps (or the sequences) of `batches` fresh batches; *loss gets the mean
 * cross-entropy over the real steps, *loss_all (per-step tasks) that over all T*B steps, padding
 * included: what a loss without the mask would report. */
static double seqnet_accuracy(seqnet_t *m, seqbatch_t *s, seqtask_t task, int batches, rng_t *rng, double *loss,
                              double *loss_all)
{
    long right = 0, total = 0;
    unsigned char ones[2048]; /* T * B <= 2048 */
    memset(ones, 1, sizeof ones);
    *loss = *loss_all = 0;
    for (int k = 0; k < batches; k++) {
        seqtask_batch(s, task, m->T, m->B, m->D, rng);
        memcpy(m->len, s->len, (size_t)m->B * sizeof(int));
        if (m->read == READ_STEPS && m->dirs == 1) /* causal: running on through the padding changes no real step */
            for (int b = 0; b < m->B; b++)
                m->len[b] = m->T;
        const float *z = seqnet_forward(m, s->x);
        int rows = m->read == READ_STEPS ? m->T * m->B : m->B;
        const unsigned char *mask = m->read == READ_STEPS ? s->mask : ones;
        *loss += masked_cross_entropy(m->dz, z, s->cls, mask, rows, m->K) / batches;
        *loss_all += masked_cross_entropy(m->dz, z, s->cls, ones, rows, m->K) / batches;
        for (int n = 0; n < rows; n++) {
            if (!mask[n])
                continue;
            int best = 0;
            for (int c = 1; c < m->K; c++)
                best = z[(size_t)n * m->K + c] > z[(size_t)n * m->K + best] ? c : best;
            right += best == s->cls[n], total++;
        }
    }
    return (double)right / total;
}

/* Train a model for a task and return its accuracy on 64 fresh batches. */
static double setup_run(seqtask_t task, int T, int D, int H, int K, int dirs, readout_t read, int masked, int steps,
                        rng_t *rng, double *train_loss, double *test_loss, double *test_loss_all)
{
    enum { B = 32 };
    seqnet_t m = seqnet_new(T, B, D, H, K, dirs, read, rng);
    adam_t opt = adam_new(m.n_params, 1e-2f);
    seqbatch_t s = seqbatch_new(T, B, D);
    unsigned char ones[2048]; /* T * B <= 2048 */
    memset(ones, 1, sizeof ones);
    double sum = 0;
    for (int i = 0; i < steps; i++) {
        seqtask_batch(&s, task, T, B, D, rng);
        double l = seqnet_train_step(&m, &opt, &s, masked, ones);
        nn_check_finite(l, "the training loss of a sequence setup", i + 1);
        if (i >= steps - 50)
            sum += l / 50;
    }
    *train_loss = sum;
    double acc = seqnet_accuracy(&m, &s, task, 64, rng, test_loss, test_loss_all);
    seqbatch_free(&s), adam_free(&opt), seqnet_free(&m);
    return acc;
}

/* The series of the walk-forward experiment: a season of 25 steps, a trend and AR(1) noise,
 * y_t = sin(2 pi t / 25) + 0.003 t + e_t,  e_t = 0.5 e_{t-1} + 0.1 n_t,  n_t ~ N(0, 1). */
static void series_make(float *y, int N, rng_t *rng)
{
    float e = 0;
    for (int t = 0; t < N; t++) {
        e = 0.5f * e + 0.1f * rng_normal(rng);
        y[t] = sinf(2.0f * 3.14159265f * t / 25.0f) + 0.003f * t + e;
    }
}

/* Fit an LSTM that reads the W values before index i and predicts y_i, on the targets train[0..nt),
 * then return its root-mean-square error on val[0..nv) (nv a multiple of 32), in the series'
 * units; *naive gets that of "the next value is the last one" on the same targets. */
static double series_fit(const float *y, int W, const int *train, int nt, const int *val, int nv, int steps,
                         rng_t *rng, double *naive)
{
    enum { B = 32, H = 16 };
    double mu = 0, sd = 0;
    for (int i = 0; i < nt; i++)
        mu += y[train[i]] / nt;
    for (int i = 0; i < nt; i++)
        sd += (y[train[i]] - mu) * (y[train[i]] - mu) / nt;
    sd = sqrt(sd);
    seqnet_t m = seqnet_new(W, B, 1, H, 1, 1, READ_LAST, rng);
    adam_t opt = adam_new(m.n_params, 1e-2f);
    float *x = nn_malloc((size_t)W * B * sizeof(float)), tg[B];
    int idx[B];
    for (int b = 0; b < B; b++)
        m.len[b] = W;
    double sq = 0, sqn = 0;
    for (int step = 0; step <= steps; step++) {
        int eval = step == steps;
        for (int k = 0; k < (eval ? nv / B : 1); k++) {
            for (int b = 0; b < B; b++)
                idx[b] = eval ? val[k * B + b] : train[rng_below(rng, (uint32_t)nt)];
            for (int t = 0; t < W; t++)
                for (int b = 0; b < B; b++)
                    x[t * B + b] = (float)((y[idx[b] - W + t] - mu) / sd);
            for (int b = 0; b < B; b++)
                tg[b] = (float)((y[idx[b]] - mu) / sd);
            const float *z = seqnet_forward(&m, x);
            if (eval) {
                for (int b = 0; b < B; b++) {
                    double d = z[b] * sd + mu - y[idx[b]], dn = y[idx[b] - 1] - y[idx[b]];
                    sq += d * d, sqn += dn * dn;
                }
                continue;
            }
            float l = mse_loss(m.dz, z, tg, B, 1);
            nn_check_finite(l, "the training loss of the time series", step + 1);
            seqnet_backward(&m, x);
            clip_grad_norm_flat(m.grads, m.n_params, 1.0f);
            adam_step(&opt, m.params, m.grads);
        }
    }
    free(x), adam_free(&opt), seqnet_free(&m);
    *naive = sqrt(sqn / nv);
    return sqrt(sq / nv);
}

/*md
### What the setups show

`make run CH=08 ARGS="--experiment setups"` trains a small LSTM (Adam at $10^{-2}$, batches of
32, clipping at 1) on each task for a few hundred steps, tests it on 64 fresh batches, and takes
about 10 seconds of CPU time:

- **Sequence to vector.** Sequences of 6 to 40 symbols out of 4, padded to 40; the class is the
  symbol that occurs most often ($H = 32$, 400 steps). The masked mean of the states classifies
  94% of the test sequences, the last real state 97%. A majority is a count, and the LSTM's cell
  *is* an accumulator ($c_t = f \odot c_{t-1} + i \odot g$ with $f \approx 1$ adds up its
  inputs), so here the last state needs no help; pooling earns its keep with an Elman cell, with
  sequences of hundreds of steps, and in the transformer of chapter 12, which has no state to
  carry. Either way, with padding the readout must be the masked one: the mean over the $L_b$
  real steps, the state at step $L_b$.
- **Sequence to sequence with padding.** Lengths 6 to 24, padded to 24 (37.5% of a batch's steps
  are padding); at every step, output the symbol read two steps earlier ($H = 32$, 200 steps).
  Trained with the masked loss (exercise 08.8), the model is right on 100% of the real steps, at
  a loss of 0.002 nats; the same model scored on all steps, padding included, shows a loss of
  about 1.8, because it was never asked anything about the padded steps and answers them at
  random. Trained without the mask (padding's target is the 0 the array holds), it is also right
  on every real step, but its real-step loss is about 8 times higher after the same 200 steps
  (0.016): the padded steps, trivial as they are (a zero input, always the answer 0), take their
  share of every gradient, and the loss it reports mixes the two kinds of steps. Compare models
  by the masked loss, and never report a loss whose denominator counts padding.
- **Causal or not.** Digits 0–9, 20 steps; at each step, is this digit larger than the next one?
  A causal LSTM with $H = 64$ units can only guess from the current digit (the best such guess
  is right 75% of the time: "yes" after a digit of 5 or more), and reaches exactly that, 75%;
  the bidirectional one (two directions of 32, states concatenated), which sees the next digit,
  reaches 100% (300 steps each).
- **Walk-forward validation.** 1,600 steps of a seasonal series (period 25) with a trend and
  AR(1) noise of standard deviation about 0.12; an LSTM ($H = 16$, 400 steps) reads the last 24
  values and predicts the next. Five walk-forward folds (train on everything before $s$, validate
  on the 192 steps after it, for $s$ = 640, 832, ..., 1,408) give a root-mean-square error of
  about 0.15 on average; a random 80/20 split of the same windows reports about 0.12, an error
  the model does not reach on the future: the shuffled training set holds windows from both
  sides of every validation window, including the later, higher levels of the trend, while
  walk-forward asks what deployment asks, the next, not-yet-seen stretch. The naive forecast
  "the next value is the last one" scores about 0.21 on the walk-forward folds.
*/

/* --experiment setups: the four setups of section 8.10, their numbers printed. */
static int run_setups(const flags_t *f, rng_t *rng)
{
    int sv = f->quick ? 40 : 400, ss = f->quick ? 40 : 200, sc = f->quick ? 40 : 300, sw = f->quick ? 40 : 400;
    double tl, vl, va, tl2, vl2, va2;
    printf("section 8.10, sequence setups (%s)\n", f->quick ? "quick: too few steps to learn" : "full");
    /* 1. seq2vec */
    double mean = setup_run(TASK_MAJORITY, 40, 4, 32, 4, 1, READ_MEAN, 1, sv, rng, &tl, &vl, &va);
    double last = setup_run(TASK_MAJORITY, 40, 4, 32, 4, 1, READ_LAST, 1, sv, rng, &tl2, &vl2, &va2);
    printf("seq2vec, majority of 4 symbols, lengths 6-40, %d steps: masked mean pooling %.1f%%, last real state "
           "%.1f%% (test losses %.3f, %.3f)\n", sv, 100 * mean, 100 * last, vl, vl2);
    /* 2. seq2seq with padding */
    double dm = setup_run(TASK_DELAY, 24, 4, 32, 4, 1, READ_STEPS, 1, ss, rng, &tl, &vl, &va);
    double du = setup_run(TASK_DELAY, 24, 4, 32, 4, 1, READ_STEPS, 0, ss, rng, &tl2, &vl2, &va2);
    printf("seq2seq, delayed copy (2 steps), padded batches (%.1f%% padding), %d steps:\n"
           "  trained with the mask:    accuracy %.1f%% on real steps, loss %.4f on real steps, %.4f on all steps\n"
           "  trained without the mask: accuracy %.1f%% on real steps, loss %.4f on real steps, %.4f on all steps\n",
           100.0 * (1.0 - 15.0 / 24.0), ss, 100 * dm, vl, va, 100 * du, vl2, va2);
    /* 3. causal vs bidirectional */
    double ca = setup_run(TASK_NEXT_SMALLER, 20, 10, 64, 2, 1, READ_STEPS, 1, sc, rng, &tl, &vl, &va);
    double bi = setup_run(TASK_NEXT_SMALLER, 20, 10, 32, 2, 2, READ_STEPS, 1, sc, rng, &tl2, &vl2, &va2);
    printf("causal vs bidirectional, is x_t > x_{t+1}, %d steps: causal (H 64) %.1f%%, bidirectional (2 x 32) %.1f%% "
           "(best causal guess 75%%)\n", sc, 100 * ca, 100 * bi);
    /* 4. walk-forward validation */
    enum { N = 1600, W = 24, FOLD = 192, FOLDS = 5, NV = 320 };
    float *y = nn_malloc(N * sizeof(float));
    int *idx = nn_malloc(N * sizeof(int));
    series_make(y, N, rng);
    double wf = 0, naive = 0, nv;
    for (int k = 0; k < FOLDS; k++) {
        int s = N - FOLD * (FOLDS - k);
        for (int i = 0; i < N - W; i++)
            idx[i] = W + i; /* targets W .. N-1, in time order */
        wf += series_fit(y, W, idx, s - W, idx + (s - W), FOLD, sw, rng, &nv) / FOLDS;
        naive += nv / FOLDS;
    }
    rng_shuffle(rng, idx, N - W);
    double shuf = series_fit(y, W, idx + NV, N - W - NV, idx, NV, sw, rng, &nv);
    printf("walk-forward, seasonal series with trend, %d folds of %d steps, %d steps each: RMSE %.3f (naive last "
           "value %.3f); random 80/20 split: RMSE %.3f\n", FOLDS, FOLD, sw, wf, naive, shuf);
    free(y), free(idx);
    (void)f;
    return 0;
}

/*md
**AR, TAR and dropout** (section 8.8) matter when a recurrent model overfits: word-level models
with millions of parameters on a small corpus, where Merity et al. used all three together. Our
character model sees each of its 3.9 million training characters less than once in the default
run, so it cannot overfit yet, and the options are off; try `--dropout 0.25 --ar 2 --tar 1` on a
long run and compare the validation curves.
*/

/* ||dL/dh_t|| for t = 1..T of an LSTM (Wx, Wh, b) on x (T, B, V), the loss's gradient R at the last
 * step only, into norms (T): the running dh of the library's backward is internal, so the last s
 * steps are run as a window of their own, from the states the full run had, for s = 1..T-1: each
 * gives dh_0 = dL/dh_{T-s}. */
static void lstm_norms(float *norms, float *cnorms, const float *x, const float *Wx, const float *Wh, const float *b,
                       const float *dh, int T, int B, int V, int H)
{
    const size_t BH = (size_t)B * H;
    float *dWx = nn_malloc((size_t)V * 4 * H * sizeof(float)), *dWh = nn_malloc((size_t)H * 4 * H * sizeof(float));
    float *db = nn_malloc((size_t)4 * H * sizeof(float)), *dh0 = nn_malloc(BH * sizeof(float));
    float *dc0 = nn_malloc(BH * sizeof(float));
    lstm_cache_t full = lstm_cache_new(T, B, V, H);
    lstm_forward(&full, x, Wx, Wh, b, NULL, NULL);
    for (int s = 1; s < T; s++) {
        lstm_cache_t lc = lstm_cache_new(s, B, V, H);
        size_t t0 = (size_t)(T - s);
        lstm_forward(&lc, x + t0 * B * V, Wx, Wh, b, full.h + t0 * BH, full.c + t0 * BH);
        lstm_backward(NULL, dWx, dWh, db, dh0, dc0, &lc, dh + t0 * BH, x + t0 * B * V, Wx, Wh);
        double n2 = 0, c2 = 0;
        for (size_t i = 0; i < BH; i++) n2 += (double)dh0[i] * dh0[i], c2 += (double)dc0[i] * dc0[i];
        norms[T - s - 1] = (float)sqrt(n2); /* dL/dh_{T-s}: index t holds h_{t+1}, as elman_bptt's norms */
        if (cnorms)
            cnorms[T - s - 1] = (float)sqrt(c2);
        lstm_cache_free(&lc);
    }
    double n2 = 0;
    for (size_t i = 0; i < BH; i++) n2 += (double)dh[(T - 1) * BH + i] * dh[(T - 1) * BH + i];
    norms[T - 1] = (float)sqrt(n2);
    if (cnorms) { /* dL/dc_T = dL/dh_T o (1 - tanh^2 c_T) */
        const float *o = full.gates + (size_t)(T - 1) * B * 4 * H, *tc = full.tc + (size_t)(T - 1) * BH;
        double c2 = 0;
        for (int r = 0; r < B; r++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)r * H + j;
                double d = dh[(T - 1) * BH + k] * o[(size_t)r * 4 * H + 3 * H + j] * (1 - tc[k] * tc[k]);
                c2 += d * d;
            }
        cnorms[T - 1] = (float)sqrt(c2);
    }
    lstm_cache_free(&full);
    free(dWx), free(dWh), free(db), free(dh0), free(dc0);
}

/* 8.3: the gradient norm reaching each step, with the loss at the last step only: Elman layers of
 * the model's width with W_h ~ N(0, s^2 / H), the LSTM at its initialization and after training. */
static int run_grad_norms(const flags_t *f, const corpus_t *c, const charlm_t *trained, int T, rng_t *rng,
                          double ratio[6])
{
    const int B = 8, V = c->V, H = trained->H, K = 6;
    const float scales[3] = {0.5f, 1.0f, 3.0f};
    const size_t BH = (size_t)B * H;
    float *norms = nn_calloc((size_t)K * T, sizeof(float));
    int *in = nn_malloc((size_t)T * B * sizeof(int)), *tg = nn_malloc((size_t)T * B * sizeof(int));
    float *x = nn_malloc((size_t)T * B * V * sizeof(float)), *dh = nn_calloc((size_t)T * BH, sizeof(float));
    make_window(in, tg, c->ids, c->n / B - 1, 0, T, B);
    embedding_one_hot(x, in, T * B, V);
    gradcheck_random_upstream(dh + (size_t)(T - 1) * BH, BH, rng);
    float *Wx = nn_malloc((size_t)V * 4 * H * sizeof(float)), *Wh = nn_malloc((size_t)H * 4 * H * sizeof(float));
    float *b = nn_calloc((size_t)4 * H, sizeof(float)), *dWh = nn_malloc((size_t)H * H * sizeof(float));
    float *da = nn_malloc((size_t)T * BH * sizeof(float)), *g = nn_malloc(BH * sizeof(float));
    rnn_cache_t rc = rnn_cache_new(T, B, V, H);
    for (int k = 0; k < 3; k++) {
        init_normal(Wx, (size_t)V * H, 1.0f, rng);
        init_normal(Wh, (size_t)H * H, scales[k] / sqrtf((float)H), rng);
        rnn_forward(&rc, x, Wx, Wh, b, NULL);
        elman_bptt(da, dWh, norms + (size_t)k * T, g, rc.h, dh, Wh, T, B, H);
    }
    rnn_cache_free(&rc);
    charlm_t fresh; /* the trained model's sizes: charlm_new cannot refuse them */
    charlm_new(&fresh, CHARLM_LSTM, V, H, 1, 1);
    charlm_init(&fresh, rng);
    lstm_norms(norms + 3 * (size_t)T, NULL, x, fresh.Wx, fresh.Wh, fresh.b, dh, T, B, V, H);
    charlm_free(&fresh);
    int with_trained = trained->cell == CHARLM_LSTM;
    if (with_trained)
        lstm_norms(norms + 4 * (size_t)T, norms + 5 * (size_t)T, x, trained->Wx, trained->Wh, trained->b, dh, T, B, V, H);
    char path[4096];
    csvlog_t log;
    int rc2 = csvlog_open(&log, io_join(path, f->out, "grad_norm.csv"),
                          "steps_back,rnn_s05,rnn_s1,rnn_s3,lstm_init,lstm_trained,lstm_trained_cell");
    if (rc2 == 0) {
        for (int t = T - 1; t >= 0; t--) {
            double row[7] = {T - 1 - t};
            for (int k = 0; k < K; k++) /* the cell's norms relative to the last step's dL/dh too */
                row[k + 1] = norms[(size_t)k * T + t] / norms[(size_t)(k == 5 ? 4 : k) * T + T - 1];
            csvlog_row(&log, row);
        }
        rc2 = csvlog_close(&log);
    }
    int back = T - 1 < 60 ? T - 1 : 60;
    for (int k = 0; k < K; k++)
        ratio[k] = norms[(size_t)k * T + T - 1 - back] / norms[(size_t)(k == 5 ? 4 : k) * T + T - 1];
    printf("gradient norm %d steps back / at the last step: elman s=0.5 %.1e, s=1 %.1e, s=3 %.1e; lstm at init "
           "%.1e, trained %.1e (its cell %.1e)\n", back, ratio[0], ratio[1], ratio[2], ratio[3],
           with_trained ? ratio[4] : NAN, with_trained ? ratio[5] : NAN);
    if (rc2 == 0)
        rc2 = plot_render(f->out, "grad_norm", 900, 560,
                          "set title 'Gradient norm reaching each step (loss at the last step only)'\n"
                          "set xlabel 'steps back from the loss'\nset ylabel '||dL/dh_t|| / ||dL/dh_T||'\n"
                          "set logscale y\nset format y '10^{%T}'\nset key outside right\nset grid\n"
                          "set datafile separator ','\n"
                          "plot 'grad_norm.csv' using 1:2 with lines lw 2 title 'Elman, s = 0.5', \\\n"
                          "     '' using 1:3 with lines lw 2 title 'Elman, s = 1', \\\n"
                          "     '' using 1:4 with lines lw 2 title 'Elman, s = 3', \\\n"
                          "     '' using 1:5 with lines lw 2 dt 2 title 'LSTM, initial', \\\n"
                          "     '' using 1:6 with lines lw 3 title 'LSTM, trained', \\\n"
                          "     '' using 1:7 with lines lw 3 dt 3 title 'LSTM, trained: dL/dc_t'\n");
    free(norms), free(in), free(tg), free(x), free(dh), free(Wx), free(Wh), free(b), free(dWh), free(da), free(g);
    return rc2;
}

/* The chapter's pointwise steps (exercises 08.3 to 08.5) against the library's layers on one
 * random step: the largest difference, which should be float rounding (about 1e-7). */
static double run_cell_checks(rng_t *rng)
{
    enum { B = 4, D = 5, H = 6 };
    float x[B * D], Wx[D * 4 * H], Wh[H * 4 * H], b[4 * H], bh[3 * H], h0[B * H], c0[B * H], R[B * H];
    float pre[B * 4 * H], c[B * H], tc[B * H], h[B * H], da[B * 4 * H], dc[B * H], v[B * 3 * H];
    float dWx[D * 4 * H], dWh[H * 4 * H], db[4 * H], dh0[B * H], dc0[B * H];
    float *all[] = {x, Wx, Wh, b, bh, h0, c0, R};
    size_t n[] = {B * D, D * 4 * H, H * 4 * H, 4 * H, 3 * H, B * H, B * H, B * H};
    for (int k = 0; k < 8; k++)
        init_normal(all[k], n[k], 0.8f, rng);
    double worst = 0;
    /* LSTM: the chapter's step and step-backward against lstm_forward/backward with T = 1 */
    lstm_cache_t lc = lstm_cache_new(1, B, D, H);
    lstm_forward(&lc, x, Wx, Wh, b, h0, c0);
    lstm_backward(NULL, dWx, dWh, db, dh0, dc0, &lc, R, x, Wx, Wh);
    for (int r = 0; r < B; r++)
        memcpy(pre + r * 4 * H, b, sizeof b);
    matmul_blas(0, 0, B, 4 * H, D, 1.0f, x, Wx, 1.0f, pre);
    matmul_blas(0, 0, B, 4 * H, H, 1.0f, h0, Wh, 1.0f, pre);
    lstm_step(pre, c, tc, h, c0, B, H);
    memset(dc, 0, sizeof dc);
    lstm_step_backward(da, dc, R, pre, c0, tc, B, H);
    for (int i = 0; i < B * H; i++) {
        worst = fmax(worst, fabs(h[i] - lstm_output(&lc)[i]));
        worst = fmax(worst, fabs(dc[i] - dc0[i]));
    }
    for (int i = 0; i < B * 4 * H; i++)
        worst = fmax(worst, fabs(da[i] - lc.da[i]));
    lstm_cache_free(&lc);
    /* GRU: the chapter's step against gru_forward with T = 1 */
    gru_cache_t gc = gru_cache_new(1, B, D, H);
    gru_forward(&gc, x, Wx, Wh, b, bh, h0);
    for (int r = 0; r < B; r++)
        memcpy(pre + r * 3 * H, b, 3 * H * sizeof(float)), memcpy(v + r * 3 * H, bh, sizeof bh);
    matmul_blas(0, 0, B, 3 * H, D, 1.0f, x, Wx, 1.0f, pre);
    matmul_blas(0, 0, B, 3 * H, H, 1.0f, h0, Wh, 1.0f, v);
    gru_step(pre, h, v, h0, B, H);
    for (int i = 0; i < B * H; i++)
        worst = fmax(worst, fabs(h[i] - gru_output(&gc)[i]));
    gru_cache_free(&gc);
    return worst;
}

typedef struct {
    charlm_cell_t cell;
    int H, T, B, steps, val_every;
    long val_chars;
    float lr, clip, dropout, ar, tar;
} train_cfg;

/* 8.8: train, logging training and validation bits per character. */
static int run_training(charlm_t *model, const flags_t *f, const train_cfg *cfg, const corpus_t *c, rng_t *rng)
{
    long n_train = c->n * 9 / 10;
    const int *val = c->ids + n_train;
    long n_val = c->n - n_train;
    long stream = (n_train - 1) / cfg->B;
    int per_epoch = (int)((stream - 1) / cfg->T);
    if (lm_new(model, cfg->cell, c->V, cfg->H, cfg->T, cfg->B) != 0)
        return -1;
    charlm_t m = *model; /* the caller frees it, whatever happens below */
    charlm_init(&m, rng);
    m.dropout = cfg->dropout, m.ar = cfg->ar, m.tar = cfg->tar, m.rng = rng;
    adam_t opt = adam_new(m.n_params, cfg->lr);
    int *in = nn_malloc((size_t)cfg->T * cfg->B * sizeof(int)), *tg = nn_malloc((size_t)cfg->T * cfg->B * sizeof(int));
    char path[4096], path2[4096];
    csvlog_t tlog, vlog;
    if (csvlog_open(&tlog, io_join(path, f->out, "log.csv"), "step,chars,train_bpc,grad_norm") != 0 ||
        csvlog_open(&vlog, io_join(path2, f->out, "val.csv"), "step,chars,val_bpc") != 0)
        return -1;
    printf("training a char-%s (V %d, H %d, %zu parameters) with truncated BPTT (T %d, B %d), %d steps, "
           "%d windows per epoch\n", charlm_cell_name(cfg->cell), c->V, cfg->H, m.n_params, cfg->T, cfg->B, cfg->steps,
           per_epoch);
    double v0 = evaluate_bpc(&m, val, n_val, cfg->val_chars, in, tg);
    csvlog_row(&vlog, (double[]){0, 0, v0});
    int clipped = 0, step = 0, epochs = f->epochs;
    double busy = 0, vbpc = v0;
    for (int e = 1; e <= epochs && step < cfg->steps; e++) {
        int todo = per_epoch < cfg->steps - step ? per_epoch : cfg->steps - step;
        char label[64];
        snprintf(label, sizeof label, "epoch %d/%d", e, epochs);
        progress_t bar;
        progress_begin(&bar, label, todo);
        charlm_reset_state(&m);
        double sum = 0;
        for (int w = 0; w < todo; w++, step++) {
            double t0 = timing_seconds(), gn;
            make_window(in, tg, c->ids, stream, (long)w * cfg->T, cfg->T, cfg->B);
            float loss = charlm_train_step(&m, &opt, &gn, in, tg, cfg->clip);
            busy += timing_seconds() - t0;
            nn_check_finite(loss, "the training loss", step + 1);
            clipped += gn > cfg->clip;
            double bpc = loss / log(2.0);
            sum += bpc;
            long chars = (long)(step + 1) * cfg->T * cfg->B;
            csvlog_row(&tlog, (double[]){step + 1, chars, bpc, gn});
            if ((step + 1) % cfg->val_every == 0 || step + 1 == cfg->steps) {
                /* evaluation uses the model's state buffers: keep the training stream's state */
                float *hs = nn_malloc((size_t)2 * cfg->B * cfg->H * sizeof(float));
                memcpy(hs, m.h, (size_t)cfg->B * cfg->H * sizeof(float));
                memcpy(hs + (size_t)cfg->B * cfg->H, m.c, (size_t)cfg->B * cfg->H * sizeof(float));
                vbpc = evaluate_bpc(&m, val, n_val, cfg->val_chars, in, tg);
                memcpy(m.h, hs, (size_t)cfg->B * cfg->H * sizeof(float));
                memcpy(m.c, hs + (size_t)cfg->B * cfg->H, (size_t)cfg->B * cfg->H * sizeof(float));
                free(hs);
                csvlog_row(&vlog, (double[]){step + 1, chars, vbpc});
            }
            progress_step(&bar, w + 1, "train %.3f bits/char  val %.3f", sum / (w + 1), vbpc);
        }
        progress_end(&bar, "train %.3f bits/char  val %.3f  (%.1fs, %.0f chars/s)", sum / todo, vbpc, busy,
                     (double)step * cfg->T * cfg->B / busy);
    }
    printf("validation: %.3f bits/char after %d steps (%.2f million characters; uniform guess %.2f); "
           "%d of %d steps clipped (%.0f%%)\n", vbpc, step, (double)step * cfg->T * cfg->B / 1e6,
           log2((double)c->V), clipped, step, 100.0 * clipped / step);
    int rc = csvlog_close(&tlog) | csvlog_close(&vlog);
    if (rc == 0)
        rc = plot_render(f->out, "loss", 900, 560,
                         "set title 'Character-level language model on the KJV Bible'\n"
                         "set xlabel 'millions of training characters'\nset ylabel 'bits per character'\n"
                         "set key top right\nset grid\nset datafile separator ','\nset yrange [0:*]\n"
                         "plot 'log.csv' using ($2/1e6):3 with lines lw 1 lc rgb '#9ecae1' title 'training windows', \\\n"
                         "     'val.csv' using ($2/1e6):3 with linespoints lw 2 pt 7 lc rgb '#d62728' title 'validation'\n");
    const float taus[3] = {0.5f, 1.0f, 1.5f};
    char text[401];
    for (int k = 0; k < 3; k++) {
        rc |= charlm_generate(&m, text, &c->vocab, "And God said", f->quick ? 80 : 300, taus[k], rng);
        printf("--- sample at temperature %.1f ---\nAnd God said%s\n", taus[k], text);
    }
    char tag[CHECKPOINT_TAG_MAX];
    rc |= checkpoint_save(io_join(path, f->out, "model.ckpt"), charlm_tag(&m, tag, sizeof tag, &c->vocab), m.params,
                          m.n_params);
    free(in), free(tg), adam_free(&opt);
    return rc;
}

/* --sample FILE: reload a saved model and write text. */
static int run_sample(const char *file, const train_cfg *cfg, const corpus_t *c, float tau, rng_t *rng)
{
    charlm_t m;
    if (lm_new(&m, cfg->cell, c->V, cfg->H, 1, 1) != 0)
        return -1;
    char tag[CHECKPOINT_TAG_MAX], text[401];
    int rc = checkpoint_load(m.params, m.n_params, file, charlm_tag(&m, tag, sizeof tag, &c->vocab));
    if (rc == 0)
        rc = charlm_generate(&m, text, &c->vocab, "And God said", 400, tau, rng);
    if (rc == 0)
        printf("And God said%s\n", text);
    charlm_free(&m);
    return rc;
}

/* The matrix products of one training step alone, on scratch buffers s1, s2: seconds. */
static double bench_products(const charlm_t *m, float *s1, float *s2)
{
    const int T = m->T, B = m->B, H = m->H, V = m->V, G = m->G * H, N = T * B;
    double t0 = timing_seconds();
    matmul_blas(0, 0, N, G, V, 1.0f, m->x, m->Wx, 0.0f, s1);        /* x Wx, all steps */
    for (int t = 0; t < T; t++)                                     /* h Wh per step */
        matmul_blas(0, 0, B, G, H, 1.0f, s2, m->Wh, 0.0f, s1 + (size_t)t * B * G);
    matmul_blas(0, 0, N, V, H, 1.0f, s2, m->Wy, 0.0f, s1);          /* logits */
    matmul_blas(0, 1, N, H, V, 1.0f, s1, m->Wy, 0.0f, s2);          /* dh from the output layer */
    matmul_blas(1, 0, H, V, N, 1.0f, s2, s1, 0.0f, m->dWy);         /* dWy */
    for (int t = 0; t < T; t++)                                     /* dh_{t-1} = da Wh^T */
        matmul_blas(0, 1, B, H, G, 1.0f, s1 + (size_t)t * B * G, m->Wh, 0.0f, s2);
    matmul_blas(1, 0, H, G, N, 1.0f, s2, s1, 0.0f, m->dWh);         /* dWh */
    matmul_blas(1, 0, V, G, N, 1.0f, m->x, s1, 0.0f, m->dWx);       /* dWx */
    return timing_seconds() - t0;
}

/* --bench: tokens/s of the training step and of its matrix products alone, LSTM and GRU. The two
 * are timed in alternation (a step, then its products) and both summarized by the median of 7
 * rounds after 3 of warm-up, so that a burst of other work on the machine hits both alike. */
static int run_bench(const corpus_t *c, const train_cfg *cfg, rng_t *rng)
{
    enum { WARM = 3, ROUNDS = 7 };
    double tok[2], floor_tok[2];
    for (int k = 0; k < 2; k++) {
        charlm_t m;
        if (lm_new(&m, (charlm_cell_t)k, c->V, cfg->H, cfg->T, cfg->B) != 0)
            return -1;
        charlm_init(&m, rng);
        adam_t opt = adam_new(m.n_params, cfg->lr);
        int *in = nn_malloc((size_t)cfg->T * cfg->B * sizeof(int)), *tg = nn_malloc((size_t)cfg->T * cfg->B * sizeof(int));
        size_t big = (size_t)cfg->T * cfg->B * (size_t)(m.G * cfg->H > c->V ? m.G * cfg->H : c->V);
        float *s1 = nn_calloc(big, sizeof(float)), *s2 = nn_calloc(big, sizeof(float));
        long stream = (c->n - 1) / cfg->B;
        double step[ROUNDS], prod[ROUNDS];
        for (int r = 0; r < WARM + ROUNDS; r++) {
            make_window(in, tg, c->ids, stream, (long)r * cfg->T, cfg->T, cfg->B);
            double t0 = timing_seconds();
            charlm_train_step(&m, &opt, NULL, in, tg, cfg->clip);
            double dt = timing_seconds() - t0, dp = bench_products(&m, s1, s2);
            if (r >= WARM)
                step[r - WARM] = dt, prod[r - WARM] = dp;
        }
        tok[k] = cfg->T * cfg->B / timing_median(step, ROUNDS);
        floor_tok[k] = cfg->T * cfg->B / timing_median(prod, ROUNDS);
        free(s1), free(s2), free(in), free(tg), adam_free(&opt), charlm_free(&m);
        printf("char-%s (V %d, H %d, T %d, B %d): %.0f tokens/s training, products alone %.0f tokens/s "
               "(step / floor = %.2f)\n", charlm_cell_name((charlm_cell_t)k), c->V, cfg->H, cfg->T, cfg->B, tok[k], floor_tok[k],
               floor_tok[k] / tok[k]);
    }
    printf("bench: name=char_lstm tokens_s=%.0f floor_tokens_s=%.0f ratio=%.2f gru_tokens_s=%.0f "
           "gru_floor_tokens_s=%.0f gru_ratio=%.2f\n", tok[0], floor_tok[0], floor_tok[0] / tok[0], tok[1],
           floor_tok[1], floor_tok[1] / tok[1]);
    return 0;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 1, .seed = 1, .out = "out/08"};
    train_cfg cfg = {.cell = CHARLM_LSTM, .H = 256, .T = 64, .B = 32, .steps = 500, .val_every = 50,
                     .val_chars = 32768, .lr = 2e-3f, .clip = 1.0f};
    const char *cell = "lstm", *sample = NULL, *experiment = NULL;
    int bench = 0, steps = 0;
    float tau = 0.8f;
    const flags_option_t extra[] = {
        {"--cell", FLAGS_STRING, &cell, "recurrent cell: lstm or gru"},
        {"--hidden", FLAGS_INT, &cfg.H, "hidden units (default 256)"},
        {"--seq", FLAGS_INT, &cfg.T, "BPTT window length T (default 64)"},
        {"--batch", FLAGS_INT, &cfg.B, "parallel streams B (default 32)"},
        {"--steps", FLAGS_INT, &steps, "training steps (default 500; --quick 30)"},
        {"--lr", FLAGS_FLOAT, &cfg.lr, "Adam learning rate (default 2e-3)"},
        {"--dropout", FLAGS_FLOAT, &cfg.dropout, "dropout between the recurrent and the output layer (default 0)"},
        {"--ar", FLAGS_FLOAT, &cfg.ar, "activation regularization alpha (default 0)"},
        {"--tar", FLAGS_FLOAT, &cfg.tar, "temporal activation regularization beta (default 0)"},
        {"--sample", FLAGS_STRING, &sample, "only load this checkpoint and write text"},
        {"--temperature", FLAGS_FLOAT, &tau, "temperature for --sample (default 0.8)"},
        {"--bench", FLAGS_SWITCH, &bench, "only the benchmark: tokens/s of LSTM and GRU training vs their products"},
        {"--experiment", FLAGS_STRING, &experiment,
         "only an experiment: setups (section 8.10's synthetic tasks, about 10 s of CPU)"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 8: recurrent networks (Elman, LSTM, GRU), BPTT, a character "
                             "language model on the KJV Bible.", extra, 13);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (strcmp(cell, "lstm") != 0 && strcmp(cell, "gru") != 0) {
        fprintf(stderr, "error: --cell expects lstm or gru, got '%s'\n", cell);
        return 2;
    }
    if (experiment && strcmp(experiment, "setups") != 0) {
        fprintf(stderr, "error: --experiment expects setups, got '%s'\n", experiment);
        return 2;
    }
    cfg.cell = strcmp(cell, "gru") == 0 ? CHARLM_GRU : CHARLM_LSTM;
    if (cfg.H < 1 || cfg.T < 2 || cfg.B < 1 || tau <= 0 || cfg.dropout < 0 || cfg.dropout >= 1 || cfg.ar < 0 ||
        cfg.tar < 0) {
        fprintf(stderr, "error: --hidden, --batch must be >= 1, --seq >= 2, --temperature > 0, --dropout in "
                "[0, 1), --ar and --tar >= 0\n");
        return 2;
    }
    if (f.quick) {
        cfg.H = 64, cfg.T = 32, cfg.B = 16, cfg.steps = 30, cfg.val_every = 10, cfg.val_chars = 8192;
    }
    if (steps > 0)
        cfg.steps = steps;
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    if (experiment) { /* synthetic tasks: no corpus needed */
        int rc = run_setups(&f, &rng);
        printf("done in %.1fs\n", timing_seconds() - t0);
        return rc ? 1 : 0;
    }
    char path[4096];
    corpus_t corpus;
    /* at least one window for each of the B training streams, and validation text after them */
    long min_len = (long)(cfg.T + 1) * cfg.B * 10 / 9 + cfg.T * 4;
    if (text_kjv_path(path, f.data, f.out) != 0 || corpus_load(&corpus, path, min_len) != 0)
        return 1;
    printf("corpus %s: %ld characters, vocabulary of %d\n", path, corpus.n, corpus.V);
    int rc = 0;
    if (bench)
        rc = run_bench(&corpus, &cfg, &rng);
    else if (sample)
        rc = run_sample(sample, &cfg, &corpus, tau, &rng);
    else {
        double ratio[6], d = run_cell_checks(&rng);
        printf("the chapter's LSTM and GRU steps agree with common/lstm.c and gru.c to %.1g\n", d);
        charlm_t m;
        rc |= run_training(&m, &f, &cfg, &corpus, &rng);
        rc |= run_grad_norms(&f, &corpus, &m, f.quick ? 32 : 64, &rng, ratio);
        charlm_free(&m);
        printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    }
    corpus_free(&corpus);
    return rc ? 1 : 0;
}
#endif /* GRADING */
