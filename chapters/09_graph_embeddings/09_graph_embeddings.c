/*md
# Graph embeddings: learning from structure

Every data set so far came as rows: an image, a sentence, a vector of features. Much of the
world's data comes as *relations* instead: who is friends with whom, which package needs which
other package to run, which paper cites which. Such data is a **graph**, and this chapter asks
how a network can learn from it when the only thing we know about a node is whom it is connected
to. The answer we build is an *embedding*: a vector $z_v \in \mathbb{R}^d$ for every node $v$,
learned so that nodes close in the graph get vectors close in space. Once every node is a
vector, everything from the earlier chapters applies: a softmax classifier predicts a node's
label, a dot product predicts whether an edge is missing, PCA draws the whole graph on a page.

We build the pieces in order: graphs as data and the compressed sparse row (CSR) layout that
makes them fast (9.1), random walks, the uniform ones of DeepWalk and the biased ones of
node2vec (9.2), skip-gram with negative sampling, the machinery of word2vec, derived and
implemented (9.3), cosine similarity, ROC AUC and PCA to use and judge the vectors (9.4–9.6),
and a graph convolutional network, which learns from the structure by message passing instead
(9.7). Two graphs carry the chapter: Zachary's karate club (34 people, 78 friendships, and a
famous split into two factions) and Debian's own package dependency graph (tens of thousands of
packages, built at run time from `apt-cache dumpavail`).

**Notation.** A graph $G = (V, E)$ has $n = |V|$ nodes numbered $0 \dots n-1$ and edges
$(u, v) \in E$, each with a weight $a_{uv}$ (1 when the graph is unweighted). $A$ is the
$n \times n$ adjacency matrix, $\deg(v) = \sum_u a_{vu}$ the (weighted) degree, $N(v)$ the
neighbours of $v$. Embeddings are rows of $Z \in \mathbb{R}^{n \times d}$; $d$ is the
embedding dimension (16 for the karate club, 32 for the package graph). A random walk is a
sequence of nodes $w_0, w_1, \dots, w_{\ell-1}$ of length $\ell$.

**What lives where.** The library gives the plumbing this chapter reuses: `rng.h`, the error
paragraphs of `error.h`, the figures of `plot.h` and `graphviz.h`, the softmax cross-entropy
and linear layer of chapters 2 and 3, Adam, ROC curves from `metrics.h`, the gradient checker.
The graph structure, the walks, skip-gram, PCA and the GCN are this chapter's own and live here.
*/

#include "csvlog.h"    /* out/09/log.csv */
#include "edgelist.h"  /* edgelist_read, edgelist_graph_t: an edge-list file into CSR */
#include "course.h"    /* TODO: the student edition's exercise stubs */
#include "error.h"     /* nn_error, nn_fatal, nn_malloc, nn_check_finite */
#include "flags.h"     /* --epochs --seed --quick --out --data --help, plus this chapter's options */
#include "graphviz.h"  /* the karate club drawn by dot */
#include "io.h"        /* io_create / io_commit / io_join */
#include "layers.h"    /* linear_forward / linear_backward (chapter 3) */
#include "loss.h"      /* softmax_cross_entropy (chapter 2) */
#include "matmul.h"    /* matmul_blas: the covariance of PCA (the GCN's products go through linear_forward) */
#include "metrics.h"   /* metrics_roc_curve (chapter 6) */
#include "optim.h"     /* adam_step */
#include "plot.h"      /* gnuplot figures */
#include "progress.h"  /* the progress bar */
#include "rng.h"       /* the explicit random number generator */
#include "timing.h"    /* timing_seconds */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 9.1 Graphs as data

A graph is a set of nodes and a set of edges between them, and real graphs come in many flavours:

- **Undirected or directed.** Friendship is symmetric: an edge $\{u, v\}$. "Package $u$ depends
  on package $v$" is not: an arc $u \to v$. A *mixed* graph has both kinds (a road map with
  one-way streets). We store an undirected edge as the two arcs $u \to v$ and $v \to u$, so one
  data structure serves both.
- **Self loops** $u \to u$ (a package that lists itself, a web page linking to itself) are legal
  in some graphs and errors in others; the loader below can be told to reject them.
- **Multigraphs** allow several edges between the same pair (two emails from $u$ to $v$); a
  weight $a_{uv}$ counting them is usually what we want.
- **Labels and weights.** Nodes carry labels (a faction, a package section), edges carry weights
  (a distance, a strength) and labels (the *kind* of relation). An edge with a label is a
  *triple* $(h, r, t)$, head, relation, tail: `(python3-numpy, depends-on, libc6)`,
  `(Paris, capital-of, France)`. A graph of such triples is a **knowledge graph**; methods such
  as TransE embed it so that $z_h + r \approx z_t$ for true triples, which lets them complete
  missing edges and flag wrong ones. Our two graphs need only unlabelled edges.

**Edge lists.** The simplest file format is one edge per line, `u v` or `u v w` with a weight.
It is what `datasets/karate/karate.edges` holds. Reading it is easy; reading it *safely* means
saying exactly which line is wrong when one is: `karate.edges:12: expected 'u v [w]' ...`, a
node id outside $0 \dots n-1$, a self loop where none is allowed, and a file with no edges at all
each stop the program with a paragraph naming the file and line.

**Why not the adjacency matrix?** $A$ has $n^2$ entries: for the package graph's 63,000 nodes,
16 GB of floats, of which 99.99% are zero. Every algorithm in this chapter asks one question,
"what are the neighbours of $v$?", and the layout that answers it fastest is **compressed sparse
row** (CSR): all neighbour lists concatenated in one array `col` ($m$ entries for $m$ stored
arcs, with their weights in `w` at the same places), and an array `row_ptr` of $n+1$ entries
such that the neighbours of $v$ are `col[row_ptr[v]]` to `col[row_ptr[v+1] - 1]`. Memory: $n + 1 + 2m$ numbers. The
karate club as CSR:

```dot
digraph csr {
  rankdir=LR; node [shape=record, fontname="sans", fontsize=11];
  off [label="row_ptr | 0 | 16 | 25 | 35 | ... | 139 | 156"];
  tgt [label="col | 1 | 2 | 3 | ... | 31 | 0 | 2 | ... | 8 | 9 | ... | 32"];
  off -> tgt [label=" node 0: col[0..16)", fontname="sans", fontsize=10];
}
```

Building CSR from an edge list is a *counting sort* by source node, in three passes: count each
node's out-degree, turn the counts into starting offsets by an exclusive prefix sum
($\mathrm{row\_ptr}_0 = 0$, $\mathrm{row\_ptr}_{v+1} = \mathrm{row\_ptr}_v + \deg(v)$), then walk
the edges again and drop each target into the next free slot of its source. It costs $O(n + m)$
time, and nothing ever moves twice.

### Exercise 09.1 — an edge list into CSR

Fill `g->row_ptr` (n + 1 entries, zeroed on entry), `g->col` and `g->w` (room for
`g->m` arcs) from the edge list `e`: edge $i$ goes from `e->src[i]` to `e->dst[i]` with weight
`e->w[i]`. When `undirected` is set, each edge is stored in both directions, except a self loop
$u$–$u$, which is stored once. Within a node's list, keep the arcs in the order the edges come in
the list (the code after the exercise sorts them). `next` is scratch room for $n$ longs.
*/

/* An edge list as read from a file: count edges src[i] -> dst[i] with weight w[i], ids < n. */
typedef struct {
    int n;
    long count;
    int *src, *dst; /* (count) */
    float *w;       /* (count) */
} edges_t;

/* The graph type is the library's edgelist_graph_t (common/edgelist.h): the neighbours of v are
 * col[row_ptr[v] .. row_ptr[v+1]), with w[] alongside; an undirected edge is stored as two arcs. */

static void edges_free(edges_t *e)
{
    free(e->src), free(e->dst), free(e->w);
    memset(e, 0, sizeof *e);
}

static inline long graph_degree(const edgelist_graph_t *g, int v) { return g->row_ptr[v + 1] - g->row_ptr[v]; }

static int cmp_arc(const void *a, const void *b)
{
    const int *x = a, *y = b; /* (target, weight bits) pairs: sort by target */
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Sort every neighbour list by target id (weights move along), so that graph_has_edge can use a
 * binary search. */
static void graph_sort_neighbours(edgelist_graph_t *g)
{
    int cap = 0;
    int *pairs = NULL;
    for (int v = 0; v < g->n; v++) {
        long a = g->row_ptr[v], d = graph_degree(g, v);
        if (d < 2)
            continue;
        if (d > cap) {
            free(pairs);
            cap = (int)d;
            pairs = nn_malloc(sizeof(int) * 2 * (size_t)cap);
        }
        for (long i = 0; i < d; i++) {
            pairs[2 * i] = g->col[a + i];
            memcpy(&pairs[2 * i + 1], &g->w[a + i], sizeof(float));
        }
        qsort(pairs, (size_t)d, 2 * sizeof(int), cmp_arc);
        for (long i = 0; i < d; i++) {
            g->col[a + i] = pairs[2 * i];
            memcpy(&g->w[a + i], &pairs[2 * i + 1], sizeof(float));
        }
    }
    free(pairs);
}

/* Build g from the edge list (see exercise 09.1); neighbour lists come out sorted by id. */
static void graph_from_edges(edgelist_graph_t *g, const edges_t *e, int undirected)
{
    long loops = 0;
    for (long i = 0; i < e->count; i++)
        loops += e->src[i] == e->dst[i];
    g->n = e->n;
    g->m = undirected ? 2 * e->count - loops : e->count;
    g->row_ptr = nn_calloc((size_t)e->n + 1, sizeof(long));
    g->col = nn_calloc((size_t)g->m + 1, sizeof(int));
    g->w = nn_calloc((size_t)g->m + 1, sizeof(float));
    long *next = nn_calloc((size_t)e->n + 1, sizeof(long));
    /* BEGIN EXERCISE 09.1 (2 points): an edge list into CSR by counting sort */
    for (long i = 0; i < e->count; i++) {
        g->row_ptr[e->src[i] + 1]++;
        if (undirected && e->src[i] != e->dst[i])
            g->row_ptr[e->dst[i] + 1]++;
    }
    for (int v = 0; v < e->n; v++)
        g->row_ptr[v + 1] += g->row_ptr[v];
    for (int v = 0; v < e->n; v++)
        next[v] = g->row_ptr[v];
    for (long i = 0; i < e->count; i++) {
        int u = e->src[i], v = e->dst[i];
        g->col[next[u]] = v, g->w[next[u]++] = e->w[i];
        if (undirected && u != v)
            g->col[next[v]] = u, g->w[next[v]++] = e->w[i];
    }
    /* END EXERCISE */
    free(next);
    graph_sort_neighbours(g);
}

/* 1 if the arc u -> v exists (binary search in u's sorted list). */
static int graph_has_edge(const edgelist_graph_t *g, int u, int v)
{
    long lo = g->row_ptr[u], hi = g->row_ptr[u + 1];
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (g->col[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->row_ptr[u + 1] && g->col[lo] == v;
}

/* Merge repeated arcs (a multigraph's parallel edges) into one, adding their weights. The lists
 * must be sorted. */
static void graph_merge_parallel(edgelist_graph_t *g)
{
    long w = 0, start = 0;
    for (int v = 0; v < g->n; v++) {
        long end = g->row_ptr[v + 1];
        long first = w;
        for (long i = start; i < end; i++) {
            if (w > first && g->col[w - 1] == g->col[i])
                g->w[w - 1] += g->w[i];
            else
                g->col[w] = g->col[i], g->w[w++] = g->w[i];
        }
        start = end;
        g->row_ptr[v + 1] = w;
    }
    g->m = w;
}

/*md
**Reading an edge list** is the library's job: `edgelist_read` in `common/edgelist.h` reads
`u v [w]` lines (`#` starts a comment) straight into this CSR form, with the same counting idea,
and reports a malformed line, an id out of range, a forbidden self loop or an empty file with the
file name and line number, returning -1 so that the program decides to stop. It builds the same `edgelist_graph_t` by the
same counting sort (count, exclusive prefix sum, place), and differs from the exercise in three
details: it first collects the whole file into an edge array, so that $n$ can be inferred as the
largest id + 1 when the caller does not fix it; it places (target, weight) pairs together in one
array and sorts every row right away, by target and then by weight so that the result never
depends on `qsort`'s order, where the exercise keeps the file's order and leaves the sorting to
`graph_sort_neighbours`; and only then splits the pairs into `col` and `w`. A repeated line stays
a repeated arc in both; `graph_merge_parallel` merges them when a graph needs it. The chapter's own
`graph_from_edges` builds the graphs that exist only in memory: the package dependencies, the
training graph of 9.8, $A + I$ for the GCN.
*/

static int edges_push(edges_t *e, long *cap, int u, int v, float w)
{
    if (e->count == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        e->src = realloc(e->src, sizeof(int) * (size_t)*cap);
        e->dst = realloc(e->dst, sizeof(int) * (size_t)*cap);
        e->w = realloc(e->w, sizeof(float) * (size_t)*cap);
        if (!e->src || !e->dst || !e->w)
            nn_fatal(NULL, "out of memory reading an edge list of %ld edges", e->count);
    }
    e->src[e->count] = u, e->dst[e->count] = v, e->w[e->count++] = w;
    return 0;
}

/* Node labels: "node label" lines ('#' comments), labels 0..K-1. Returns K, or -1 after reporting. */
static int labels_load(int *labels, int n, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        nn_error("the labels sit beside the edge list (datasets/karate/karate.labels)", "%s: cannot open", path);
        return -1;
    }
    for (int i = 0; i < n; i++)
        labels[i] = -1;
    char buf[256], extra;
    long lineno = 0;
    int K = 0, rc = 0;
    while (rc == 0 && fgets(buf, sizeof buf, f)) {
        lineno++;
        long v, c;
        buf[strcspn(buf, "#\r\n")] = '\0';
        if (strspn(buf, " \t") == strlen(buf))
            continue;
        if (sscanf(buf, "%ld %ld %c", &v, &c, &extra) != 2 || v < 0 || v >= n || c < 0 || c > 1000) {
            nn_error("one 'node label' pair per line, node ids 0..n-1, labels 0, 1, ...",
                     "%s:%ld: expected 'node label' with node < %d, got '%.60s'", path, lineno, n, buf);
            rc = -1;
        } else {
            labels[v] = (int)c;
            K = (int)c + 1 > K ? (int)c + 1 : K;
        }
    }
    fclose(f);
    for (int i = 0; i < n && rc == 0; i++)
        if (labels[i] < 0) {
            nn_error("every node needs a label", "%s: node %d has no label", path, i);
            rc = -1;
        }
    return rc ? -1 : K;
}

/*md
## 9.2 Random walks

How do we say, in numbers, that two nodes are "close"? One edge apart is too strict (most pairs
of friends-of-friends are not friends) and shortest-path distance is expensive and coarse. A
**random walk** gives a soft answer: start at $v$, move to a random neighbour, and again, $\ell$
times. Nodes that often appear near each other on walks are close. In the karate club, a walk
started at the instructor stays among his students for a while before it crosses to the
administrator's side, because few edges cross.

**DeepWalk** (Perozzi, Al-Rfou and Skiena 2014) takes uniform walks: from $w_i$, the next node
is a neighbour chosen with probability proportional to the edge weight,
$P(w_{i+1} = x \mid w_i = v) = a_{vx} / \deg(v)$. Its key observation is that node sequences
from walks look statistically like sentences: a few nodes (hubs) are frequent, most are rare, like
words in text. So the tools that learn word vectors from sentences can learn node vectors from
walks, unchanged.

**node2vec** (Grover and Leskovec 2016) biases the walk with two numbers. Having just moved
$t \to v$, the unnormalized weight of each next step $v \to x$ is $a_{vx}\,\alpha_{pq}(t, x)$ with

$$
\alpha_{pq}(t, x) = \begin{cases} 1/p & \text{if } x = t \text{ (step back)}\\
1 & \text{if } x \text{ is a neighbour of } t \text{ (stay close)}\\
1/q & \text{otherwise (move outward)} \end{cases}
$$

and the probabilities are these weights divided by their sum over $x \in N(v)$. A small $q$
(say 0.5) favours moving outwards: walks explore like depth-first search and capture
*communities*. A large $q$ keeps walks near their start like breadth-first search and captures
*structural roles* (hubs look like hubs). A large $p$ discourages going straight back. With
$p = q = 1$ it is DeepWalk. The first step of a walk has no $t$ and is uniform (by weight).

### Exercise 09.2 — node2vec's transition probabilities

Write into `prob[i]` the probability of stepping from `cur` to its `i`-th neighbour
(`g->col[g->row_ptr[cur] + i]`, weight `g->w[...]`) when the walk arrived at `cur`
from `prev` (`prev < 0` on the first step: every $\alpha = 1$). Use `graph_has_edge(g, prev, x)`
for "x is a neighbour of t". The probabilities must sum to 1.
*/

static void node2vec_probs(float *prob, const edgelist_graph_t *g, int prev, int cur, float p, float q)
{
    /* BEGIN EXERCISE 09.2 (2 points): node2vec's biased transition probabilities */
    long a = g->row_ptr[cur], d = graph_degree(g, cur);
    double total = 0;
    for (long i = 0; i < d; i++) {
        int x = g->col[a + i];
        double alpha = prev < 0 ? 1.0 : x == prev ? 1.0 / p : graph_has_edge(g, prev, x) ? 1.0 : 1.0 / q;
        prob[i] = (float)(alpha * g->w[a + i]);
        total += prob[i];
    }
    for (long i = 0; i < d; i++)
        prob[i] = (float)(prob[i] / total);
    /* END EXERCISE */
}

/* Index drawn from the discrete distribution prob (d entries summing to ~1). */
static long sample_discrete(const float *prob, long d, rng_t *rng)
{
    float r = rng_uniform(rng), c = 0;
    for (long i = 0; i < d - 1; i++)
        if (r < (c += prob[i]))
            return i;
    return d - 1;
}

/* A node2vec walk of up to len nodes from start into walk; prob is scratch of the largest
 * degree. Stops early at a node without neighbours; returns the walk's length. */
static int walk_node2vec(int *walk, const edgelist_graph_t *g, int start, int len, float p, float q, float *prob, rng_t *rng)
{
    walk[0] = start;
    int k = 1;
    for (; k < len; k++) {
        int cur = walk[k - 1];
        long d = graph_degree(g, cur);
        if (d == 0)
            break;
        node2vec_probs(prob, g, k >= 2 ? walk[k - 2] : -1, cur, p, q);
        walk[k] = g->col[g->row_ptr[cur] + sample_discrete(prob, d, rng)];
    }
    return k;
}

/* DeepWalk's uniform walk on an unweighted graph: one random index per step, no probabilities. */
static int walk_uniform(int *walk, const edgelist_graph_t *g, int start, int len, rng_t *rng)
{
    walk[0] = start;
    int k = 1;
    for (; k < len; k++) {
        int cur = walk[k - 1];
        long d = graph_degree(g, cur);
        if (d == 0)
            break;
        walk[k] = g->col[g->row_ptr[cur] + rng_below(rng, (uint32_t)d)];
    }
    return k;
}

/*md
## 9.3 Skip-gram with negative sampling

Now the walks become vectors. **Skip-gram** (Mikolov et al. 2013, the model inside *word2vec*)
asks each node to predict the nodes that appear near it: for a walk $w_0 \dots w_{\ell-1}$ and a
window size $c$, every pair $(w_i, w_j)$ with $0 < |i - j| \le c$ is a (center, context) pair
$(v, o)$. Each node has two vectors: $z_v$ when it is the center and $u_o$ when it is the
context. The model's probability of context $o$ given center $v$ is a softmax over all nodes,

$$
P(o \mid v) = \frac{\exp(u_o^\top z_v)}{\sum_{x \in V} \exp(u_x^\top z_v)},
$$

and training maximizes $\sum \log P(o \mid v)$ over all pairs. Its gradient needs the
denominator, a sum over all $n$ nodes for every pair: for the package graph that is 63,000 dot
products per pair, and we will have millions of pairs.

**Negative sampling** replaces the softmax by $K + 1$ binary questions: "is $o$ a real context
of $v$?" (yes) and, for $K$ nodes $x_1 \dots x_K$ drawn at random from a *noise distribution*
$P_n$, "is $x_k$ a real context of $v$?" (no). Each answer is a logistic regression on the dot
product, with $\sigma(s) = 1 / (1 + e^{-s})$:

$$
\ell(v, o) = -\log \sigma\!\left(u_o^\top z_v\right) - \sum_{k=1}^{K} \log \sigma\!\left(-u_{x_k}^\top z_v\right).
$$

It pulls $u_o$ towards $z_v$ and pushes the $u_{x_k}$ away, at the cost of $K + 1$ dot products
instead of $n$. (It optimizes a different objective than the softmax, but Levy and Goldberg 2014
showed what it converges to: $u_o^\top z_v \approx \mathrm{PMI}(v, o) - \log K$, the pointwise
mutual information of the pair shifted by a constant, so it still measures "how much more often
than chance do these two co-occur".) Word2vec draws noise in proportion to frequency to the
power $3/4$, which gives rare words a bit more than their share; for walks, a node's frequency is
proportional to its degree (a walk visits $v$ with long-run probability $\deg(v) / 2|E|$), so
$P_n(x) \propto \deg(x)^{3/4}$.

**The gradient.** Write $s_j = u_j^\top z_v$ for the $K + 1$ dot products, with label $t_j = 1$
for the true context and $t_j = 0$ for a negative. Every term has the form
$-\log \sigma(s)$ (label 1) or $-\log \sigma(-s) = -\log(1 - \sigma(s))$ (label 0): the binary
cross-entropy of chapter 2, whose derivative with respect to the logit is
$\partial \ell / \partial s_j = \sigma(s_j) - t_j$. Call it $g_j$. By the chain rule through
$s_j = u_j^\top z_v$:

$$
\frac{\partial \ell}{\partial u_j} = g_j\, z_v, \qquad
\frac{\partial \ell}{\partial z_v} = \sum_{j=0}^{K} g_j\, u_j.
$$

For the true context $g_0 = \sigma(s_0) - 1 < 0$: a gradient step $u_0 \leftarrow u_0 - \eta g_0 z_v$
moves $u_0$ *towards* $z_v$; for a negative $g_k = \sigma(s_k) > 0$ moves it away. Note that
$\partial \ell / \partial z_v$ uses the context vectors *before* they are updated: compute it
first (or accumulate it while updating, reading each $u_j$ before changing it).

**Training** is plain SGD, one pair at a time, as word2vec does it: the learning rate starts at
$\eta_0$ (0.025) and decreases linearly to nearly zero over the run. The center vectors start
small and random (uniform in $\pm 0.5/d$), the context vectors at zero, so that every first dot
product is zero and every first $g_j$ is $\mp 1/2$.

### Exercise 09.3 — one skip-gram step with negative sampling

`v` is the center's vector $z_v$ ($d$ floats); `ids[0]` is the context node $o$ and
`ids[1..k]` are the $K = $ `k` negatives; $u_j$ is row `ids[j]` of `U` (`(n, d)`). Compute the
loss $\ell(v, o)$ (use `log_sigmoid` below, which never overflows), then update every $u_j$ and
$z_v$ by one SGD step of size `lr`, computing $\partial \ell / \partial z_v$ into `grad_v`
($d$ floats of scratch) from the context vectors as they were before the step. Return the loss.
*/

static inline float sigmoidf(float s) { return s >= 0 ? 1.0f / (1.0f + expf(-s)) : expf(s) / (1.0f + expf(s)); }

/* log sigma(s) = -log(1 + e^-s), computed without overflow for any s. */
static inline float log_sigmoid(float s) { return s >= 0 ? -log1pf(expf(-s)) : s - log1pf(expf(s)); }

static inline float dotf(const float *a, const float *b, int d)
{
    float s = 0;
    for (int i = 0; i < d; i++)
        s += a[i] * b[i];
    return s;
}

static float sgns_step(float *v, float *U, const int *ids, int k, int d, float lr, float *grad_v)
{
    /* BEGIN EXERCISE 09.3 (3 points): the skip-gram negative-sampling loss and its SGD step */
    float loss = 0;
    for (int i = 0; i < d; i++)
        grad_v[i] = 0;
    for (int j = 0; j <= k; j++) {
        float *u = U + (size_t)ids[j] * d;
        float s = dotf(u, v, d);
        float t = j == 0 ? 1.0f : 0.0f;
        loss -= j == 0 ? log_sigmoid(s) : log_sigmoid(-s);
        float g = sigmoidf(s) - t;
        for (int i = 0; i < d; i++) {
            grad_v[i] += g * u[i];
            u[i] -= lr * g * v[i];
        }
    }
    for (int i = 0; i < d; i++)
        v[i] -= lr * grad_v[i];
    return loss;
    /* END EXERCISE */
}

/* The same loss without any update, in double: what the gradient check differentiates. */
static double sgns_loss(const float *v, const float *U, const int *ids, int k, int d)
{
    double loss = 0;
    for (int j = 0; j <= k; j++) {
        double s = 0;
        for (int i = 0; i < d; i++)
            s += (double)U[(size_t)ids[j] * d + i] * v[i];
        loss += j == 0 ? log1p(exp(-s)) : log1p(exp(s));
    }
    return loss;
}

/*md
**The whole trainer.** `sgns_train` runs `epochs` rounds; each round starts one walk at every
node (in a shuffled order), and slides the window along it. The window size for each center is
drawn uniformly from $1 \dots c$, as word2vec does: near contexts are used more often than far
ones. The noise distribution is a table of $T$ node ids in which node $x$ appears about
$T \deg(x)^{3/4} / \sum_y \deg(y)^{3/4}$ times, so drawing a negative is one random index.
*/

typedef struct {
    int d;          /* embedding dimension */
    int walk_len;   /* nodes per walk */
    int window;     /* c: contexts up to c steps away on either side */
    int negatives;  /* K */
    float lr;       /* eta_0 */
    float p, q;     /* node2vec's biases; p = q = 1 takes DeepWalk's fast uniform walk */
} sgns_config;

typedef struct {
    double walk_steps, pairs, walk_s, sgns_s; /* counts and seconds of the last run */
} sgns_stats;

/* The noise table: T entries, node x repeated about T deg(x)^0.75 / sum times. */
static int *noise_table(const edgelist_graph_t *g, int T)
{
    int *table = nn_malloc(sizeof(int) * (size_t)T);
    double total = 0;
    for (int v = 0; v < g->n; v++)
        total += pow((double)graph_degree(g, v), 0.75);
    int i = 0;
    double cum = 0;
    for (int v = 0; v < g->n && i < T; v++) {
        cum += pow((double)graph_degree(g, v), 0.75) / total;
        while (i < T && (double)i / T < cum)
            table[i++] = v;
    }
    while (i < T)
        table[i++] = g->n - 1;
    return table;
}

/* Z (n, d) small and random, U (n, d) zero. */
/* sgns_train: rounds first .. first + epochs - 1 of total_epochs (the learning rate decays over
 * all of them) on walks over g, updating Z (n, d) and U (n, d). Logs the mean loss of every
 * twentieth of a round to log (columns step, epoch, train_loss) when log is not
 * NULL. Returns the mean loss of the last round. */
static void sgns_init(float *Z, float *U, int n, int d, rng_t *rng)
{
    for (size_t i = 0; i < (size_t)n * d; i++)
        Z[i] = (rng_uniform(rng) - 0.5f) / d, U[i] = 0;
}

static double sgns_train(float *Z, float *U, const edgelist_graph_t *g, const sgns_config *c, int first, int epochs,
                         int total_epochs, rng_t *rng, csvlog_t *log, sgns_stats *st, const char *label)
{
    const int n = g->n, d = c->d, T = n * 50 > 1000000 ? 1000000 : n * 50 < 10000 ? 10000 : n * 50;
    int *table = noise_table(g, T), *order = nn_malloc(sizeof(int) * (size_t)n);
    int *walk = nn_malloc(sizeof(int) * (size_t)c->walk_len), ids[64];
    long maxdeg = 1;
    for (int v = 0; v < n; v++)
        maxdeg = graph_degree(g, v) > maxdeg ? graph_degree(g, v) : maxdeg;
    float *prob = nn_malloc(sizeof(float) * (size_t)maxdeg), *grad = nn_malloc(sizeof(float) * (size_t)d);
    const int k = c->negatives < 63 ? c->negatives : 63;
    const int uniform = c->p == 1.0f && c->q == 1.0f;
    const double total_walks = (double)total_epochs * n;
    double done_walks = (double)(first - 1) * n, last_loss = 0;
    memset(st, 0, sizeof *st);
    for (int e = first; e < first + epochs; e++) {
        rng_iota(order, n);
        rng_shuffle(rng, order, n);
        progress_t bar;
        char lab[64];
        snprintf(lab, sizeof lab, "%s walks %d/%d", label, e, total_epochs);
        if (label)
            progress_begin(&bar, lab, n);
        double epoch_loss = 0, chunk_loss = 0;
        long epoch_pairs = 0, chunk_pairs = 0;
        for (int s = 0; s < n; s++) {
            double t0 = timing_seconds();
            int len = uniform ? walk_uniform(walk, g, order[s], c->walk_len, rng)
                              : walk_node2vec(walk, g, order[s], c->walk_len, c->p, c->q, prob, rng);
            double t1 = timing_seconds();
            st->walk_s += t1 - t0, st->walk_steps += len - 1;
            float lr = c->lr * (float)fmax(1e-4, 1.0 - done_walks / total_walks);
            for (int i = 0; i < len; i++) {
                int w = c->window - (int)rng_below(rng, (uint32_t)c->window);
                for (int j = i - w; j <= i + w; j++) {
                    if (j < 0 || j >= len || j == i)
                        continue;
                    ids[0] = walk[j];
                    for (int t = 1; t <= k; t++) {
                        int x = table[rng_below(rng, (uint32_t)T)];
                        for (int tries = 0; x == ids[0] && tries < 10; tries++)
                            x = table[rng_below(rng, (uint32_t)T)];
                        ids[t] = x;
                    }
                    float l = sgns_step(Z + (size_t)walk[i] * d, U, ids, k, d, lr, grad);
                    chunk_loss += l, chunk_pairs++;
                }
            }
            st->sgns_s += timing_seconds() - t1;
            done_walks++;
            if ((long)(s + 1) * 20 / n != (long)s * 20 / n) { /* a twentieth of the round is done */
                double mean = chunk_pairs ? chunk_loss / chunk_pairs : 0;
                nn_check_finite(mean, "skip-gram loss", (long)done_walks);
                if (log)
                    csvlog_row(log, (double[]){done_walks, e - 1 + (s + 1.0) / n, mean});
                epoch_loss += chunk_loss, epoch_pairs += chunk_pairs;
                chunk_loss = 0, chunk_pairs = 0;
                if (label)
                    progress_step(&bar, s + 1, "loss %.4f", mean);
            }
        }
        last_loss = epoch_pairs ? epoch_loss / epoch_pairs : 0;
        st->pairs += (double)epoch_pairs;
        if (label)
            progress_end(&bar, "loss %.4f", last_loss);
    }
    free(table), free(order), free(walk), free(prob), free(grad);
    return last_loss;
}

/*md
## 9.4 Similarity: cosine or Euclidean?

Two embeddings can be compared by their dot product $z_u^\top z_v$, by the **cosine** of their
angle, $\cos(z_u, z_v) = z_u^\top z_v / (\lVert z_u \rVert \lVert z_v \rVert)$, or by the
Euclidean distance $\lVert z_u - z_v \rVert$. They disagree about *length*. Skip-gram makes
frequent nodes (hubs, common words) long: their vectors take part in many more updates. The dot
product therefore rewards popularity, Euclidean distance calls two rare nodes close just because
both are short, and the cosine ignores length and compares directions only, which is why it is
the usual choice for "which words mean the same?".

There is a fourth score, easy to forget: skip-gram never trained $z_u^\top z_v$ at all. It
trained $z_v^\top u_o$, a *center* vector against a *context* vector, to be large for nodes that
appear near each other. Two packages that both need `libc6` get similar center vectors (they have
the same contexts) without being connected; a package and the library it needs get a large
center-context product. Section 9.10 measures all four on held-out dependencies, and the
differences are large.

### Exercise 09.4 — cosine similarity

Return $\cos(a, b)$ for two vectors of $d$ floats, accumulating in double; return 0 when either
vector is zero.
*/

static float cosine(const float *a, const float *b, int d)
{
    /* BEGIN EXERCISE 09.4 (1 point): cosine similarity */
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < d; i++)
        ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
    if (aa == 0 || bb == 0)
        return 0;
    return (float)(ab / sqrt(aa * bb));
    /* END EXERCISE */
}

/*md
## 9.5 Judging a ranking: ROC AUC

**Link prediction** asks the embeddings to find edges they never saw. We hide some edges before
training (the *positives*), draw as many node pairs that are not edges (the *negatives*), score
every pair by the similarity of its two embeddings, and ask: how well do the scores separate
positives from negatives? Chapter 6 drew the ROC curve (true positive rate against false positive
rate as the threshold sweeps) and measured the area under it by trapezoids. The area has a
simpler meaning: it is the probability that a random positive scores higher than a random
negative, counting a tie as half:

$$
\mathrm{AUC} = \frac{1}{PN} \sum_{i \in \text{pos}} \sum_{j \in \text{neg}}
\Bigl( [s_i > s_j] + \tfrac12 [s_i = s_j] \Bigr).
$$

That is the Mann–Whitney $U$ statistic divided by $PN$. The double sum costs $PN$ comparisons,
but sorting gives it in $O(n \log n)$: rank all $n = P + N$ scores from 1 (lowest) to $n$,
giving tied scores the *average* of the ranks they occupy (a "midrank"). The positive with rank
$r_i$ beats $r_i - 1$ scores, of which the other positives below it account for the rest; summing
over positives, $\sum_i r_i - P(P+1)/2$ counts exactly the (positive, negative) pairs won, with
midranks contributing the half for a tie:

$$
\mathrm{AUC} = \frac{\sum_{i \in \text{pos}} r_i - P(P+1)/2}{P N}.
$$

A random scorer gets 0.5, a perfect one 1. Ties are not rare: a constant score, or two nodes
with identical neighbourhoods, and only midranks get them right.

### Exercise 09.5 — AUC from ranks

`order` holds the indices $0 \dots n-1$ sorted by increasing score (ties in any order). Assign
ranks $1 \dots n$ along it, giving each run of equal scores the average of its ranks, and return
the AUC of the formula above for labels in $\{0, 1\}$ (both classes present).
*/

static const float *g_sort_scores;

static int cmp_by_score(const void *a, const void *b)
{
    float x = g_sort_scores[*(const int *)a], y = g_sort_scores[*(const int *)b];
    if (x != y)
        return (x > y) - (x < y);
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static double auc_from_order(const float *scores, const int *labels, const int *order, int n)
{
    /* BEGIN EXERCISE 09.5 (2 points): ROC AUC by midranks (Mann-Whitney) */
    double rank_sum = 0, P = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            j++;
        double midrank = (i + 1 + j + 1) / 2.0;
        for (int t = i; t <= j; t++)
            if (labels[order[t]] == 1)
                rank_sum += midrank, P++;
        i = j + 1;
    }
    double N = n - P;
    return (rank_sum - P * (P + 1) / 2) / (P * N);
    /* END EXERCISE */
}

/* AUC of scores (n) against labels (n): sorts, then exercise 09.5. */
static double roc_auc(const float *scores, const int *labels, int n)
{
    int *order = nn_malloc(sizeof(int) * (size_t)n);
    rng_iota(order, n);
    g_sort_scores = scores;
    qsort(order, (size_t)n, sizeof(int), cmp_by_score);
    double auc = auc_from_order(scores, labels, order, n);
    free(order);
    return auc;
}

/*md
## 9.6 Seeing the embedding: PCA

Sixteen dimensions do not fit on a page. **Principal component analysis** finds the directions
along which the points vary most and projects onto the first two. Center the $n$ points,
$\tilde x_i = x_i - \bar x$, and form the covariance $C = \frac{1}{n-1} \tilde X^\top \tilde X$
($d \times d$). The variance of the projections onto a unit vector $w$ is $w^\top C w$; maximizing
it subject to $\lVert w \rVert = 1$ (a Lagrange multiplier $\lambda$: $C w = \lambda w$) gives
the eigenvector of $C$ with the largest eigenvalue, and the variance it captures is $\lambda_1$.
The second component is the best direction orthogonal to the first: the top eigenvector of the
*deflated* matrix $C - \lambda_1 w_1 w_1^\top$, which has the same eigenvectors but $w_1$'s
eigenvalue set to zero.

**Power iteration** finds the top eigenvector without any library: start from a random $w$ and
repeat $w \leftarrow C w / \lVert C w \rVert$. Writing $w$ in the eigenbasis, each step multiplies
the $i$-th coordinate by $\lambda_i$, so the ratio of the second to the first shrinks like
$(\lambda_2 / \lambda_1)^t$: a few hundred steps are plenty for our small $d$. Then
$\lambda_1 = w^\top C w$. An eigenvector's sign is arbitrary; we pick the one whose largest
coordinate (in absolute value) is positive, so that runs are comparable.

### Exercise 09.6 — the first two principal components

Given `X` (`(n, d)`, $n \ge 2$), write the top two unit eigenvectors of the covariance into
`comps` (`(2, d)`, row $c$ is component $c$, signed as above), and the coordinates of each
centered point on them into `proj` (`(n, 2)`). `Xc` (`(n, d)`), `C` (`(d, d)`) and `w`
($d$ floats) are scratch; `iters` power-iteration steps per component, starting from
`rng_normal` draws. Use `power_step` (one $w \leftarrow Cw/\lVert Cw \rVert$).
*/

/* w <- C w / |C w| for C (d, d); tmp is scratch (d). */
static void power_step(float *w, const float *C, float *tmp, int d)
{
    double norm = 0;
    for (int i = 0; i < d; i++) {
        double s = 0;
        for (int j = 0; j < d; j++)
            s += (double)C[(size_t)i * d + j] * w[j];
        tmp[i] = (float)s, norm += s * s;
    }
    norm = sqrt(norm) > 1e-30 ? sqrt(norm) : 1;
    for (int i = 0; i < d; i++)
        w[i] = (float)(tmp[i] / norm);
}

static void pca_2d(float *proj, float *comps, const float *X, int n, int d, int iters, float *Xc, float *C, float *w,
                   rng_t *rng)
{
    float *tmp = nn_malloc(sizeof(float) * (size_t)d);
    /* BEGIN EXERCISE 09.6 (2 points): PCA by power iteration with deflation */
    for (int j = 0; j < d; j++) {
        double mean = 0;
        for (int i = 0; i < n; i++)
            mean += X[(size_t)i * d + j];
        mean /= n;
        for (int i = 0; i < n; i++)
            Xc[(size_t)i * d + j] = (float)(X[(size_t)i * d + j] - mean);
    }
    matmul_blas(1, 0, d, d, n, 1.0f / (n - 1), Xc, Xc, 0.0f, C);
    for (int c = 0; c < 2; c++) {
        for (int j = 0; j < d; j++)
            w[j] = rng_normal(rng);
        for (int t = 0; t < iters; t++)
            power_step(w, C, tmp, d);
        int big = 0;
        for (int j = 1; j < d; j++)
            big = fabsf(w[j]) > fabsf(w[big]) ? j : big;
        float sign = w[big] < 0 ? -1.0f : 1.0f;
        double lambda = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                lambda += (double)w[i] * C[(size_t)i * d + j] * w[j];
        for (int j = 0; j < d; j++)
            comps[(size_t)c * d + j] = sign * w[j];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                C[(size_t)i * d + j] -= (float)(lambda * w[i] * w[j]);
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++)
            proj[(size_t)i * 2 + c] = dotf(Xc + (size_t)i * d, comps + (size_t)c * d, d);
    /* END EXERCISE */
    free(tmp);
}

/*md
## 9.7 A graph convolutional network: message passing

DeepWalk learns a vector per node without looking at labels, then a classifier uses them. A
**graph convolutional network** (GCN, Kipf and Welling 2017) learns from the labels directly, and
instead of free vectors it computes each node's representation from its neighbours'. One layer
is *message passing*: every node sends its current vector to its neighbours, every node averages
what it receives together with its own vector, and a linear layer and an activation follow:

$$
H^{(l+1)} = \varphi\bigl(\hat A\, H^{(l)} W^{(l)}\bigr), \qquad
\hat A = \tilde D^{-1/2} (A + I)\, \tilde D^{-1/2}, \quad \tilde D_{vv} = 1 + \deg(v).
$$

Adding $I$ (a self loop on every node) keeps a node's own features in its average; without it a
node forgets itself. The symmetric normalization divides the message from $u$ to $v$ by
$\sqrt{\tilde d_u \tilde d_v}$: a plain sum would grow with the degree and make hubs' vectors
explode layer after layer, and the row average $\tilde D^{-1}(A + I)$ would let a hub's one
message count as much as a quiet node's. $\hat A$ is symmetric, and its eigenvalues lie in
$(-1, 1]$, so repeated multiplication neither explodes nor vanishes. Two layers let information
travel two hops; with one-hot node features ($H^{(0)} = I$, so $H^{(0)} W^{(0)} = W^{(0)}$, a
learned vector per node) and the labels of only a few nodes, the GCN spreads them through the
graph.

**Backward.** For $Y = \hat A X$ with $\hat A$ symmetric, $\bar X = \hat A^\top \bar Y = \hat A \bar Y$:
message passing is its own backward. The rest is chapter 3: the linear layer's backward and
the ReLU's mask. The two-layer network is

$$
P = \hat A X W_1, \quad H = \mathrm{relu}(P), \quad Q = \hat A H W_2, \quad
L = \text{cross-entropy}(\mathrm{softmax}(Q), y) \text{ on the labelled nodes,}
$$

and backwards: $\bar Q$ from the loss, $\bar R = \hat A \bar Q$ for $R = H W_2$ (so
$\bar W_2 = H^\top \bar R$, $\bar H = \bar R W_2^\top$), $\bar P = \bar H \odot [P > 0]$,
$\bar S = \hat A \bar P$ for $S = X W_1$, and $\bar W_1 = X^\top \bar S$.

### Exercise 09.7 — the GCN's normalized adjacency

`ahat` already has the structure of $A + I$ (each node's list holds its neighbours and itself,
sorted) with the weights of $A$ and weight 1 on every self loop. Overwrite its weights with those
of $\hat A = \tilde D^{-1/2} (A + I) \tilde D^{-1/2}$, where $\tilde d_v$ is the sum of row
$v$'s weights of $A + I$. `dinv` is scratch for $n$ floats.
*/

/* The structure of A + I: each list gets the node itself (weight 1) merged in, sorted. */
static void graph_with_self_loops(edgelist_graph_t *out, const edgelist_graph_t *g)
{
    edges_t e = {.n = g->n};
    long cap = 0;
    for (int v = 0; v < g->n; v++) {
        int has = 0;
        for (long i = g->row_ptr[v]; i < g->row_ptr[v + 1]; i++) {
            edges_push(&e, &cap, v, g->col[i], g->w[i]);
            has |= g->col[i] == v;
        }
        if (!has)
            edges_push(&e, &cap, v, v, 1.0f);
    }
    graph_from_edges(out, &e, 0);
    edges_free(&e);
}

static void gcn_normalize(edgelist_graph_t *ahat, float *dinv)
{
    /* BEGIN EXERCISE 09.7 (2 points): the symmetric normalization D^-1/2 (A + I) D^-1/2 */
    for (int v = 0; v < ahat->n; v++) {
        double deg = 0;
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            deg += ahat->w[i];
        dinv[v] = deg > 0 ? (float)(1.0 / sqrt(deg)) : 0.0f;
    }
    for (int v = 0; v < ahat->n; v++)
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            ahat->w[i] *= dinv[v] * dinv[ahat->col[i]];
    /* END EXERCISE */
}

/* Y = Ahat X: (n, f) = (n, n) sparse times (n, f). Overwrites Y. */
static void spmm(float *Y, const edgelist_graph_t *a, const float *X, int f)
{
    for (int v = 0; v < a->n; v++) {
        float *y = Y + (size_t)v * f;
        memset(y, 0, sizeof(float) * (size_t)f);
        for (long i = a->row_ptr[v]; i < a->row_ptr[v + 1]; i++) {
            const float *x = X + (size_t)a->col[i] * f;
            float w = a->w[i];
            for (int j = 0; j < f; j++)
                y[j] += w * x[j];
        }
    }
}

/* A two-layer GCN on n nodes with F input features, H hidden units and K classes. */
typedef struct {
    int n, F, H, K;
    const edgelist_graph_t *ahat;
    float *W1, *W2;          /* (F, H), (H, K) */
    float *dW1, *dW2;        /* like W1, W2 */
    float *S, *P, *Hd, *R, *Q; /* (n,H) S = X W1, P = Ahat S, Hd = relu(P); (n,K) R = Hd W2, Q = Ahat R */
    float *dQ, *dR, *dH, *dP, *dS;
} gcn_t;

static gcn_t gcn_new(const edgelist_graph_t *ahat, int F, int H, int K, rng_t *rng)
{
    const size_t n = (size_t)ahat->n;
    gcn_t m = {.n = ahat->n, .F = F, .H = H, .K = K, .ahat = ahat};
    m.W1 = nn_malloc(sizeof(float) * (size_t)F * H), m.W2 = nn_malloc(sizeof(float) * (size_t)H * K);
    m.dW1 = nn_malloc(sizeof(float) * (size_t)F * H), m.dW2 = nn_malloc(sizeof(float) * (size_t)H * K);
    float a1 = sqrtf(6.0f / (F + H)), a2 = sqrtf(6.0f / (H + K)); /* Glorot, as Kipf and Welling */
    for (size_t i = 0; i < (size_t)F * H; i++)
        m.W1[i] = rng_range(rng, -a1, a1);
    for (size_t i = 0; i < (size_t)H * K; i++)
        m.W2[i] = rng_range(rng, -a2, a2);
    m.S = nn_malloc(sizeof(float) * n * H), m.P = nn_malloc(sizeof(float) * n * H);
    m.Hd = nn_malloc(sizeof(float) * n * H), m.dH = nn_malloc(sizeof(float) * n * H);
    m.dP = nn_malloc(sizeof(float) * n * H), m.dS = nn_malloc(sizeof(float) * n * H);
    m.R = nn_malloc(sizeof(float) * n * K), m.Q = nn_malloc(sizeof(float) * n * K);
    m.dQ = nn_malloc(sizeof(float) * n * K), m.dR = nn_malloc(sizeof(float) * n * K);
    return m;
}

static void gcn_free(gcn_t *m)
{
    float *p[] = {m->W1, m->W2, m->dW1, m->dW2, m->S, m->P, m->Hd, m->R, m->Q, m->dQ, m->dR, m->dH, m->dP, m->dS};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        free(p[i]);
}

/* Forward: X (n, F) -> logits m->Q (n, K). */
static void gcn_forward(gcn_t *m, const float *X)
{
    linear_forward(m->S, X, m->W1, NULL, m->n, m->F, m->H);
    spmm(m->P, m->ahat, m->S, m->H);
    for (size_t i = 0; i < (size_t)m->n * m->H; i++)
        m->Hd[i] = m->P[i] > 0 ? m->P[i] : 0;
    linear_forward(m->R, m->Hd, m->W2, NULL, m->n, m->H, m->K);
    spmm(m->Q, m->ahat, m->R, m->K);
}

/* Backward from dQ (n, K) (already in m->dQ): fills dW1, dW2. X (n, F) is the forward input. */
static void gcn_backward(gcn_t *m, const float *X)
{
    spmm(m->dR, m->ahat, m->dQ, m->K); /* Ahat is symmetric: its backward is itself */
    linear_backward(m->dH, m->dW2, NULL, m->dR, m->Hd, m->W2, m->n, m->H, m->K);
    for (size_t i = 0; i < (size_t)m->n * m->H; i++)
        m->dP[i] = m->P[i] > 0 ? m->dH[i] : 0;
    spmm(m->dS, m->ahat, m->dP, m->H);
    linear_backward(NULL, m->dW1, NULL, m->dS, X, m->W1, m->n, m->F, m->H);
}

/* Softmax cross-entropy on the rows listed in idx (count); writes dQ for all rows (0 elsewhere).
 * Returns the mean loss over those rows. */
static float gcn_loss(gcn_t *m, const int *labels, const int *idx, int count, float *zbuf, float *dzbuf, int *ybuf)
{
    for (int i = 0; i < count; i++) {
        memcpy(zbuf + (size_t)i * m->K, m->Q + (size_t)idx[i] * m->K, sizeof(float) * (size_t)m->K);
        ybuf[i] = labels[idx[i]];
    }
    float loss = softmax_cross_entropy(dzbuf, zbuf, ybuf, count, m->K);
    memset(m->dQ, 0, sizeof(float) * (size_t)m->n * m->K);
    for (int i = 0; i < count; i++)
        memcpy(m->dQ + (size_t)idx[i] * m->K, dzbuf + (size_t)i * m->K, sizeof(float) * (size_t)m->K);
    return loss;
}

/*md
## 9.8 Node classification and link prediction

With embeddings in hand, node classification is chapter 2's softmax regression with the
embeddings as features: `softreg_fit` trains $W \in \mathbb{R}^{d \times K}$ and $b$ by Adam on
the labelled nodes, and predicts the others. We standardize nothing: skip-gram's vectors are
already on a common scale.
*/

/* Softmax regression on rows idx of X (n, d) with labels: W (d, K), b (K), `steps` full-batch Adam
 * steps with a little L2 (weight decay 1e-3). */
static void softreg_fit(float *W, float *b, const float *X, const int *labels, const int *idx, int count, int d,
                        int K, int steps, float lr)
{
    float *xb = nn_malloc(sizeof(float) * (size_t)count * d), *z = nn_malloc(sizeof(float) * (size_t)count * K);
    float *dz = nn_malloc(sizeof(float) * (size_t)count * K);
    int *y = nn_malloc(sizeof(int) * (size_t)count);
    const size_t np = (size_t)d * K + K;
    float *params = nn_calloc(np, sizeof(float)), *grads = nn_malloc(sizeof(float) * np);
    for (int i = 0; i < count; i++) {
        memcpy(xb + (size_t)i * d, X + (size_t)idx[i] * d, sizeof(float) * (size_t)d);
        y[i] = labels[idx[i]];
    }
    adam_t opt = adam_new(np, lr);
    for (int s = 0; s < steps; s++) {
        linear_forward(z, xb, params, params + (size_t)d * K, count, d, K);
        softmax_cross_entropy(dz, z, y, count, K);
        linear_backward(NULL, grads, grads + (size_t)d * K, dz, xb, params, count, d, K);
        for (size_t i = 0; i < (size_t)d * K; i++)
            grads[i] += 1e-3f * params[i];
        adam_step(&opt, params, grads);
    }
    memcpy(W, params, sizeof(float) * (size_t)d * K);
    memcpy(b, params + (size_t)d * K, sizeof(float) * (size_t)K);
    adam_free(&opt);
    free(xb), free(z), free(dz), free(y), free(params), free(grads);
}

/* Predicted class of every row of X (n, d). */
static void softreg_predict(int *pred, const float *W, const float *b, const float *X, int n, int d, int K)
{
    float *z = nn_malloc(sizeof(float) * (size_t)K);
    for (int i = 0; i < n; i++) {
        linear_forward(z, X + (size_t)i * d, W, b, 1, d, K);
        int best = 0;
        for (int c = 1; c < K; c++)
            best = z[c] > z[best] ? c : best;
        pred[i] = best;
    }
    free(z);
}

/*md
**Link prediction.** We hold out a share of the edges: in a shuffled order, an edge $\{u, v\}$
is held out when both $u$ and $v$ keep at least one other edge (a node without edges would have
no walks and a random vector: a test of nothing). The rest is the training graph. For every
held-out edge we also draw a random pair that is not an edge of the full graph. Half of the pairs
(with as many negatives) are the validation set, watched during training; the other half is the
test set, scored once at the end.
*/

typedef struct {
    int count;
    int *u, *v, *label; /* (count) pairs and 1 = edge, 0 = non-edge */
} pairs_t;

static void pairs_free(pairs_t *p)
{
    free(p->u), free(p->v), free(p->label);
    memset(p, 0, sizeof *p);
}

/* Split the undirected, merged graph g into a training graph (edges kept) and validation and test
 * pairs: `share` of the edges held out, each with one random non-edge. */
static void split_edges(edgelist_graph_t *train, pairs_t *val, pairs_t *test, const edgelist_graph_t *g, float share, rng_t *rng)
{
    long E = 0;
    for (int v = 0; v < g->n; v++)
        for (long i = g->row_ptr[v]; i < g->row_ptr[v + 1]; i++)
            E += g->col[i] > v;
    int *eu = nn_malloc(sizeof(int) * (size_t)E), *ev = nn_malloc(sizeof(int) * (size_t)E);
    int *order = nn_malloc(sizeof(int) * (size_t)E), *held = nn_calloc((size_t)E, sizeof(int));
    long *deg = nn_malloc(sizeof(long) * (size_t)g->n);
    long k = 0;
    for (int v = 0; v < g->n; v++) {
        deg[v] = graph_degree(g, v);
        for (long i = g->row_ptr[v]; i < g->row_ptr[v + 1]; i++)
            if (g->col[i] > v)
                eu[k] = v, ev[k++] = g->col[i];
    }
    rng_iota(order, (int)E);
    rng_shuffle(rng, order, (int)E);
    long want = (long)(share * E), got = 0;
    for (long i = 0; i < E && got < want; i++) {
        int e = order[i];
        if (deg[eu[e]] > 1 && deg[ev[e]] > 1)
            held[e] = 1, deg[eu[e]]--, deg[ev[e]]--, got++;
    }
    edges_t kept = {.n = g->n};
    long cap = 0;
    pairs_t *sets[2] = {val, test};
    for (int s = 0; s < 2; s++) {
        long c = 2 * (s == 0 ? got / 2 : got - got / 2);
        sets[s]->count = (int)c;
        sets[s]->u = nn_malloc(sizeof(int) * (size_t)c + 1);
        sets[s]->v = nn_malloc(sizeof(int) * (size_t)c + 1);
        sets[s]->label = nn_malloc(sizeof(int) * (size_t)c + 1);
        sets[s]->count = 0;
    }
    long h = 0;
    for (long i = 0; i < E; i++) {
        int e = order[i];
        if (!held[e]) {
            edges_push(&kept, &cap, eu[e], ev[e], 1.0f);
            continue;
        }
        pairs_t *p = h++ < got / 2 ? val : test;
        p->u[p->count] = eu[e], p->v[p->count] = ev[e], p->label[p->count++] = 1;
        int a, b;
        do
            a = (int)rng_below(rng, (uint32_t)g->n), b = (int)rng_below(rng, (uint32_t)g->n);
        while (a == b || graph_has_edge(g, a, b));
        p->u[p->count] = a, p->v[p->count] = b, p->label[p->count++] = 0;
    }
    graph_from_edges(train, &kept, 1);
    edges_free(&kept);
    free(eu), free(ev), free(order), free(held), free(deg);
}

/* The positives of p with harder negatives: for each edge (u, v), a pair (u, x) with x drawn in
 * proportion to its degree (the target of a random arc of g) and not a neighbour of u. Both
 * kinds of pairs then touch nodes of the same popularity. */
static void pairs_degree_matched(pairs_t *out, const pairs_t *p, const edgelist_graph_t *g, rng_t *rng)
{
    out->u = nn_malloc(sizeof(int) * (size_t)p->count + 1), out->v = nn_malloc(sizeof(int) * (size_t)p->count + 1);
    out->label = nn_malloc(sizeof(int) * (size_t)p->count + 1);
    out->count = 0;
    for (int i = 0; i < p->count; i++) {
        if (!p->label[i])
            continue;
        int u = p->u[i], x = u;
        for (int tries = 0; tries < 100 && (x == u || graph_has_edge(g, u, x)); tries++)
            x = g->col[(long)(rng_uniform(rng) * (double)g->m) % g->m];
        if (x == u || graph_has_edge(g, u, x))
            continue;
        out->u[out->count] = u, out->v[out->count] = p->v[i], out->label[out->count++] = 1;
        out->u[out->count] = u, out->v[out->count] = x, out->label[out->count++] = 0;
    }
}

typedef enum { SIM_COSINE, SIM_DOT, SIM_EUCLID, SIM_CONTEXT } sim_kind;

static float similarity(const float *a, const float *b, int d, sim_kind s)
{
    if (s == SIM_COSINE)
        return cosine(a, b, d);
    if (s == SIM_DOT)
        return dotf(a, b, d);
    double e = 0;
    for (int i = 0; i < d; i++)
        e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return (float)-sqrt(e); /* closer is more similar */
}

/* Score every pair by the similarity of its embeddings (rows of Z, (n, d)) and return the AUC;
 * scores (count) receives the scores. SIM_CONTEXT scores (z_u . u_v + z_v . u_u) / 2 with the
 * context vectors U (n, d): the quantity skip-gram trained. */
static double pairs_auc(float *scores, const pairs_t *p, const float *Z, const float *U, int d, sim_kind s)
{
    for (int i = 0; i < p->count; i++) {
        const float *zu = Z + (size_t)p->u[i] * d, *zv = Z + (size_t)p->v[i] * d;
        scores[i] = s == SIM_CONTEXT ? 0.5f * (dotf(zu, U + (size_t)p->v[i] * d, d) + dotf(zv, U + (size_t)p->u[i] * d, d))
                                     : similarity(zu, zv, d, s);
    }
    return roc_auc(scores, p->label, p->count);
}

/*md
## 9.9 Debian's package graph

Every Debian system carries a graph of tens of thousands of nodes: its packages and their
dependencies. `apt-cache dumpavail` prints every known package as a paragraph of `Field: value`
lines; we keep three fields:

    Package: python3-numpy
    Section: python
    Depends: python3 (<< 3.12), python3 (>= 3.11~), python3:any, libblas3 | libblas.so.3, libc6 (>= 2.35), ...

A dependency is a comma-separated list of package names, each maybe with a version constraint
in parentheses and an architecture after a colon, and `a | b` means "either": we take the first
alternative that is a real package (names that are only *provided* by others, like
`libblas.so.3`, are not nodes). `Pre-Depends` counts as `Depends`. The graph is directed
("needs"), but for embeddings we treat it as undirected: two packages are related whichever
needs the other. The section (`python`, `libs`, `perl`, `devel`, `utils`, with the `contrib/` or
`non-free/` prefix removed) is the label we will predict.

On a fresh system the list may be empty (no `apt-get update` yet): the loader then stops with
that hint rather than training on nothing. `--packages FILE` reads a saved `dumpavail` instead;
the tests and `--quick` use the small excerpt in `datasets/debian-packages-sample/`.
*/

typedef struct {
    int n;
    char **names;    /* (n) */
    int *section;    /* (n) index into sections */
    int n_sections;
    char **sections; /* (n_sections) */
    edges_t deps;    /* u depends on v */
} packages_t;

static void packages_free(packages_t *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->names[i]);
    for (int i = 0; i < p->n_sections; i++)
        free(p->sections[i]);
    free(p->names), free(p->section), free(p->sections);
    edges_free(&p->deps);
    memset(p, 0, sizeof *p);
}

/* An open-addressing hash table from strings to ids (names[id]). */
typedef struct {
    int *slots; /* (cap) id or -1 */
    size_t cap;
    char **names;
} strmap_t;

static uint64_t str_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* The slot of s (len bytes) in m: where it is or where it would go. */
static size_t strmap_slot(const strmap_t *m, const char *s, size_t len)
{
    size_t i = str_hash(s, len) & (m->cap - 1);
    while (m->slots[i] >= 0 && (strncmp(m->names[m->slots[i]], s, len) != 0 || m->names[m->slots[i]][len] != '\0'))
        i = (i + 1) & (m->cap - 1);
    return i;
}

typedef struct {
    char *name, *section, *depends;
} stanza_t;

static void stanza_take(stanza_t *st, const char *field, const char *value)
{
    size_t len = strlen(value);
    while (len && (value[len - 1] == '\n' || value[len - 1] == '\r' || value[len - 1] == ' '))
        len--;
    if (strcmp(field, "Package") == 0 && !st->name)
        st->name = strndup(value, len);
    else if (strcmp(field, "Section") == 0 && !st->section)
        st->section = strndup(value, len);
    else if (strcmp(field, "Depends") == 0 || strcmp(field, "Pre-Depends") == 0) {
        size_t old = st->depends ? strlen(st->depends) : 0;
        st->depends = realloc(st->depends, old + len + 3);
        if (old)
            st->depends[old++] = ',';
        memcpy(st->depends + old, value, len);
        st->depends[old + len] = '\0';
    }
}

/* Read dumpavail-format text from f (source names it in messages). Returns 0 or -1. */
static int packages_read(packages_t *out, FILE *f, const char *source)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    stanza_t *st = NULL;
    size_t count = 0;
    char *line = NULL;
    size_t len = 0;
    stanza_t cur = {0};
    int more = 1;
    while (more) {
        more = getline(&line, &len, f) > 0;
        if (more && line[0] != '\n' && line[0] != '\r') {
            if (line[0] == ' ' || line[0] == '\t' || line[0] == '#')
                continue;
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            *colon = '\0';
            char *value = colon + 1;
            while (*value == ' ')
                value++;
            stanza_take(&cur, line, value);
            continue;
        }
        if (cur.name) { /* end of a paragraph */
            if (count == cap) {
                cap = cap ? 2 * cap : 1024;
                st = realloc(st, sizeof *st * cap);
                if (!st)
                    nn_fatal(NULL, "out of memory reading %zu packages", count);
            }
            st[count++] = cur;
        } else
            free(cur.section), free(cur.depends);
        memset(&cur, 0, sizeof cur);
    }
    free(line);
    if (count == 0) {
        nn_error("the package list is empty: run 'sudo apt-get update' (then apt-cache dumpavail prints "
                 "every package), or pass --packages datasets/debian-packages-sample/packages.txt",
                 "%s: expected 'Package: ...' paragraphs, got no packages", source);
        free(st);
        return -1;
    }
    /* Names to ids, first paragraph wins (a package listed twice is one node). */
    strmap_t map = {.cap = 1};
    while (map.cap < 2 * count)
        map.cap *= 2;
    map.slots = nn_malloc(sizeof(int) * map.cap);
    memset(map.slots, 0xff, sizeof(int) * map.cap);
    out->names = nn_malloc(sizeof(char *) * count);
    out->section = nn_malloc(sizeof(int) * count);
    map.names = out->names;
    int *id_of = nn_malloc(sizeof(int) * count); /* stanza -> node, -1 for a duplicate */
    strmap_t secmap = {.cap = 256};
    secmap.slots = nn_malloc(sizeof(int) * secmap.cap);
    memset(secmap.slots, 0xff, sizeof(int) * secmap.cap);
    out->sections = nn_malloc(sizeof(char *) * secmap.cap);
    secmap.names = out->sections;
    for (size_t i = 0; i < count; i++) {
        size_t s = strmap_slot(&map, st[i].name, strlen(st[i].name));
        if (map.slots[s] >= 0) {
            id_of[i] = -1;
            free(st[i].name);
            continue;
        }
        map.slots[s] = out->n;
        out->names[out->n] = st[i].name;
        const char *sec = st[i].section ? st[i].section : "unknown";
        const char *slash = strrchr(sec, '/');
        sec = slash ? slash + 1 : sec;
        size_t ss = strmap_slot(&secmap, sec, strlen(sec));
        if (secmap.slots[ss] < 0) {
            if (out->n_sections >= 200)
                ss = strmap_slot(&secmap, "unknown", 7);
            if (secmap.slots[ss] < 0) {
                secmap.slots[ss] = out->n_sections;
                out->sections[out->n_sections++] = strdup(slash || st[i].section ? sec : "unknown");
            }
        }
        out->section[out->n] = secmap.slots[ss];
        id_of[i] = out->n++;
    }
    /* Dependencies: "a (>= 1), b:any | c, d" -> the first alternative that is a package. */
    long ecap = 0;
    out->deps.n = out->n;
    for (size_t i = 0; i < count; i++) {
        if (id_of[i] >= 0 && st[i].depends) {
            for (char *clause = strtok(st[i].depends, ","); clause; clause = strtok(NULL, ",")) {
                char *alt = clause, *bar;
                do {
                    bar = strchr(alt, '|');
                    while (*alt == ' ')
                        alt++;
                    size_t l = strcspn(alt, " :(|[");
                    size_t s = l ? strmap_slot(&map, alt, l) : 0;
                    if (l && map.slots[s] >= 0) {
                        if (map.slots[s] != id_of[i])
                            edges_push(&out->deps, &ecap, id_of[i], map.slots[s], 1.0f);
                        break;
                    }
                    alt = bar ? bar + 1 : NULL;
                } while (alt);
            }
        }
        free(st[i].section), free(st[i].depends);
    }
    free(st), free(id_of), free(map.slots), free(secmap.slots);
    if (out->deps.count == 0) {
        nn_error("is this the output of apt-cache dumpavail, with Depends fields naming listed packages?",
                 "%s: %d packages but no dependency between them: expected a graph", source, out->n);
        packages_free(out);
        return -1;
    }
    return 0;
}

/* From a file, or (path NULL) from `apt-cache dumpavail`. */
static int packages_load(packages_t *out, const char *path)
{
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            nn_error("the committed excerpt is datasets/debian-packages-sample/packages.txt",
                     "%s: cannot open the package list", path);
            return -1;
        }
        int rc = packages_read(out, f, path);
        fclose(f);
        return rc;
    }
    FILE *f = popen("apt-cache dumpavail 2>/dev/null", "r");
    if (!f) {
        nn_error("install apt (Debian/Ubuntu) or pass --packages FILE", "cannot run apt-cache dumpavail");
        return -1;
    }
    int rc = packages_read(out, f, "apt-cache dumpavail");
    int status = pclose(f);
    if (rc == 0 && status != 0)
        fprintf(stderr, "warning: apt-cache dumpavail exited with status %d; using the %d packages it printed\n",
                status, out->n);
    return rc;
}

/*md
## 9.10 The program

`main` runs both graphs in order and writes everything to `out/09/`:

1. the karate club: node2vec walks ($p = 1$, $q = 0.5$), skip-gram, the PCA figure, node
   classification from half the members' labels, and the GCN trained from two labels only,
   drawn by Graphviz coloured by its predicted faction;
2. the package graph: DeepWalk on the training graph with the validation AUC watched after each
   round of walks, then the test AUC by every score, the ROC figure, and section prediction.

`--quick` uses the committed package excerpt and few walks; `--packages FILE` reads another
`dumpavail` file; `--bench` times DeepWalk on the full package graph and prints one line.

**The karate club.** With 200 node2vec walks of 20 steps from every member, a softmax regression
on the 16-dimensional embeddings, trained on the factions of a random half of the club, predicts
the other half's about 92% of the time (the mean over 20 random halves). The first two principal
components already separate the two sides:

![The karate club's node2vec embeddings projected on their first two principal components, coloured by the faction each member joined.](out/09/karate_pca.svg)

The GCN, given the labels of only the instructor (member 0) and the administrator (member 33),
gets 33 of the 34 members right. The one it misses is member 8 (individual 9 in Zachary's paper),
the one member Zachary's own flow model misplaced too: closer by friendships to the
administrator's side, he stayed with the instructor, for a reason (Zachary reports he was weeks
away from his black belt) that no method reading only the friendships can see. Fill colour is the GCN's prediction, the outline the
faction each member joined; the double circle marks the miss:

![Zachary's karate club drawn by Graphviz (neato), coloured by the faction a two-layer GCN predicts from two labelled members.](out/09/karate.svg)

**The package graph.** On the machine that wrote this chapter `apt-cache dumpavail` listed about
64,000 packages with about 250,000 dependencies among them (your numbers depend on your apt
sources). Three rounds of walks (20 nodes each, window 3, 5 negatives, $d = 32$) are
3.3 million walk steps and 12.8 million skip-gram pairs; the whole program takes about half a
minute of one core. The
skip-gram loss falls and the validation AUC rises round by round:

![DeepWalk on the package graph: the skip-gram loss over the three rounds of walks, and the validation AUC (dot product) of held-out dependencies after each round.](out/09/loss.svg)

The test edges tell a story in two parts. Against *random* non-edges, the dot product reaches an
AUC of about 0.92, above the 0.9 we aimed for, but a score that learns nothing, the sum of the two
packages' log-degrees, does just as well (about 0.93): a random pair of packages is almost always
two obscure ones, while a real dependency almost always touches a popular library. Link
prediction with random negatives is mostly a popularity contest, and the dot product, which keeps
the vectors' lengths, wins it. The cosine (about 0.61) throws length away and loses.

So we make the test fair: for each held-out edge $(u, v)$ we draw a non-edge $(u, x)$ with $x$ as
popular as a real dependency target (drawn in proportion to its degree). Now the degrees alone
are no better than chance (about 0.53), the dot product falls to about 0.71, the cosine to about
0.76, and the score skip-gram actually trained, center against context
$\frac12 (z_u^\top u_v + z_v^\top u_u)$, reaches about 0.92. It has learnt *which* popular
library a package needs, not only that it needs one:

![ROC curves of held-out dependencies against degree-matched non-edges: the center-context score, cosine, dot product, Euclidean distance and the degrees alone.](out/09/roc.svg)

Euclidean distance is worst everywhere (about 0.26 with random negatives, below chance: the
short vectors of rare packages are close to each other). And the section of a package (`libs`,
`python`, `perl`, `devel`, ... the ten most common) is predicted from its embedding alone for
about 67% of held-out packages, where always answering the most common section (`libs`) scores
about 19%.
*/

#ifndef GRADING

/* Write out/09/karate_pca.csv (x y faction pred) and draw it. */
static int plot_pca(const char *dir, const char *name, const char *title, const float *proj, const int *labels,
                    const int *pred, int n, const char *const *class_names, int K)
{
    char path[4096], csv[128];
    snprintf(csv, sizeof csv, "%s.csv", name);
    io_file_t out;
    if (io_create(&out, io_join(path, dir, csv)) != 0)
        return -1;
    fprintf(out.f, "x,y,label,pred\n");
    for (int i = 0; i < n; i++)
        fprintf(out.f, "%g,%g,%d,%d\n", proj[2 * i], proj[2 * i + 1], labels[i], pred ? pred[i] : labels[i]);
    if (io_commit(&out) != 0)
        return -1;
    char body[2048];
    int len = snprintf(body, sizeof body, "set title '%s'\nset xlabel 'PC 1'\nset ylabel 'PC 2'\nset key below\n"
                       "plot ", title);
    for (int c = 0; c < K; c++)
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "%s'%s' every ::1 using 1:($3==%d?$2:1/0) with points pt 7 ps %s title '%s'", c ? ", " : "",
                        csv, c, n < 100 ? "1.4" : "0.4", class_names[c]);
    return plot_render(dir, name, 800, 600, body);
}

/* The karate club drawn by dot: fill = predicted faction, outline = true faction. */
static int draw_karate(const char *dir, const edgelist_graph_t *g, const int *truth, const int *pred)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    fprintf(f, "graph karate {\n  layout=neato; overlap=false; splines=true; node [shape=circle, style=filled, "
               "fontname=\"sans\", fontsize=10, width=0.35, penwidth=3];\n");
    const char *fill[2] = {"#9ecae1", "#fdae6b"}, *line[2] = {"#08519c", "#a63603"};
    for (int v = 0; v < g->n; v++)
        fprintf(f, "  %d [fillcolor=\"%s\", color=\"%s\"%s];\n", v, fill[pred[v]], line[truth[v]],
                pred[v] != truth[v] ? ", shape=doublecircle" : "");
    for (int v = 0; v < g->n; v++)
        for (long i = g->row_ptr[v]; i < g->row_ptr[v + 1]; i++)
            if (g->col[i] > v)
                fprintf(f, "  %d -- %d [color=\"#888888\"];\n", v, g->col[i]);
    fprintf(f, "}\n");
    fclose(f);
    int rc = graphviz_render(dir, "karate", buf);
    free(buf);
    return rc;
}

/* Part 1: the karate club. */
static int run_karate(const flags_t *f, const char *datadir, rng_t *rng)
{
    char path[4096], lpath[4096];
    edgelist_graph_t g;
    const edgelist_options_t undirected34 = {.n = 34, .undirected = 1};
    if (edgelist_read(&g, io_join(path, datadir, "karate/karate.edges"), &undirected34) != 0)
        return -1;
    int labels[34];
    if (labels_load(labels, 34, io_join(lpath, datadir, "karate/karate.labels")) != 2) {
        edgelist_free(&g);
        return -1;
    }
    printf("karate club: %d members, %ld friendships (%ld arcs in CSR); degree of the instructor (0) %ld, of the "
           "administrator (33) %ld\n", g.n, g.m / 2, g.m, graph_degree(&g, 0), graph_degree(&g, 33));

    /* node2vec embeddings */
    const int d = 16, n = g.n;
    {   /* one skip-gram step must lower its pair's loss (exercise 09.3 at work) */
        float v[16], Ut[6 * 16], grad[16];
        for (int i = 0; i < 16; i++)
            v[i] = rng_normal(rng) * 0.3f;
        for (int i = 0; i < 6 * 16; i++)
            Ut[i] = rng_normal(rng) * 0.3f;
        const int ids[6] = {0, 1, 2, 3, 4, 5};
        double before = sgns_loss(v, Ut, ids, 5, 16);
        sgns_step(v, Ut, ids, 5, 16, 0.1f, grad);
        printf("one skip-gram step (lr 0.1, 5 negatives) on random vectors: the pair's loss goes from %.3f to %.3f\n",
               before, sgns_loss(v, Ut, ids, 5, 16));
    }
    sgns_config c = {.d = d, .walk_len = 20, .window = 5, .negatives = 5, .lr = 0.025f, .p = 1.0f, .q = 0.5f};
    float *Z = nn_malloc(sizeof(float) * (size_t)n * d), *U = nn_malloc(sizeof(float) * (size_t)n * d);
    sgns_stats st;
    const int rounds = f->quick ? 40 : 200;
    sgns_init(Z, U, n, d, rng);
    double loss = sgns_train(Z, U, &g, &c, 1, rounds, rounds, rng, NULL, &st, NULL);
    printf("node2vec (p 1, q 0.5), %d walks of %d per member, skip-gram d %d: final loss %.3f\n", rounds,
           c.walk_len, d, loss);

    /* node classification: half the members labelled, 20 random halves */
    int idx[34], pred[34], splits = 20;
    double acc_sum = 0;
    float W[16 * 2], b[2];
    for (int s = 0; s < splits; s++) {
        rng_iota(idx, n);
        rng_shuffle(rng, idx, n);
        softreg_fit(W, b, Z, labels, idx, n / 2, d, 2, 300, 0.05f);
        softreg_predict(pred, W, b, Z, n, d, 2);
        int right = 0;
        for (int i = n / 2; i < n; i++)
            right += pred[idx[i]] == labels[idx[i]];
        acc_sum += (double)right / (n - n / 2);
    }
    printf("faction of the unlabelled half from the embeddings (softmax regression), mean over %d splits: %.2f\n",
           splits, acc_sum / splits);

    /* PCA of the embeddings */
    float proj[34 * 2], comps[2 * 16], Xc[34 * 16], C[16 * 16], w[16];
    pca_2d(proj, comps, Z, n, d, 200, Xc, C, w, rng);
    const char *factions[2] = {"the instructor (0) and his side", "the administrator (33) and his side"};
    int rc = plot_pca(f->out, "karate_pca", "karate club: node2vec embeddings, first two principal components", proj,
                      labels, NULL, n, factions, 2);

    /* GCN from two labels: the instructor and the administrator */
    edgelist_graph_t ahat;
    graph_with_self_loops(&ahat, &g);
    float dinv[34];
    gcn_normalize(&ahat, dinv);
    gcn_t m = gcn_new(&ahat, n, 16, 2, rng);
    float *X = nn_calloc((size_t)n * n, sizeof(float)), zb[4], dzb[4];
    for (int i = 0; i < n; i++)
        X[(size_t)i * n + i] = 1;
    int seeds[2] = {0, 33}, yb[2];
    const size_t np1 = (size_t)n * 16, np = np1 + 16 * 2;
    float *params = nn_malloc(sizeof(float) * np), *grads = nn_malloc(sizeof(float) * np);
    memcpy(params, m.W1, sizeof(float) * np1), memcpy(params + np1, m.W2, sizeof(float) * 32);
    adam_t opt = adam_new(np, 0.01f);
    float gl = 0;
    for (int step = 0; step < 200; step++) {
        memcpy(m.W1, params, sizeof(float) * np1), memcpy(m.W2, params + np1, sizeof(float) * 32);
        gcn_forward(&m, X);
        gl = gcn_loss(&m, labels, seeds, 2, zb, dzb, yb);
        gcn_backward(&m, X);
        memcpy(grads, m.dW1, sizeof(float) * np1), memcpy(grads + np1, m.dW2, sizeof(float) * 32);
        for (size_t i = 0; i < np; i++)
            grads[i] += 5e-4f * params[i];
        adam_step(&opt, params, grads);
    }
    memcpy(m.W1, params, sizeof(float) * np1), memcpy(m.W2, params + np1, sizeof(float) * 32);
    gcn_forward(&m, X);
    int right = 0;
    for (int v = 0; v < n; v++) {
        pred[v] = m.Q[2 * v + 1] > m.Q[2 * v];
        right += pred[v] == labels[v];
    }
    printf("GCN (2 layers, 16 hidden) trained on the labels of members 0 and 33 only: loss %.3f, %d of 34 "
           "factions right\n", gl, right);
    rc |= draw_karate(f->out, &g, labels, pred);
    adam_free(&opt);
    gcn_free(&m), edgelist_free(&ahat), free(X), free(params), free(grads);
    free(Z), free(U), edgelist_free(&g);
    return rc;
}

/* Write the ROC curve of scores against p's labels to dir/roc_<name>.csv. */
static int write_roc(const char *dir, const char *name, const float *scores, const pairs_t *p)
{
    const size_t n = (size_t)p->count;
    double *fpr = nn_malloc(sizeof(double) * (n + 1)), *tpr = nn_malloc(sizeof(double) * (n + 1));
    char path[4096], csv[64];
    snprintf(csv, sizeof csv, "roc_%s.csv", name);
    int pts = metrics_roc_curve(fpr, tpr, scores, p->label, n);
    io_file_t out;
    int rc = -1;
    if (pts > 0 && io_create(&out, io_join(path, dir, csv)) == 0) {
        fprintf(out.f, "fpr,tpr\n");
        int stride = pts > 2000 ? pts / 2000 : 1; /* 2,000 points draw the same curve */
        for (int i = 0; i < pts; i += stride)
            fprintf(out.f, "%.5f,%.5f\n", fpr[i], tpr[i]);
        fprintf(out.f, "%.5f,%.5f\n", fpr[pts - 1], tpr[pts - 1]);
        rc = io_commit(&out);
    }
    free(fpr), free(tpr);
    return rc;
}

/* Test AUC by each similarity and by the degree baseline, against random and against
 * degree-matched non-edges; the ROC curves of the degree-matched ones in one figure. */
static int report_links(const char *dir, const pairs_t *test, const pairs_t *hard, const edgelist_graph_t *train, const float *Z,
                        const float *U, int d, float *scores)
{
    const char *names[4] = {"cosine", "dot", "euclidean", "context"};
    const sim_kind kinds[4] = {SIM_COSINE, SIM_DOT, SIM_EUCLID, SIM_CONTEXT};
    const pairs_t *sets[2] = {test, hard};
    int rc = 0;
    for (int s = 0; s < 2; s++) {
        const pairs_t *p = sets[s];
        printf("link prediction, %d held-out edges against %s non-edges: ROC AUC", p->count / 2,
               s ? "degree-matched" : "random");
        for (int k = 0; k < 4; k++) {
            printf(" %s %.4f,", names[k], pairs_auc(scores, p, Z, U, d, kinds[k]));
            if (s == 1)
                rc |= write_roc(dir, names[k], scores, p);
        }
        /* the baseline without any learning: popular packages get the edges */
        for (int i = 0; i < p->count; i++)
            scores[i] = (float)(log1p((double)graph_degree(train, p->u[i])) + log1p((double)graph_degree(train, p->v[i])));
        printf(" degrees alone %.4f\n", roc_auc(scores, p->label, p->count));
        if (s == 1)
            rc |= write_roc(dir, "degrees", scores, p);
    }
    rc |= plot_render(dir, "roc", 700, 640,
                      "set title 'held-out dependencies against degree-matched non-edges'\nset xlabel 'false positive "
                      "rate'\nset ylabel 'true positive rate'\nset key bottom right\nset size square\n"
                      "plot 'roc_context.csv' every ::1 with lines lw 2 title 'center . context  z_u . u_v', "
                      "'roc_cosine.csv' every ::1 with lines lw 2 title 'cosine', "
                      "'roc_dot.csv' every ::1 with lines lw 2 title 'dot product z_u . z_v', "
                      "'roc_euclidean.csv' every ::1 with lines lw 2 title 'Euclidean distance', "
                      "'roc_degrees.csv' every ::1 with lines lw 2 dt 3 title 'degrees alone (no learning)', "
                      "x with lines dt 2 lc 'gray' title 'chance'");
    return rc;
}

/* Section prediction: the 10 most common sections, packages with at least one dependency edge,
 * 80% to train a softmax regression on the embeddings, 20% to test. */
static int report_sections(const packages_t *pk, const edgelist_graph_t *g, const float *Z, int d, rng_t *rng)
{
    enum { K = 10 };
    long *count = nn_calloc((size_t)pk->n_sections, sizeof(long));
    for (int v = 0; v < pk->n; v++)
        count[pk->section[v]] += graph_degree(g, v) > 0;
    int top[K], k = 0;
    for (; k < K && k < pk->n_sections; k++) {
        int best = -1;
        for (int s = 0; s < pk->n_sections; s++) {
            int used = 0;
            for (int t = 0; t < k; t++)
                used |= top[t] == s;
            if (!used && (best < 0 || count[s] > count[best]))
                best = s;
        }
        top[k] = best;
    }
    int *label = nn_malloc(sizeof(int) * (size_t)pk->n), *idx = nn_malloc(sizeof(int) * (size_t)pk->n);
    int m = 0;
    for (int v = 0; v < pk->n; v++) {
        label[v] = -1;
        for (int t = 0; t < k; t++)
            if (pk->section[v] == top[t] && graph_degree(g, v) > 0)
                label[v] = t;
        if (label[v] >= 0)
            idx[m++] = v;
    }
    rng_shuffle(rng, idx, m);
    int ntr = m * 4 / 5;
    float *W = nn_malloc(sizeof(float) * (size_t)d * k), b[K];
    softreg_fit(W, b, Z, label, idx, ntr, d, k, 300, 0.05f);
    int *pred = nn_malloc(sizeof(int) * (size_t)pk->n);
    softreg_predict(pred, W, b, Z, pk->n, d, k);
    long right = 0, majority = 0;
    for (int i = ntr; i < m; i++)
        right += pred[idx[i]] == label[idx[i]], majority += label[idx[i]] == 0;
    printf("section of %d test packages (%d most common sections, %s first): accuracy %.3f, always '%s' %.3f\n",
           m - ntr, k, pk->sections[top[0]], (double)right / (m - ntr), pk->sections[top[0]],
           (double)majority / (m - ntr));
    free(count), free(label), free(idx), free(W), free(pred);
    return 0;
}

/* Part 2: the package graph. */
static int run_packages(const flags_t *f, const char *packages, int epochs, rng_t *rng, int bench)
{
    double t0 = timing_seconds();
    packages_t pk;
    if (packages_load(&pk, packages) != 0)
        return -1;
    edgelist_graph_t full;
    graph_from_edges(&full, &pk.deps, 1);
    graph_merge_parallel(&full);
    double t_load = timing_seconds() - t0;
    printf("package graph: %d packages, %ld dependencies (%ld arcs after merging repeats), %d sections; read in "
           "%.1fs\n", pk.n, pk.deps.count, full.m, pk.n_sections, t_load);
    const int d = 32;
    sgns_config c = {.d = d, .walk_len = 20, .window = 3, .negatives = 5, .lr = 0.025f, .p = 1.0f, .q = 1.0f};
    float *Z = nn_malloc(sizeof(float) * (size_t)pk.n * d), *U = nn_malloc(sizeof(float) * (size_t)pk.n * d);
    sgns_stats st;
    int rc = 0;
    if (bench) {
        sgns_init(Z, U, pk.n, d, rng);
        sgns_train(Z, U, &full, &c, 1, epochs, epochs, rng, NULL, &st, "packages");
        printf("bench: name=deepwalk walk_steps_s=%.0f sgns_pairs_s=%.0f nodes=%d arcs=%ld walk_s=%.2f sgns_s=%.2f\n",
               st.walk_steps / st.walk_s, st.pairs / st.sgns_s, pk.n, full.m, st.walk_s, st.sgns_s);
    } else {
        edgelist_graph_t train;
        pairs_t val, test;
        split_edges(&train, &val, &test, &full, 0.1f, rng);
        printf("link prediction: %d held-out edges for validation, %d for test (each with as many non-edges)\n",
               val.count / 2, test.count / 2);
        char path[4096];
        csvlog_t log;
        csvlog_t vlog;
        if (csvlog_open(&log, io_join(path, f->out, "log.csv"), "step,epoch,train_loss") != 0)
            return -1;
        if (csvlog_open(&vlog, io_join(path, f->out, "val.csv"), "epoch,val_auc") != 0)
            return -1;
        float *scores = nn_malloc(sizeof(float) * (size_t)(val.count > test.count ? val.count : test.count) + 1);
        /* one round of walks at a time, so that the validation AUC is watched as it learns */
        sgns_init(Z, U, pk.n, d, rng);
        double val_auc = 0, busy = 0, steps = 0, pairs = 0;
        for (int e = 1; e <= epochs; e++) {
            sgns_train(Z, U, &train, &c, e, 1, epochs, rng, &log, &st, "packages");
            busy += st.walk_s + st.sgns_s, steps += st.walk_steps, pairs += st.pairs;
            val_auc = pairs_auc(scores, &val, Z, U, d, SIM_DOT);
            csvlog_row(&vlog, (double[]){e, val_auc});
            printf("  round %d: validation AUC (dot product) %.4f\n", e, val_auc);
        }
        printf("DeepWalk: %.0f walk steps and %.0f skip-gram pairs in %.1fs\n", steps, pairs, busy);
        rc |= csvlog_close(&log) | csvlog_close(&vlog);
        rc |= plot_render(f->out, "loss", 800, 500,
                          "set title 'DeepWalk on the package graph'\nset xlabel 'rounds of walks'\n"
                          "set ylabel 'skip-gram loss (training)'\nset y2label 'ROC AUC (validation, dot product)'\n"
                          "set ytics nomirror\nset y2tics\nset key center right\nset xrange [0:*]\n"
                          "plot 'log.csv' using 'epoch':'train_loss' with lines lw 2 title 'training loss', "
                          "'val.csv' using 'epoch':'val_auc' axes x1y2 with linespoints lw 2 pt 7 "
                          "title 'validation AUC'");
        pairs_t hard;
        pairs_degree_matched(&hard, &test, &full, rng);
        rc |= report_links(f->out, &test, &hard, &train, Z, U, d, scores);
        pairs_free(&hard);
        rc |= report_sections(&pk, &full, Z, d, rng);
        edgelist_free(&train), pairs_free(&val), pairs_free(&test), free(scores);
    }
    free(Z), free(U), edgelist_free(&full), packages_free(&pk);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 3, .quick_epochs = 2, .seed = 1, .out = "out/09"};
    const char *packages = NULL;
    int bench = 0;
    const flags_option_t extra[] = {
        {"--packages", FLAGS_STRING, &packages, "read this apt-cache dumpavail file instead of running apt-cache"},
        {"--bench", FLAGS_SWITCH, &bench, "only the benchmark: DeepWalk on the package graph, one line of results"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 9: graph embeddings (DeepWalk, node2vec, skip-gram, GCN) on "
                             "the karate club and Debian's package graph.", extra, 2);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (io_mkdirs(f.out) != 0)
        return 1;
    const char *datadir = f.data ? f.data : "datasets";
    char sample[4096];
    if (f.quick && !packages)
        packages = io_join(sample, datadir, "debian-packages-sample/packages.txt");
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    if (bench)
        return run_packages(&f, packages, 2, &rng, 1) ? 1 : 0;
    int rc = run_karate(&f, datadir, &rng);
    if (rc < 0)
        return 1;
    rc |= run_packages(&f, packages, f.epochs, &rng, 0);
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
