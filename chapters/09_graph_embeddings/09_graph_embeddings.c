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
packages, built at run time from `apt-cache dumpavail`). Then the same ideas leave plain graphs:
the package list read as a *knowledge graph* of typed relations, embedded by TransE (9.10), and
text, where skip-gram came from: word2vec and GloVe on the words of the King James Bible (9.11).

**Notation.** A graph $G = (V, E)$ has $n = |V|$ nodes numbered $0 \dots n-1$ and edges
$(u, v) \in E$, each with a weight $a_{uv}$ (1 when the graph is unweighted). $A$ is the
$n \times n$ adjacency matrix, $\deg(v) = \sum_u a_{vu}$ the (weighted) degree, $N(v)$ the
neighbours of $v$. Embeddings are rows of $Z \in \mathbb{R}^{n \times d}$; $d$ is the
embedding dimension (16 for the karate club, 32 for the package graph). A random walk is a
sequence of nodes $w_0, w_1, \dots, w_{\ell-1}$ of length $\ell$.

**What lives where.** The library gives the plumbing this chapter reuses: `rng.h`, the error
paragraphs of `error.h`, the figures of `plot.h` and `graphviz.h`, the softmax cross-entropy
and linear layer of chapters 2 and 3, Adam, ROC curves and AUC from `metrics.h`, the gradient
checker, and the corpus of `text.h` (`text_kjv_path`, `text_read`). The graph structure, the
walks, skip-gram, PCA, the GCN, TransE and GloVe are this chapter's own and live here.
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
#include "text.h"      /* text_read, text_kjv_path: the King James Bible */
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
  missing edges and flag wrong ones. The karate club and the dependency graph need only
  unlabelled edges; section 9.10 reads the package list again as a knowledge graph.

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
`u v [w]` lines (`#` starts a comment) straight into this CSR form and reports a malformed line,
an id out of range, a forbidden self loop or an empty file with the file name and line number,
returning -1 so that the program decides to stop. It builds the same `edgelist_graph_t` by the
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
for "x is a neighbour of t" (on a directed graph: the arc $t \to x$, `prev` first). The
probabilities must sum to 1.
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

/* The noise table: T entries, item x (of n) repeated about T count(x)^0.75 / sum times. For a
 * graph the count is the degree, for words the number of occurrences in the corpus. */
static int *noise_table(const long *count, int n, int T)
{
    int *table = nn_malloc(sizeof(int) * (size_t)T);
    double total = 0;
    for (int v = 0; v < n; v++)
        total += pow((double)count[v], 0.75);
    int i = 0;
    double cum = 0;
    for (int v = 0; v < n && i < T; v++) {
        cum += pow((double)count[v], 0.75) / total;
        while (i < T && (double)i / T < cum)
            table[i++] = v;
    }
    while (i < T)
        table[i++] = n - 1;
    return table;
}

/* Skip-gram over one sequence (a walk, or a stretch of text): for every position a window w drawn
 * from 1 .. window, every context within w of it, k negatives from the noise table (T entries),
 * one sgns_step each on the center's row of Z and the rows of U. Returns the summed loss and adds
 * the number of pairs to *pairs. grad is scratch (d). */
static double sgns_sequence(float *Z, float *U, const int *seq, int len, int window, int k, const int *table, int T,
                            int d, float lr, float *grad, long *pairs, rng_t *rng)
{
    int ids[64];
    double loss = 0;
    for (int i = 0; i < len; i++) {
        int w = window - (int)rng_below(rng, (uint32_t)window);
        for (int j = i - w; j <= i + w; j++) {
            if (j < 0 || j >= len || j == i)
                continue;
            ids[0] = seq[j];
            for (int t = 1; t <= k; t++) {
                int x = table[rng_below(rng, (uint32_t)T)];
                for (int tries = 0; tries < 10 && x == ids[0]; tries++)
                    x = table[rng_below(rng, (uint32_t)T)];
                ids[t] = x;
            }
            loss += sgns_step(Z + (size_t)seq[i] * d, U, ids, k, d, lr, grad);
            ++*pairs;
        }
    }
    return loss;
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
    long *deg = nn_malloc(sizeof(long) * (size_t)n), maxdeg = 1;
    for (int v = 0; v < n; v++) {
        deg[v] = graph_degree(g, v);
        maxdeg = deg[v] > maxdeg ? deg[v] : maxdeg;
    }
    int *table = noise_table(deg, n, T), *order = nn_malloc(sizeof(int) * (size_t)n);
    int *walk = nn_malloc(sizeof(int) * (size_t)c->walk_len);
    free(deg);
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
            chunk_loss += sgns_sequence(Z, U, walk, len, c->window, k, table, T, d, lr, grad, &chunk_pairs, rng);
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
center-context product. Section 9.12 measures all four on held-out dependencies, and the
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
    edges_t recommends, suggests; /* u recommends / suggests v (empty when the list has no such fields) */
    int *maintainer;    /* (n) index into maintainers, -1 when the paragraph names none */
    int n_maintainers;
    char **maintainers; /* (n_maintainers) */
} packages_t;

static void packages_free(packages_t *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->names[i]);
    for (int i = 0; i < p->n_sections; i++)
        free(p->sections[i]);
    for (int i = 0; i < p->n_maintainers; i++)
        free(p->maintainers[i]);
    free(p->names), free(p->section), free(p->sections), free(p->maintainer), free(p->maintainers);
    edges_free(&p->deps), edges_free(&p->recommends), edges_free(&p->suggests);
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
    char *name, *section, *depends, *recommends, *suggests, *maintainer;
} stanza_t;

static void stanza_free(stanza_t *st)
{
    free(st->section), free(st->depends), free(st->recommends), free(st->suggests), free(st->maintainer);
}

/* Append value (len bytes) to the comma-separated list *list. */
static void list_append(char **list, const char *value, size_t len)
{
    size_t old = *list ? strlen(*list) : 0;
    *list = realloc(*list, old + len + 3);
    if (!*list)
        nn_fatal(NULL, "out of memory reading a package list");
    if (old)
        (*list)[old++] = ',';
    memcpy(*list + old, value, len);
    (*list)[old + len] = '\0';
}

static void stanza_take(stanza_t *st, const char *field, const char *value)
{
    size_t len = strlen(value);
    while (len && (value[len - 1] == '\n' || value[len - 1] == '\r' || value[len - 1] == ' '))
        len--;
    if (strcmp(field, "Package") == 0 && !st->name)
        st->name = strndup(value, len);
    else if (strcmp(field, "Section") == 0 && !st->section)
        st->section = strndup(value, len);
    else if (strcmp(field, "Maintainer") == 0 && !st->maintainer)
        st->maintainer = strndup(value, len);
    else if (strcmp(field, "Depends") == 0 || strcmp(field, "Pre-Depends") == 0)
        list_append(&st->depends, value, len);
    else if (strcmp(field, "Recommends") == 0)
        list_append(&st->recommends, value, len);
    else if (strcmp(field, "Suggests") == 0)
        list_append(&st->suggests, value, len);
}

/* The relations of package `self` listed in `list` ("a (>= 1), b:any | c, d"; consumed by strtok):
 * one edge self -> the first alternative of each clause that is a package (map), no self loops. */
static void relation_parse(edges_t *out, long *cap, const strmap_t *map, int self, char *list)
{
    for (char *clause = strtok(list, ","); clause; clause = strtok(NULL, ",")) {
        char *alt = clause, *bar;
        do {
            bar = strchr(alt, '|');
            while (*alt == ' ')
                alt++;
            size_t l = strcspn(alt, " :(|[");
            size_t s = l ? strmap_slot(map, alt, l) : 0;
            if (l && map->slots[s] >= 0) {
                if (map->slots[s] != self)
                    edges_push(out, cap, self, map->slots[s], 1.0f);
                break;
            }
            alt = bar ? bar + 1 : NULL;
        } while (alt);
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
            stanza_free(&cur);
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
    /* Dependencies: "a (>= 1), b:any | c, d" -> the first alternative that is a package; the
     * same for Recommends and Suggests; maintainers by name (a package lists one). */
    long ecap[3] = {0, 0, 0};
    out->deps.n = out->recommends.n = out->suggests.n = out->n;
    strmap_t mmap = {.cap = map.cap};
    mmap.slots = nn_malloc(sizeof(int) * mmap.cap);
    memset(mmap.slots, 0xff, sizeof(int) * mmap.cap);
    out->maintainers = nn_malloc(sizeof(char *) * count);
    out->maintainer = nn_malloc(sizeof(int) * count);
    mmap.names = out->maintainers;
    for (size_t i = 0; i < count; i++) {
        int self = id_of[i];
        if (self >= 0) {
            if (st[i].depends)
                relation_parse(&out->deps, &ecap[0], &map, self, st[i].depends);
            if (st[i].recommends)
                relation_parse(&out->recommends, &ecap[1], &map, self, st[i].recommends);
            if (st[i].suggests)
                relation_parse(&out->suggests, &ecap[2], &map, self, st[i].suggests);
            out->maintainer[self] = -1;
            if (st[i].maintainer) {
                size_t ms = strmap_slot(&mmap, st[i].maintainer, strlen(st[i].maintainer));
                if (mmap.slots[ms] < 0) {
                    mmap.slots[ms] = out->n_maintainers;
                    out->maintainers[out->n_maintainers++] = st[i].maintainer;
                    st[i].maintainer = NULL;
                }
                out->maintainer[self] = mmap.slots[ms];
            }
        }
        stanza_free(&st[i]);
    }
    free(st), free(id_of), free(map.slots), free(secmap.slots), free(mmap.slots);
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
## 9.10 Knowledge graphs: TransE

The package list says more than "needs": a package *depends* on some packages, *recommends* and
*suggests* others, belongs to a *section* and has a *maintainer*. Each fact is a triple
$(h, r, t)$, head, relation, tail: `(python3-numpy, depends, libc6)`,
`(python3-numpy, section, python)`, `(python3-numpy, maintainer, Debian Python Team ...)`. The
entities are the packages, the sections and the maintainers; a graph of such triples is a
**knowledge graph**. It is never complete (a packager forgets a dependency) and never quite
right (a stale one stays), and the two tasks of this section are exactly those: **completion**
(which tail completes `(python3-numpy, depends, ?)`) and **spotting wrong edges** (is this
triple plausible at all).

**TransE** (Bordes et al. 2013) embeds every entity as a vector $e \in \mathbb{R}^d$ and every
relation as a vector $r \in \mathbb{R}^d$ too, and asks for a *translation*: a true triple should
have $e_h + r \approx e_t$. Its score is the distance

$$
f(h, r, t) = \lVert e_h + r - e_t \rVert_1 = \sum_{i=1}^{d} \lvert e_{h,i} + r_i - e_{t,i} \rvert,
$$

small for plausible triples. One vector per relation is a strong assumption: "section" sends
3,000 Python packages to the one entity `python`, so their vectors must all lie near
`python - section`. That is right for this relation (the packages of a section *should* be
similar), and the reason TransE is weak on relations that are many-to-many in unrelated ways.

**Training** is by contrast, like negative sampling: for a true triple $(h, r, t)$ draw a
*corrupted* one $(h', r, t')$ by replacing the head or the tail (one of the two, with equal
probability) by a random entity, redrawn if the result is a known triple. The **margin ranking
loss** asks the true triple to be closer than the corrupted one by at least a margin $\gamma$:

$$
\ell = \max\bigl(0,\; \gamma + f(h, r, t) - f(h', r, t')\bigr).
$$

When the margin is met, $\ell = 0$ and nothing moves. Otherwise, with
$g = \mathrm{sign}(e_h + r - e_t)$ and $g' = \mathrm{sign}(e_{h'} + r - e_{t'})$ (coordinate by
coordinate; $\partial \lvert x \rvert / \partial x = \mathrm{sign}(x)$, and 0 at 0):

$$
\frac{\partial \ell}{\partial e_h} = g, \quad \frac{\partial \ell}{\partial e_t} = -g, \quad
\frac{\partial \ell}{\partial e_{h'}} = -g', \quad \frac{\partial \ell}{\partial e_{t'}} = g', \quad
\frac{\partial \ell}{\partial r} = g - g'.
$$

A corrupted triple shares its head or its tail with the true one ($h' = h$ or $t' = t$): that
entity gets both terms. **The norm constraint.** Without it the loss has a cheap way out: make all
entity vectors long, and every distance, true or corrupted, grows, so the margin is met by scale.
TransE keeps every entity on the unit sphere, $\lVert e \rVert_2 = 1$, by projecting each entity
a step touches back onto it before the step (relations are normalized once, at the start).

### Exercise 09.8 — TransE's margin loss and its SGD step

`pos` and `neg` are the triples `{h, r, t}` and `{h', r, t'}` (the same `r`), entity $x$ is row
`x` of `E` and relation $r$ row `r` of `R` (each `d` floats). Return the margin loss above; when
it is positive, take one SGD step of size `lr` on the five rows (some may be the same row: their
updates add up), computing $g$ and $g'$ into `g` ($2d$ floats of scratch) from the vectors
*before* the step. The projection onto the unit sphere is not part of it: the caller has already
put the four entities' rows there (`unit_norm`, below) before calling `transe_step`.
*/

static inline float signf(float x) { return (float)((x > 0) - (x < 0)); }

/* The L1 distance |e_h + r - e_t|_1 of triple {h, r, t}. */
static float transe_dist(const float *E, const float *R, const int *tr, int d)
{
    const float *h = E + (size_t)tr[0] * d, *r = R + (size_t)tr[1] * d, *t = E + (size_t)tr[2] * d;
    float s = 0;
    for (int i = 0; i < d; i++)
        s += fabsf(h[i] + r[i] - t[i]);
    return s;
}

static float transe_step(float *E, float *R, const int *pos, const int *neg, int d, float margin, float lr, float *g)
{
    /* BEGIN EXERCISE 09.8 (3 points): TransE's margin ranking loss and its SGD step */
    float loss = margin + transe_dist(E, R, pos, d) - transe_dist(E, R, neg, d);
    if (loss <= 0)
        return 0;
    float *gp = g, *gn = g + d;
    const float *h = E + (size_t)pos[0] * d, *t = E + (size_t)pos[2] * d, *r = R + (size_t)pos[1] * d;
    const float *hn = E + (size_t)neg[0] * d, *tn = E + (size_t)neg[2] * d;
    for (int i = 0; i < d; i++)
        gp[i] = signf(h[i] + r[i] - t[i]), gn[i] = signf(hn[i] + r[i] - tn[i]);
    float *eh = E + (size_t)pos[0] * d, *et = E + (size_t)pos[2] * d, *er = R + (size_t)pos[1] * d;
    float *ehn = E + (size_t)neg[0] * d, *etn = E + (size_t)neg[2] * d;
    for (int i = 0; i < d; i++) {
        eh[i] -= lr * gp[i];
        et[i] += lr * gp[i];
        er[i] -= lr * (gp[i] - gn[i]);
        ehn[i] += lr * gn[i];
        etn[i] -= lr * gn[i];
    }
    return loss;
    /* END EXERCISE */
}

/* The margin loss alone, in double: what the tests differentiate. */
static double transe_loss(const float *E, const float *R, const int *pos, const int *neg, int d, float margin)
{
    double l = (double)margin + transe_dist(E, R, pos, d) - transe_dist(E, R, neg, d);
    return l > 0 ? l : 0;
}

/* Scale row x (d floats) to unit L2 norm (a zero row stays zero). */
static void unit_norm(float *x, int d)
{
    float s = 0;
    for (int i = 0; i < d; i++)
        s += x[i] * x[i];
    if (s > 0) {
        const float inv = 1.0f / sqrtf(s);
        for (int i = 0; i < d; i++)
            x[i] *= inv;
    }
}

/*md
**The package knowledge graph** has the packages as entities $0 \dots n-1$, then the sections,
then the maintainers, and five relations: depends, recommends, suggests, section and maintainer.
A triple listed twice is kept once. We hold out 2% of the triples (each only if its head and its
tail keep another triple, as for link prediction) and train on the rest.

**Completion** is measured by ranks. For a held-out $(h, r, t)$, score $(h, r, x)$ for every
entity $x$ and find the rank of the true tail (1 = closest), and the same for heads. In the
*filtered* setting (Bordes et al.), the other known true triples $(h, r, x)$ are left out of the
ranking: ranking another real dependency of $h$ above $t$ is not a mistake. The summaries are the
**mean rank** (MR) and **hits@10**, the share of true entities ranked in the top 10.

**Spotting wrong edges** is a scoring task: the held-out true triples against as many corrupted
ones, each scored by $-f$, and ROC AUC from `metrics_roc_auc`. Corrupting with any entity makes
it easy (`(numpy, section, libc6)` is absurd on its face); so we also corrupt the tail with an
entity *of the same kind*, a package by a package, a section by a section, which is the kind of
mistake a packager makes.
*/

enum { KG_DEPENDS, KG_RECOMMENDS, KG_SUGGESTS, KG_SECTION, KG_MAINTAINER, KG_RELATIONS };
static const char *const kg_relation_names[KG_RELATIONS] = {"depends", "recommends", "suggests", "section",
                                                            "maintainer"};

typedef struct {
    int n_entities, n_packages; /* packages 0 .. n_packages-1, then sections, then maintainers */
    int kind_start[3], kind_end[3]; /* entity ranges: packages, sections, maintainers */
    long count;                 /* triples */
    int *tri;                   /* (count, 3): h, r, t */
    uint64_t *keys;             /* (cap) a hash set of every triple (train and test), 0 = empty */
    size_t cap;
} kg_t;

static uint64_t kg_key(const kg_t *kg, int h, int r, int t)
{
    return ((uint64_t)h * KG_RELATIONS + (uint64_t)r) * (uint64_t)kg->n_entities + (uint64_t)t + 1;
}

static size_t kg_slot(const kg_t *kg, uint64_t key)
{
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & (kg->cap - 1);
    while (kg->keys[i] && kg->keys[i] != key)
        i = (i + 1) & (kg->cap - 1);
    return i;
}

static int kg_has(const kg_t *kg, int h, int r, int t)
{
    uint64_t k = kg_key(kg, h, r, t);
    return kg->keys[kg_slot(kg, k)] == k;
}

static void kg_free(kg_t *kg)
{
    free(kg->tri), free(kg->keys);
    memset(kg, 0, sizeof *kg);
}

/* The triples of the package list, each once. */
static void kg_build(kg_t *kg, const packages_t *pk)
{
    memset(kg, 0, sizeof *kg);
    const int np = pk->n, ns = pk->n_sections, nm = pk->n_maintainers;
    kg->n_packages = np, kg->n_entities = np + ns + nm;
    kg->kind_start[0] = 0, kg->kind_end[0] = np;
    kg->kind_start[1] = np, kg->kind_end[1] = np + ns;
    kg->kind_start[2] = np + ns, kg->kind_end[2] = np + ns + nm;
    const edges_t *rel[3] = {&pk->deps, &pk->recommends, &pk->suggests};
    long most = 2L * np;
    for (int k = 0; k < 3; k++)
        most += rel[k]->count;
    kg->tri = nn_malloc(sizeof(int) * 3 * (size_t)most);
    kg->cap = 1;
    while (kg->cap < 2 * (size_t)most + 16)
        kg->cap *= 2;
    kg->keys = nn_calloc(kg->cap, sizeof(uint64_t));
    for (int r = 0; r < KG_RELATIONS; r++) {
        long m = r < 3 ? rel[r]->count : np;
        for (long i = 0; i < m; i++) {
            int h = r < 3 ? rel[r]->src[i] : (int)i, t;
            if (r < 3)
                t = rel[r]->dst[i];
            else if (r == KG_SECTION)
                t = np + pk->section[i];
            else if (pk->maintainer[i] >= 0)
                t = np + ns + pk->maintainer[i];
            else
                continue;
            uint64_t key = kg_key(kg, h, r, t);
            size_t s = kg_slot(kg, key);
            if (kg->keys[s])
                continue;
            kg->keys[s] = key;
            int *x = kg->tri + 3 * (size_t)kg->count++;
            x[0] = h, x[1] = r, x[2] = t;
        }
    }
}

/* Shuffle the triples and move a held-out share to the end: the last *n_test triples are the test
 * set (each kept only if its head and tail appear in another triple that stays). */
static void kg_split(kg_t *kg, float share, long *n_test, rng_t *rng)
{
    int *deg = nn_calloc((size_t)kg->n_entities, sizeof(int));
    for (long i = 0; i < kg->count; i++)
        deg[kg->tri[3 * i]]++, deg[kg->tri[3 * i + 2]]++;
    for (long i = kg->count - 1; i > 0; i--) { /* Fisher-Yates on rows of 3 */
        long j = (long)rng_below(rng, (uint32_t)(i + 1));
        for (int c = 0; c < 3; c++) {
            int tmp = kg->tri[3 * i + c];
            kg->tri[3 * i + c] = kg->tri[3 * j + c], kg->tri[3 * j + c] = tmp;
        }
    }
    long want = (long)(share * kg->count), got = 0;
    for (long i = kg->count - 1; i >= 0 && got < want; i--) {
        int *x = kg->tri + 3 * i;
        if (deg[x[0]] < 2 || deg[x[2]] < 2)
            continue;
        deg[x[0]]--, deg[x[2]]--;
        long j = kg->count - 1 - got++; /* swap row i into the test block at the end */
        for (int c = 0; c < 3; c++) {
            int tmp = kg->tri[3 * i + c];
            kg->tri[3 * i + c] = kg->tri[3 * j + c], kg->tri[3 * j + c] = tmp;
        }
    }
    *n_test = got;
    free(deg);
}

/* A corrupted copy of triple x into y: head or tail replaced by a random entity (any entity, or
 * with same_kind one of the replaced entity's kind), not a known triple (up to 20 tries). */
static void kg_corrupt(int *y, const kg_t *kg, const int *x, int same_kind, rng_t *rng)
{
    for (int tries = 0; tries < 20; tries++) {
        int side = same_kind ? 2 : rng_below(rng, 2) ? 2 : 0;
        int lo = 0, hi = kg->n_entities;
        if (same_kind)
            for (int k = 0; k < 3; k++)
                if (x[side] >= kg->kind_start[k] && x[side] < kg->kind_end[k])
                    lo = kg->kind_start[k], hi = kg->kind_end[k];
        y[0] = x[0], y[1] = x[1], y[2] = x[2];
        y[side] = lo + (int)rng_below(rng, (uint32_t)(hi - lo));
        if (!kg_has(kg, y[0], y[1], y[2]))
            return;
    }
}

/* Epochs of TransE over the first n_train triples; E (n_entities, d), R (KG_RELATIONS, d).
 * Returns the mean loss of the last epoch. */
static double transe_train(float *E, float *R, const kg_t *kg, long n_train, int d, int epochs, float margin,
                           float lr, rng_t *rng, csvlog_t *log, const char *label)
{
    int *order = nn_malloc(sizeof(int) * (size_t)n_train);
    float *g = nn_malloc(sizeof(float) * 2 * (size_t)d);
    double last = 0, share = 0;
    progress_t bar;
    if (label)
        progress_begin(&bar, label, epochs);
    for (int e = 1; e <= epochs; e++) {
        rng_iota(order, (int)n_train);
        rng_shuffle(rng, order, (int)n_train);
        double sum = 0;
        long active = 0;
        for (long i = 0; i < n_train; i++) {
            const int *x = kg->tri + 3 * (size_t)order[i];
            int y[3];
            kg_corrupt(y, kg, x, 0, rng);
            unit_norm(E + (size_t)x[0] * d, d), unit_norm(E + (size_t)x[2] * d, d);
            unit_norm(E + (size_t)y[0] * d, d), unit_norm(E + (size_t)y[2] * d, d);
            float rate = lr * (float)(1.0 - ((e - 1) * (double)n_train + i) / ((double)epochs * n_train));
            float l = transe_step(E, R, x, y, d, margin, rate, g);
            sum += l, active += l > 0;
        }
        last = sum / (double)n_train;
        nn_check_finite(last, "TransE margin loss", e);
        share = (double)active / (double)n_train;
        if (log)
            csvlog_row(log, (double[]){e, last, share});
        if (label)
            progress_step(&bar, e, "loss %.4f", last);
    }
    if (label)
        progress_end(&bar, "loss %.4f, margin still violated by %.0f%% of the pairs", last, 100.0 * share);
    free(order), free(g);
    return last;
}

/* The baseline without learning: rank the candidates for a tail of relation r by how often they are
 * a tail of r in the first n_train triples (heads likewise), filtered, ties counted half. */
static void popularity_ranks(double *ranks, const kg_t *kg, long n_train, const int *test, long count)
{
    const size_t ne = (size_t)kg->n_entities;
    int *freq = nn_calloc(2 * KG_RELATIONS * ne, sizeof(int)); /* [side][r][entity] */
    for (long i = 0; i < n_train; i++) {
        const int *x = kg->tri + 3 * i;
        freq[(size_t)x[1] * ne + (size_t)x[2]]++, freq[(KG_RELATIONS + (size_t)x[1]) * ne + (size_t)x[0]]++;
    }
    for (long i = 0; i < count; i++) {
        const int *x = test + 3 * i;
        for (int side = 0; side < 2; side++) {
            const int *fr = freq + ((size_t)side * KG_RELATIONS + (size_t)x[1]) * ne;
            int y[3] = {x[0], x[1], x[2]}, pos = side ? 0 : 2, truth = fr[x[pos]];
            double rank = 1;
            for (int c = 0; c < kg->n_entities; c++) {
                if (c == x[pos] || fr[c] < truth)
                    continue;
                y[pos] = c;
                if (!kg_has(kg, y[0], y[1], y[2]))
                    rank += fr[c] > truth ? 1.0 : 0.5;
            }
            ranks[2 * i + side] = rank;
        }
    }
    free(freq);
}

/* Filtered ranks of the true head and tail of each of the `count` triples at `test`
 * (ranks (count, 2): tail, head), against every entity. */
static void transe_ranks(int *ranks, const float *E, const float *R, const kg_t *kg, const int *test, long count,
                         int d)
{
    for (long i = 0; i < count; i++) {
        const int *x = test + 3 * i;
        for (int side = 0; side < 2; side++) { /* 0: replace the tail, 1: the head */
            int y[3] = {x[0], x[1], x[2]}, pos = side ? 0 : 2;
            float truth = transe_dist(E, R, x, d);
            int rank = 1;
            for (int c = 0; c < kg->n_entities; c++) {
                if (c == x[pos])
                    continue;
                y[pos] = c;
                if (transe_dist(E, R, y, d) < truth && !kg_has(kg, y[0], y[1], y[2]))
                    rank++;
            }
            ranks[2 * i + side] = rank;
        }
    }
}

#ifndef GRADING
enum { TRANSE_EPOCHS = 5 }; /* the default run's */

/* TransE on the package knowledge graph: train, then completion (filtered MR, hits@10) and wrong
 * edges (AUC) on held-out triples. */
static int run_transe(const flags_t *f, const packages_t *pk, int epochs, int max_ranked, rng_t *rng)
{
    kg_t kg;
    kg_build(&kg, pk);
    long n_test;
    kg_split(&kg, 0.02f, &n_test, rng);
    const long n_train = kg.count - n_test;
    long per_rel[KG_RELATIONS] = {0};
    for (long i = 0; i < kg.count; i++)
        per_rel[kg.tri[3 * i + 1]]++;
    printf("knowledge graph: %d entities (%d packages, %d sections, %d maintainers), %ld triples (", kg.n_entities,
           kg.n_packages, kg.kind_end[1] - kg.kind_start[1], kg.kind_end[2] - kg.kind_start[2], kg.count);
    for (int r = 0; r < KG_RELATIONS; r++)
        printf("%s%s %ld", r ? ", " : "", kg_relation_names[r], per_rel[r]);
    printf("); %ld held out\n", n_test);
    const int d = 32;
    const float margin = 1.0f, lr = 0.05f; /* the learning rate decays linearly to 0 over the epochs */
    float *E = nn_malloc(sizeof(float) * (size_t)kg.n_entities * d), *R = nn_malloc(sizeof(float) * KG_RELATIONS * d);
    const float a = 6.0f / sqrtf((float)d); /* Bordes et al.'s uniform initialization */
    for (size_t i = 0; i < (size_t)kg.n_entities * d; i++)
        E[i] = rng_range(rng, -a, a);
    for (int i = 0; i < KG_RELATIONS * d; i++)
        R[i] = rng_range(rng, -a, a);
    for (int r = 0; r < KG_RELATIONS; r++)
        unit_norm(R + (size_t)r * d, d);
    {   /* one step must lower its pair's margin loss (exercise 09.8 at work) */
        const int *x = kg.tri;
        int y[3];
        float g[2 * 32];
        kg_corrupt(y, &kg, x, 0, rng);
        double before = transe_loss(E, R, x, y, d, margin);
        transe_step(E, R, x, y, d, margin, lr, g);
        printf("one TransE step (lr %g) on random vectors: the pair's margin loss goes from %.3f to %.3f\n",
               (double)lr, before, transe_loss(E, R, x, y, d, margin));
    }
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "transe.csv"), "epoch,train_loss,active") != 0)
        return -1;
    double t0 = timing_seconds();
    double loss = transe_train(E, R, &kg, n_train, d, epochs, margin, lr, rng, &log, "TransE");
    double t_train = timing_seconds() - t0;
    int rc = csvlog_close(&log);
    for (int v = 0; v < kg.n_entities; v++)
        unit_norm(E + (size_t)v * d, d);
    printf("TransE (d %d, L1, margin %g, lr %g), %d epochs over %ld triples: final loss %.4f (%.1fs)\n", d,
           (double)margin, (double)lr, epochs, n_train, loss, t_train);

    /* completion: filtered ranks of the first max_ranked held-out triples */
    const int *test = kg.tri + 3 * (size_t)n_train;
    long ranked = n_test < max_ranked ? n_test : max_ranked;
    int *ranks = nn_malloc(sizeof(int) * 2 * (size_t)ranked + 1);
    t0 = timing_seconds();
    transe_ranks(ranks, E, R, &kg, test, ranked, d);
    double t_rank = timing_seconds() - t0;
    double *pop = nn_malloc(sizeof(double) * 2 * (size_t)ranked + 1), pmr[2] = {0, 0}, phits[2] = {0, 0};
    popularity_ranks(pop, &kg, n_train, test, ranked);
    double mr[2] = {0, 0}, hits[2] = {0, 0};
    double mr_rel[KG_RELATIONS] = {0}, hits_rel[KG_RELATIONS] = {0};
    long cnt_rel[KG_RELATIONS] = {0};
    for (long i = 0; i < ranked; i++) {
        int r = test[3 * i + 1];
        cnt_rel[r]++;
        for (int s = 0; s < 2; s++) {
            mr[s] += ranks[2 * i + s], hits[s] += ranks[2 * i + s] <= 10;
            pmr[s] += pop[2 * i + s], phits[s] += pop[2 * i + s] <= 10;
            mr_rel[r] += ranks[2 * i + s] / 2.0, hits_rel[r] += (ranks[2 * i + s] <= 10) / 2.0;
        }
    }
    printf("completion, filtered, %ld held-out triples ranked against all %d entities (%.1fs): tails mean rank "
           "%.0f, hits@10 %.3f; heads mean rank %.0f, hits@10 %.3f\n", ranked, kg.n_entities, t_rank,
           mr[0] / ranked, hits[0] / ranked, mr[1] / ranked, hits[1] / ranked);
    printf("  popularity alone (no learning): tails mean rank %.0f, hits@10 %.3f; heads mean rank %.0f, hits@10 "
           "%.3f\n", pmr[0] / ranked, phits[0] / ranked, pmr[1] / ranked, phits[1] / ranked);
    for (int r = 0; r < KG_RELATIONS; r++)
        if (cnt_rel[r])
            printf("  %-10s %4ld triples: mean rank %.0f, hits@10 %.3f (heads and tails)\n", kg_relation_names[r],
                   cnt_rel[r], mr_rel[r] / cnt_rel[r], hits_rel[r] / cnt_rel[r]);

    /* wrong edges: every held-out triple against a corrupted one, scored by -distance */
    float *scores = nn_malloc(sizeof(float) * 2 * (size_t)n_test + 1);
    int *labels = nn_malloc(sizeof(int) * 2 * (size_t)n_test + 1);
    double auc[2];
    for (int kind = 0; kind < 2; kind++) {
        for (long i = 0; i < n_test; i++) {
            int y[3];
            kg_corrupt(y, &kg, test + 3 * i, kind, rng);
            scores[2 * i] = -transe_dist(E, R, test + 3 * i, d), labels[2 * i] = 1;
            scores[2 * i + 1] = -transe_dist(E, R, y, d), labels[2 * i + 1] = 0;
        }
        auc[kind] = metrics_roc_auc(scores, labels, 2 * (size_t)n_test);
    }
    printf("wrong edges, %ld held-out triples against as many corrupted ones: ROC AUC %.4f (any entity), %.4f "
           "(tail of the same kind)\n", n_test, auc[0], auc[1]);
    free(ranks), free(pop), free(scores), free(labels), free(E), free(R), kg_free(&kg);
    return rc;
}
#endif

/*md
## 9.11 Word embeddings with the same code

DeepWalk borrowed skip-gram from text; here we give it back. A text is a sequence of words, as a
walk is a sequence of nodes, and `sgns_sequence` (the inner loop of 9.3's trainer) does not care
which: the corpus replaces the walks, the word counts replace the degrees in the noise table, and
the trainer is otherwise the same code. That is **word2vec** (Mikolov et al. 2013). The corpus is
the King James Bible, as Debian's `bible-kjv` prints it (chapter 8 used its characters; the
library's `text_kjv_path` writes it once to `out/09/kjv.txt`).

**From text to words.** We fold the text to lower case and call a word every run of letters
`a`–`z`; everything else (spaces, punctuation, verse numbers) separates words, so "LORD's"
becomes `lord` and `s`. A word seen fewer than `min_count` times (5) gets no vector: with
two or three occurrences, its vector would be noise. The vocabulary is sorted by decreasing
count, so word 0 is `the`.

**Subsampling frequent words.** `the`, `and` and `of` are a fifth of the Bible; as contexts they
say almost nothing about a word, and they cost a fifth of the training time. word2vec drops each
occurrence of a word of frequency $f(w)$ (its share of all tokens) with probability
$1 - \sqrt{t / f(w)}$ (never, when $f(w) \le t$), with $t = 10^{-3}$ here; a fresh draw every
epoch. Dropping words also widens the window in effect: the kept neighbours sit further apart.
The noise distribution is the word counts to the power $3/4$, exactly as for the nodes' degrees.

**GloVe** (Pennington, Socher and Manning 2014) starts from the other end: count first, then fit.
$X_{ij}$ is how often word $j$ occurs near word $i$ (within 5 words, each occurrence weighted by
$1/\text{distance}$; $X$ is symmetric). Levy and Goldberg's result above says skip-gram's dot
products approximate a shifted PMI, a function of these counts; GloVe asks for that directly, a
log-bilinear model fitted by weighted least squares on the non-zero counts:

$$
J = \sum_{i, j:\, X_{ij} > 0} \tfrac12\, f(X_{ij}) \bigl( w_i^\top \tilde w_j + b_i + \tilde b_j - \log X_{ij} \bigr)^2,
\qquad
f(x) = \begin{cases} (x / x_{\max})^{\alpha} & x < x_{\max} \\ 1 & \text{otherwise.} \end{cases}
$$

Why this form? A ratio of co-occurrence probabilities, $P(k \mid i) / P(k \mid j)$, is what
tells $i$ and $j$ apart (`ice` and `steam` differ by `solid` and `gas`, not by `water`); asking
that differences of vectors give log-ratios of probabilities leads to
$w_i^\top \tilde w_k = \log P(k \mid i) = \log X_{ik} - \log X_i$, and the biases absorb the
$\log X_i$ term and its mirror. The weight $f$ does two things: $f(0) = 0$, so the zero counts
(whose logarithm is $-\infty$) drop out and the sum runs over the non-zero entries only; and
$f$ grows with the count, since a pair seen often is measured better, but it is capped at 1, so
that the pairs of very frequent words (`of the`) do not dominate the fit. We use the paper's
$\alpha = 3/4$ but $x_{\max} = 10$, as GloVe's own demo script does on 17 million words: the
paper's 100 suits billions, and in our 0.8 million few pairs would come near it. Each entry's gradient, with
$e = w_i^\top \tilde w_j + b_i + \tilde b_j - \log X_{ij}$:

$$
\frac{\partial J_{ij}}{\partial w_i} = f(X_{ij})\, e\, \tilde w_j, \quad
\frac{\partial J_{ij}}{\partial \tilde w_j} = f(X_{ij})\, e\, w_i, \quad
\frac{\partial J_{ij}}{\partial b_i} = \frac{\partial J_{ij}}{\partial \tilde b_j} = f(X_{ij})\, e.
$$

**AdaGrad**, as in the paper: every parameter $\theta$ keeps the sum $G$ of its squared
gradients (starting at 1), and a step is $G \leftarrow G + g^2$, then
$\theta \leftarrow \theta - \eta\, g / \sqrt{G}$. Rare words, with few and small gradients, keep
larger steps than frequent ones. Each word ends with two vectors, $w$ and $\tilde w$, which play
symmetric roles; the paper uses their sum, and so do we.

### Exercise 09.9 — one GloVe step

For the co-occurrence count `x` of words `i` and `j`, compute the entry's weighted loss
$\frac12 f(x)\, e^2$ (return it) and take one AdaGrad step of size `lr` on $w_i$ (row `i` of
`m->W`), $\tilde w_j$ (row `j` of `m->Wc`), $b_i$ (`m->b[i]`) and $\tilde b_j$ (`m->bc[j]`), each
with its own sums in `m->GW`, `m->GWc`, `m->Gb`, `m->Gbc` (same layout): add $g^2$ to the sum
first, then divide by its square root. Both vectors' gradients use the values before the step.
$x_{\max}$ and $\alpha$ are `m->xmax` and `m->alpha`.
*/

typedef struct {
    int V, d;
    float xmax, alpha;
    float *W, *Wc, *b, *bc;     /* (V, d), (V, d), (V), (V): word vectors, context vectors, biases */
    float *GW, *GWc, *Gb, *Gbc; /* AdaGrad's sums of squared gradients, same shapes, from 1 */
} glove_t;

static float glove_step(glove_t *m, int i, int j, float x, float lr)
{
    /* BEGIN EXERCISE 09.9 (2 points): GloVe's weighted least squares and its AdaGrad step */
    const int d = m->d;
    float *wi = m->W + (size_t)i * d, *wj = m->Wc + (size_t)j * d;
    float *gi = m->GW + (size_t)i * d, *gj = m->GWc + (size_t)j * d;
    float f = x < m->xmax ? powf(x / m->xmax, m->alpha) : 1.0f;
    float e = dotf(wi, wj, d) + m->b[i] + m->bc[j] - logf(x);
    float fe = f * e;
    for (int k = 0; k < d; k++) {
        float g1 = fe * wj[k], g2 = fe * wi[k];
        gi[k] += g1 * g1, gj[k] += g2 * g2;
        wi[k] -= lr * g1 / sqrtf(gi[k]);
        wj[k] -= lr * g2 / sqrtf(gj[k]);
    }
    m->Gb[i] += fe * fe, m->Gbc[j] += fe * fe;
    m->b[i] -= lr * fe / sqrtf(m->Gb[i]);
    m->bc[j] -= lr * fe / sqrtf(m->Gbc[j]);
    return 0.5f * f * e * e;
    /* END EXERCISE */
}

/* The entry's loss 1/2 f(x) e^2 alone, in double: what the tests differentiate. */
static double glove_loss(const glove_t *m, int i, int j, float x)
{
    double f = x < m->xmax ? pow((double)x / m->xmax, m->alpha) : 1.0, e = m->b[i] + (double)m->bc[j] - log(x);
    for (int k = 0; k < m->d; k++)
        e += (double)m->W[(size_t)i * m->d + k] * m->Wc[(size_t)j * m->d + k];
    return 0.5 * f * e * e;
}

enum { GLOVE_XMAX = 10 }; /* the paper's 100 is for billions of words; GloVe's own demo uses 10 on 17 million */

static glove_t glove_new(int V, int d, rng_t *rng)
{
    glove_t m = {.V = V, .d = d, .xmax = GLOVE_XMAX, .alpha = 0.75f};
    const size_t n = (size_t)V * d;
    m.W = nn_malloc(sizeof(float) * n), m.Wc = nn_malloc(sizeof(float) * n);
    m.GW = nn_malloc(sizeof(float) * n), m.GWc = nn_malloc(sizeof(float) * n);
    m.b = nn_malloc(sizeof(float) * (size_t)V), m.bc = nn_malloc(sizeof(float) * (size_t)V);
    m.Gb = nn_malloc(sizeof(float) * (size_t)V), m.Gbc = nn_malloc(sizeof(float) * (size_t)V);
    for (size_t k = 0; k < n; k++) /* glove.c's start: uniform in +-0.5/d, sums of squares 1 */
        m.W[k] = (rng_uniform(rng) - 0.5f) / d, m.Wc[k] = (rng_uniform(rng) - 0.5f) / d, m.GW[k] = m.GWc[k] = 1;
    for (int k = 0; k < V; k++)
        m.b[k] = (rng_uniform(rng) - 0.5f) / d, m.bc[k] = (rng_uniform(rng) - 0.5f) / d, m.Gb[k] = m.Gbc[k] = 1;
    return m;
}

static void glove_free(glove_t *m)
{
    float *p[] = {m->W, m->Wc, m->b, m->bc, m->GW, m->GWc, m->Gb, m->Gbc};
    for (size_t k = 0; k < sizeof p / sizeof *p; k++)
        free(p[k]);
    memset(m, 0, sizeof *m);
}

/*md
**The vocabulary and the counts.** `words_build` turns the text into word ids (the hash table of
9.9's package names serves again) and `cooc_count` accumulates $X$ in a hash table keyed by the
pair $(i, j)$, since only a small share of the $V^2$ pairs ever meet.
*/

typedef struct {
    int size;      /* words in the vocabulary, most frequent first */
    char **words;  /* (size) */
    long *count;   /* (size) occurrences */
    long n_tokens; /* all words of the text */
    long total;    /* the words kept: those in the vocabulary */
    int *ids;      /* (total) the text as word ids */
} words_t;

static void words_free(words_t *w)
{
    for (int i = 0; i < w->size; i++)
        free(w->words[i]);
    free(w->words), free(w->count), free(w->ids);
    memset(w, 0, sizeof *w);
}

static const long *g_sort_counts;
static char *const *g_sort_words;

static int cmp_by_count(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (g_sort_counts[x] != g_sort_counts[y])
        return g_sort_counts[x] < g_sort_counts[y] ? 1 : -1;
    return strcmp(g_sort_words[x], g_sort_words[y]);
}

/* The lower-case words of text (len bytes; runs of letters a-z after folding A-Z), the vocabulary
 * of those seen at least min_count times (ids by decreasing count, ties alphabetical) and the text
 * as ids without the others. Returns 0, or -1 after reporting a text without such a word. */
static int words_build(words_t *out, const char *text, size_t len, int min_count, const char *name)
{
    memset(out, 0, sizeof *out);
    strmap_t map = {.cap = 16};
    while (map.cap < len / 2 + 16)
        map.cap *= 2;
    map.slots = nn_malloc(sizeof(int) * map.cap);
    memset(map.slots, 0xff, sizeof(int) * map.cap);
    size_t wcap = 1024;
    map.names = nn_malloc(sizeof(char *) * wcap);
    long *count = nn_calloc(wcap, sizeof(long));
    int *raw = nn_malloc(sizeof(int) * (len / 2 + 1)), n = 0;
    char word[256];
    for (size_t p = 0; p < len;) {
        size_t l = 0;
        for (; p < len && ((text[p] | 32) >= 'a' && (text[p] | 32) <= 'z'); p++)
            if (l < sizeof word - 1)
                word[l++] = (char)(text[p] | 32);
        if (l == 0) {
            p++;
            continue;
        }
        word[l] = '\0';
        size_t s = strmap_slot(&map, word, l);
        if (map.slots[s] < 0) {
            if ((size_t)n == wcap) {
                wcap *= 2;
                map.names = realloc(map.names, sizeof(char *) * wcap), count = realloc(count, sizeof(long) * wcap);
                if (!map.names || !count)
                    nn_fatal(NULL, "out of memory for %zu words", wcap);
            }
            map.names[n] = strdup(word), count[n] = 0;
            map.slots[s] = n++;
        }
        count[map.slots[s]]++;
        raw[out->n_tokens++] = map.slots[s];
    }
    int *order = nn_malloc(sizeof(int) * (size_t)n + 1), *new_id = nn_malloc(sizeof(int) * (size_t)n + 1);
    rng_iota(order, n);
    g_sort_counts = count, g_sort_words = map.names;
    qsort(order, (size_t)n, sizeof(int), cmp_by_count);
    while (out->size < n && count[order[out->size]] >= min_count)
        out->size++;
    out->words = nn_malloc(sizeof(char *) * (size_t)out->size + 1);
    out->count = nn_malloc(sizeof(long) * (size_t)out->size + 1);
    for (int r = 0; r < n; r++) {
        new_id[order[r]] = r < out->size ? r : -1;
        if (r < out->size)
            out->words[r] = map.names[order[r]], out->count[r] = count[order[r]];
        else
            free(map.names[order[r]]);
    }
    out->ids = nn_malloc(sizeof(int) * (size_t)out->n_tokens + 1);
    for (long t = 0; t < out->n_tokens; t++)
        if (new_id[raw[t]] >= 0)
            out->ids[out->total++] = new_id[raw[t]];
    free(map.slots), free(map.names), free(count), free(raw), free(order), free(new_id);
    if (out->size == 0) {
        nn_error("use a longer text, or a smaller --min-count", "%s: %ld words, none of them %d times or more: "
                 "expected a vocabulary", name, out->n_tokens, min_count);
        words_free(out);
        return -1;
    }
    return 0;
}

/* The word's id, or -1 when it is not in the vocabulary. */
static int words_id(const words_t *w, const char *word)
{
    for (int i = 0; i < w->size; i++)
        if (strcmp(w->words[i], word) == 0)
            return i;
    return -1;
}

/* word2vec's subsampling: keep each of the w->total tokens with probability min(1, sqrt(t / f)),
 * f its word's frequency. Writes the kept ids into seq; returns how many. */
static long words_subsample(int *seq, const words_t *w, double t, const float *keep, rng_t *rng)
{
    long n = 0;
    for (long i = 0; i < w->total; i++)
        if (keep[w->ids[i]] >= 1.0f || rng_uniform(rng) < keep[w->ids[i]])
            seq[n++] = w->ids[i];
    (void)t;
    return n;
}

/* word2vec: `epochs` passes of skip-gram with negative sampling over the subsampled corpus, in
 * stretches of 1,000 words, the learning rate decaying linearly from c->lr to nearly 0. Z and U are
 * (w->size, c->d). Logs (step, epoch, train_loss) twenty times an epoch. Returns the last epoch's
 * mean loss. */
static double word2vec_train(float *Z, float *U, const words_t *w, const sgns_config *c, double sample, int epochs,
                             rng_t *rng, csvlog_t *log, long *pairs_out)
{
    const int V = w->size, d = c->d, T = V * 50 > 1000000 ? 1000000 : V * 50 < 10000 ? 10000 : V * 50;
    const int k = c->negatives < 63 ? c->negatives : 63;
    int *table = noise_table(w->count, V, T), *seq = nn_malloc(sizeof(int) * (size_t)w->total + 1);
    float *keep = nn_malloc(sizeof(float) * (size_t)V), *grad = nn_malloc(sizeof(float) * (size_t)d);
    for (int i = 0; i < V; i++) {
        double f = (double)w->count[i] / (double)w->total;
        keep[i] = f <= sample ? 1.0f : (float)sqrt(sample / f);
    }
    double last = 0, done = 0, planned = 0;
    long pairs_all = 0;
    for (int e = 1; e <= epochs; e++) {
        long n = words_subsample(seq, w, sample, keep, rng);
        if (e == 1)
            planned = (double)n * epochs;
        progress_t bar;
        char lab[64];
        snprintf(lab, sizeof lab, "word2vec %d/%d", e, epochs);
        progress_begin(&bar, lab, n);
        double eloss = 0, closs = 0;
        long epairs = 0, cpairs = 0;
        for (long s = 0; s < n; s += 1000) {
            int len = (int)(n - s < 1000 ? n - s : 1000);
            float lr = c->lr * (float)fmax(1e-4, 1.0 - done / planned);
            closs += sgns_sequence(Z, U, seq + s, len, c->window, k, table, T, d, lr, grad, &cpairs, rng);
            done += len;
            if ((s + len) * 20 / n != s * 20 / n || s + len >= n) {
                double mean = cpairs ? closs / cpairs : 0;
                nn_check_finite(mean, "word2vec loss", (long)done);
                if (log)
                    csvlog_row(log, (double[]){done, e - 1 + (double)(s + len) / n, mean});
                progress_step(&bar, s + len, "loss %.4f", mean);
                eloss += closs, epairs += cpairs, closs = 0, cpairs = 0;
            }
        }
        last = epairs ? eloss / epairs : 0;
        pairs_all += epairs;
        progress_end(&bar, "loss %.4f, %ld of %ld words kept", last, n, w->total);
    }
    *pairs_out = pairs_all;
    free(table), free(seq), free(keep), free(grad);
    return last;
}

/* The co-occurrence counts of ids (len tokens, ids < V): X_ij += 1/distance for every pair within
 * `window` words, in both orders. Returns the non-zero entries (*n of them): i, j and X_ij. */
typedef struct {
    int i, j;
    float x;
} cooc_t;

static cooc_t *cooc_count(long *n, const int *ids, long len, int V, int window)
{
    size_t cap = 1 << 16, used = 0;
    uint64_t *keys = nn_calloc(cap, sizeof(uint64_t));
    int *at = nn_malloc(sizeof(int) * cap);
    cooc_t *e = nn_malloc(sizeof(cooc_t) * (cap / 2));
    for (long p = 0; p < len; p++)
        for (int dist = 1; dist <= window && p + dist < len; dist++)
            for (int side = 0; side < 2; side++) {
                int i = ids[side ? p + dist : p], j = ids[side ? p : p + dist];
                uint64_t key = (uint64_t)i * (uint64_t)V + (uint64_t)j + 1;
                size_t s = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
                while (keys[s] && keys[s] != key)
                    s = (s + 1) & (cap - 1);
                if (!keys[s]) {
                    keys[s] = key, at[s] = (int)used;
                    e[used++] = (cooc_t){i, j, 0};
                }
                e[at[s]].x += 1.0f / dist;
                if (used >= cap / 2) { /* grow: rehash every key into a table twice the size */
                    size_t nc = 2 * cap;
                    uint64_t *nk = nn_calloc(nc, sizeof(uint64_t));
                    int *na = nn_malloc(sizeof(int) * nc);
                    for (size_t q = 0; q < cap; q++)
                        if (keys[q]) {
                            size_t t = (size_t)((keys[q] * 0x9E3779B97F4A7C15ULL) >> 20) & (nc - 1);
                            while (nk[t])
                                t = (t + 1) & (nc - 1);
                            nk[t] = keys[q], na[t] = at[q];
                        }
                    free(keys), free(at);
                    keys = nk, at = na, cap = nc;
                    e = realloc(e, sizeof(cooc_t) * (cap / 2));
                    if (!e)
                        nn_fatal(NULL, "out of memory for %zu co-occurrences", used);
                }
            }
    free(keys), free(at);
    *n = (long)used;
    return e;
}

/* GloVe: `epochs` AdaGrad passes over the entries in a fresh random order each. Returns the last
 * epoch's mean loss. */
static double glove_train(glove_t *m, const cooc_t *X, long n, int epochs, float lr, rng_t *rng, csvlog_t *log)
{
    int *order = nn_malloc(sizeof(int) * (size_t)n + 1);
    double last = 0;
    progress_t bar;
    progress_begin(&bar, "GloVe", epochs);
    for (int e = 1; e <= epochs; e++) {
        rng_iota(order, (int)n);
        rng_shuffle(rng, order, (int)n);
        double sum = 0;
        for (long q = 0; q < n; q++)
            sum += glove_step(m, X[order[q]].i, X[order[q]].j, X[order[q]].x, lr);
        last = sum / (double)n;
        nn_check_finite(last, "GloVe loss", e);
        if (log)
            csvlog_row(log, (double[]){e, last});
        progress_step(&bar, e, "loss %.4f", last);
    }
    progress_end(&bar, "loss %.4f", last);
    free(order);
    return last;
}

/*md
**Using the vectors.** For "which words are like *king*?" we compare by cosine (9.4), which is a
dot product of unit vectors: normalize every row once, and a query is one matrix-vector product.
An **analogy** "*a* is to *b* as *c* is to ?" is answered by the word closest (by cosine) to
$\hat z_b - \hat z_a + \hat z_c$, leaving out $a$, $b$ and $c$ themselves (Mikolov et al.'s
3CosAdd, on unit vectors $\hat z$). Normalizing first matters: without it, a long vector (a
frequent word's) would dominate the sum.
*/

/* out (V, d) = the rows of X, with center: minus the mean row, then scaled to unit length. */
static void rows_normalized(float *out, const float *X, int V, int d, int center)
{
    memcpy(out, X, sizeof(float) * (size_t)V * d);
    for (int i = 0; i < d && center; i++) {
        double mean = 0;
        for (int v = 0; v < V; v++)
            mean += X[(size_t)v * d + i];
        mean /= V;
        for (int v = 0; v < V; v++)
            out[(size_t)v * d + i] -= (float)mean;
    }
    for (int v = 0; v < V; v++)
        unit_norm(out + (size_t)v * d, d);
}

/* The mean cosine of `pairs` random pairs of different rows of E (unit rows, (V, d)). */
static double mean_random_cosine(const float *E, int V, int d, int pairs, rng_t *rng)
{
    double s = 0;
    for (int p = 0; p < pairs; p++) {
        int a = (int)rng_below(rng, (uint32_t)V), b = (int)rng_below(rng, (uint32_t)V - 1);
        b += b >= a;
        s += dotf(E + (size_t)a * d, E + (size_t)b * d, d);
    }
    return s / pairs;
}

/* The k rows of E (V, d) with the largest dot product with q (with euclid: the smallest distance),
 * leaving out the ids in skip (nskip); ids into best, scores into score. */
static void nearest(int *best, float *score, const float *E, int V, int d, const float *q, int k, const int *skip,
                    int nskip, int euclid)
{
    for (int r = 0; r < k; r++)
        best[r] = -1, score[r] = -INFINITY;
    for (int v = 0; v < V; v++) {
        int skipped = 0;
        for (int s = 0; s < nskip; s++)
            skipped |= skip[s] == v;
        if (skipped)
            continue;
        float sc = 0;
        if (euclid) {
            for (int i = 0; i < d; i++)
                sc -= (E[(size_t)v * d + i] - q[i]) * (E[(size_t)v * d + i] - q[i]);
        } else
            sc = dotf(E + (size_t)v * d, q, d);
        int r = k;
        while (r > 0 && sc > score[r - 1])
            r--;
        if (r < k) {
            memmove(best + r + 1, best + r, sizeof(int) * (size_t)(k - 1 - r));
            memmove(score + r + 1, score + r, sizeof(float) * (size_t)(k - 1 - r));
            best[r] = v, score[r] = sc;
        }
    }
}

#ifndef GRADING
/* Part 3: word embeddings on the King James Bible, word2vec and GloVe side by side. */
static void print_neighbours(const words_t *w, const float *E, int d, const char *word, int k, int euclid)
{
    int q = words_id(w, word), best[16];
    float score[16];
    if (q < 0) {
        printf(" (%s: not in the vocabulary)", word);
        return;
    }
    nearest(best, score, E, w->size, d, E + (size_t)q * d, k, &q, 1, euclid);
    for (int r = 0; r < k; r++)
        printf("%s%s %.2f", r ? ", " : " ", w->words[best[r]], euclid ? (double)-score[r] : (double)score[r]);
}

/* "a is to b as c is to ?": the word closest to b - a + c (unit rows E), a, b, c left out. */
static void print_analogy(const words_t *w, const float *E, int d, const char *a, const char *b, const char *c, int k)
{
    int ids[3] = {words_id(w, a), words_id(w, b), words_id(w, c)}, best[8];
    float q[512], score[8];
    if (ids[0] < 0 || ids[1] < 0 || ids[2] < 0 || d > 512) {
        printf(" (not in the vocabulary)");
        return;
    }
    for (int i = 0; i < d; i++)
        q[i] = E[(size_t)ids[1] * d + i] - E[(size_t)ids[0] * d + i] + E[(size_t)ids[2] * d + i];
    unit_norm(q, d);
    nearest(best, score, E, w->size, d, q, k, ids, 3, 0);
    for (int r = 0; r < k; r++)
        printf("%s%s %.2f", r ? ", " : " ", w->words[best[r]], (double)score[r]);
}

static int run_words(const flags_t *f, const char *path, int big, rng_t *rng)
{
    text_t text;
    if (text_read(&text, path, 1000) != 0)
        return -1;
    words_t w;
    const int min_count = f->quick ? 2 : 5;
    int rc = words_build(&w, text.data, text.len, min_count, path);
    text_free(&text);
    if (rc != 0)
        return -1;
    printf("words: %ld in %s, %d of them seen %d times or more (%ld tokens kept); the most frequent: %s %ld, %s "
           "%ld, %s %ld\n", w.n_tokens, path, w.size, min_count, w.total, w.words[0], w.count[0],
           w.words[w.size > 1], w.count[w.size > 1], w.words[w.size > 2 ? 2 : 0], w.count[w.size > 2 ? 2 : 0]);
    const int d = f->quick ? 16 : big ? 100 : 32, V = w.size;
    const int w2v_epochs = f->quick ? 1 : big ? 10 : 2, glove_epochs = f->quick ? 2 : big ? 50 : 10;
    char lpath[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(lpath, f->out, "words.csv"), "step,epoch,train_loss") != 0)
        return -1;
    sgns_config c = {.d = d, .window = 5, .negatives = 5, .lr = 0.025f};
    float *Z = nn_malloc(sizeof(float) * (size_t)V * d), *U = nn_malloc(sizeof(float) * (size_t)V * d);
    sgns_init(Z, U, V, d, rng);
    long pairs = 0;
    double t0 = timing_seconds();
    double loss = word2vec_train(Z, U, &w, &c, 1e-3, w2v_epochs, rng, &log, &pairs);
    printf("word2vec (skip-gram, d %d, window 5, 5 negatives, subsampling 1e-3), %d epochs: %ld pairs, final loss "
           "%.3f (%.1fs)\n", d, w2v_epochs, pairs, loss, timing_seconds() - t0);
    rc |= csvlog_close(&log);

    t0 = timing_seconds();
    long nx;
    cooc_t *X = cooc_count(&nx, w.ids, w.total, V, 5);
    glove_t m = glove_new(V, d, rng);
    csvlog_t glog;
    if (csvlog_open(&glog, io_join(lpath, f->out, "glove.csv"), "epoch,train_loss") != 0)
        return -1;
    {   /* one step must lower its entry's loss (exercise 09.9 at work): the largest count */
        long top = 0;
        for (long q = 1; q < nx; q++)
            top = X[q].x > X[top].x ? q : top;
        const cooc_t x = X[top];
        double before = glove_loss(&m, x.i, x.j, x.x);
        glove_step(&m, x.i, x.j, x.x, 0.05f);
        printf("one GloVe step (AdaGrad 0.05) on the largest count, X(%s, %s) = %.0f: its loss goes from %.3f to "
               "%.3f\n", w.words[x.i], w.words[x.j], (double)x.x, before, glove_loss(&m, x.i, x.j, x.x));
    }
    double gl = glove_train(&m, X, nx, glove_epochs, 0.05f, rng, &glog);
    rc |= csvlog_close(&glog);
    printf("GloVe (d %d, window 5, x_max %d, alpha 0.75, AdaGrad 0.05): %ld non-zero co-occurrences of %.0f pairs "
           "(%.2f%%), %d epochs, final loss %.4f (%.1fs)\n", d, GLOVE_XMAX, nx, (double)V * V, 100.0 * nx / ((double)V * V),
           glove_epochs, gl, timing_seconds() - t0);

    /* the two models' vectors, unit rows: word2vec's centers, GloVe's w + w~ */
    float *A = nn_malloc(sizeof(float) * (size_t)V * d), *B = nn_malloc(sizeof(float) * (size_t)V * d);
    float *S = nn_malloc(sizeof(float) * (size_t)V * d);
    for (size_t i = 0; i < (size_t)V * d; i++)
        S[i] = m.W[i] + m.Wc[i];
    rows_normalized(A, Z, V, d, 0);
    rows_normalized(B, S, V, d, 0);
    double raw_cos[2] = {mean_random_cosine(A, V, d, 10000, rng), mean_random_cosine(B, V, d, 10000, rng)};
    rows_normalized(A, Z, V, d, 1);
    rows_normalized(B, S, V, d, 1);
    printf("mean cosine of 10000 random pairs of words: word2vec %.2f, GloVe %.2f; after subtracting the mean vector "
           "%.2f and %.2f\n", raw_cos[0], raw_cos[1], mean_random_cosine(A, V, d, 10000, rng),
           mean_random_cosine(B, V, d, 10000, rng));
    const char *queries[] = {"god", "king", "egypt", "david", "water", "sword"};
    printf("nearest neighbours by cosine (centered vectors):\n");
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        printf("  %-6s word2vec", queries[q]);
        print_neighbours(&w, A, d, queries[q], 4, 0);
        printf(" | GloVe");
        print_neighbours(&w, B, d, queries[q], 4, 0);
        printf("\n");
    }
    const char *an[][3] = {{"man", "king", "woman"}, {"son", "father", "daughter"}, {"egypt", "pharaoh", "babylon"},
                           {"abraham", "isaac", "isaac"}, {"brother", "sister", "son"}};
    printf("analogies, a : b :: c : ? (closest to b - a + c by cosine, centered unit vectors):\n");
    for (size_t q = 0; q < sizeof an / sizeof *an; q++) {
        printf("  %s : %s :: %s : ?  word2vec", an[q][0], an[q][1], an[q][2]);
        print_analogy(&w, A, d, an[q][0], an[q][1], an[q][2], 3);
        printf(" | GloVe");
        print_analogy(&w, B, d, an[q][0], an[q][1], an[q][2], 3);
        printf("\n");
    }
    /* cosine against Euclidean distance on the raw word2vec vectors, and why */
    double len_freq = 0, len_rare = 0;
    int n_freq = 0, n_rare = 0;
    for (int v = 0; v < V; v++) {
        double l = sqrt(dotf(Z + (size_t)v * d, Z + (size_t)v * d, d));
        if (v < 100)
            len_freq += l, n_freq++;
        else if (w.count[v] <= 2 * min_count)
            len_rare += l, n_rare++;
    }
    printf("word2vec vector length: %.2f on average for the 100 most frequent words, %.2f for the %d words seen "
           "%d-%d times\n", len_freq / (n_freq ? n_freq : 1), len_rare / (n_rare ? n_rare : 1), n_rare, min_count,
           2 * min_count);
    rows_normalized(A, Z, V, d, 0);
    printf("  king, raw word2vec vectors: by cosine");
    print_neighbours(&w, A, d, "king", 4, 0);
    printf(" | by Euclidean distance");
    print_neighbours(&w, Z, d, "king", 4, 1);
    printf("\n");
    free(A), free(B), free(S), free(Z), free(U), free(X), glove_free(&m), words_free(&w);
    return rc;
}
#endif

/*md
## 9.12 The program

`main` runs the four parts in order and writes everything to `out/09/`:

1. the karate club: node2vec walks ($p = 1$, $q = 0.5$), skip-gram, the PCA figure, node
   classification from half the members' labels, and the GCN trained from two labels only,
   drawn by Graphviz coloured by its predicted faction;
2. the package graph: DeepWalk on the training graph with the validation AUC watched after each
   round of walks, then the test AUC by every score, the ROC figure, and section prediction;
3. the package knowledge graph: TransE for 5 epochs (`transe.csv`), completion of 500 held-out
   triples and the wrong-edge AUC of all of them;
4. the words of the King James Bible: word2vec (2 epochs, `words.csv`) and GloVe (10 epochs,
   `glove.csv`), $d = 32$, then neighbours and analogies side by side.

`--quick` uses the committed package excerpt, the committed Bible excerpt and few walks;
`--packages FILE` reads another `dumpavail` file and `--words FILE` another text; `--bench` times
DeepWalk on the full package graph and prints one line. The bigger runs are one part at a time:
`--experiment words` ($d = 100$, word2vec 10 epochs, GloVe 50) and `--experiment kg` (TransE 50
epochs, every held-out triple ranked).

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
3.3 million walk steps and 12.8 million skip-gram pairs, about half a minute of one core (the
whole program, knowledge graph and words included, stays under a minute). The
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

**The knowledge graph.** The package list gives about 66,000 entities (the packages, 58 sections,
about 2,200 maintainers) and about 420,000 distinct triples, of which 2% are held out. Five epochs
of TransE ($d = 32$, L1, margin 1, learning rate 0.05 decaying to 0) and the held-out triples
tell a sobering story, in the same two parts as the links above. Completion first: ranked against
all entities (filtered), the true tail is in TransE's top 10 for about 22% of the triples, but
ranking the candidates by how often they are a tail of that relation, without any learning, gets
about 30%: most tails are `libc6`, `libs`, a big team, and popularity wins again. Heads are
nearly hopeless for both (hits@10 about 1%): "which of 20,000 packages is the one that depends on
`libc6`?" has no answer in a translation model, which maps all of them to nearly the same point,
$e_{\mathrm{libc6}} - r$. Spotting wrong edges works better than chance but not well: a held-out
triple against a corrupted one scores an AUC of about 0.68, and about 0.70 when the corrupted
tail is of the same kind. One vector per relation is too little for relations this lopsided;
TransH, TransR and RotatE (the note of exercise 09.8) were invented for exactly this, and
`--experiment kg` trains ten times longer.

**The words.** The Bible has 792,655 words, 5,295 distinct ones seen at least 5 times. Word2vec
and GloVe, $d = 32$, sit side by side in `run.txt`. The first thing to look at is not a
neighbour but the geometry: the mean cosine of random pairs of word2vec vectors is about 0.85.
Every vector shares one large common direction, and raw cosines say "everything is similar". (A
likely cause: the negatives are drawn from all the words in proportion to $n^{3/4}$, while the
frequent words are mostly subsampled away as positive contexts, so every center vector is pushed
away from the same few context vectors; with the stronger subsampling $t = 10^{-4}$ the mean
cosine is higher still.) Subtracting the mean vector before normalizing takes it to about 0.03; every
neighbour and analogy below uses centered unit vectors. Normalization matters in a second way:
frequent words get long vectors (about 2.2 on average for the 100 most frequent, about 1.1 for
those seen 5 to 10 times), so a sum like $z_b - z_a + z_c$ of raw vectors is pulled towards whichever word
is most frequent, and Euclidean distance ranks by length as much as by direction.

With centered vectors, word2vec's neighbours are sensible (*david*: absalom, isaac, solomon, eli
or abraham; *egypt*: canaan, land, captivity or assyria) and three of the five analogies land:
son is to father as daughter is to **mother** (cosine about 0.84), abraham is to isaac as isaac
is to one of isaac's sons (**jacob** on some of our machines, his twin **esau** on others, cosine
about 0.87), and brother is to sister as son is to **daughter** (about 0.78, first or just behind
a name). Which name wins, and the order of the neighbours, change from one machine to another,
with the same code and the same seed: training makes millions of small updates, so a difference
in the last bit of one result (the C library, for one, chooses its `expf`, used in the sigmoid,
among several implementations for the processor it runs on) is carried into every vector. What
the run shows is the same in kind, not in detail. The famous king $-$ man $+$ woman does not
give queen here (the Bible's 0.8 million words are a thousandth of the corpus that made it famous,
and *queen* is a rare word in it), nor does egypt : pharaoh :: babylon give nebuchadnezzar. GloVe, with
ten passes over its 970,688 non-zero counts, is not there yet: its neighbours are dominated by
frequent words (*water*: spoil, be, bread) and none of the analogies works. Counting is fast;
fitting the counts needs many more passes than streaming skip-gram does over the same text
(`--experiment words` gives it 50).
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
static int run_packages(const flags_t *f, const char *packages, int epochs, rng_t *rng, int bench, int kg_only,
                        int kg_epochs, int kg_ranked)
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
    if (kg_only) {
        rc = run_transe(f, &pk, kg_epochs, kg_ranked, rng);
    } else if (bench) {
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
        rc |= run_transe(f, &pk, kg_epochs, kg_ranked, rng);
        edgelist_free(&train), pairs_free(&val), pairs_free(&test), free(scores);
    }
    free(Z), free(U), edgelist_free(&full), packages_free(&pk);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 3, .quick_epochs = 2, .seed = 1, .out = "out/09"};
    const char *packages = NULL, *experiment = NULL, *words = NULL;
    int bench = 0;
    const flags_option_t extra[] = {
        {"--packages", FLAGS_STRING, &packages, "read this apt-cache dumpavail file instead of running apt-cache"},
        {"--bench", FLAGS_SWITCH, &bench, "only the benchmark: DeepWalk on the package graph, one line of results"},
        {"--words", FLAGS_STRING, &words, "train the word vectors on this text file instead of the King James Bible"},
        {"--experiment", FLAGS_STRING, &experiment, "one part only, bigger: 'words' (d 100, word2vec 10 epochs, GloVe "
                                                    "50) or 'kg' (TransE 50 epochs, every held-out triple ranked)"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 9: graph embeddings (DeepWalk, node2vec, skip-gram, GCN) on "
                             "the karate club and Debian's package graph; word2vec and GloVe on the King James Bible; TransE on the package "
                             "knowledge graph.", extra, 4);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    const int kg = experiment && strcmp(experiment, "kg") == 0, big = experiment && strcmp(experiment, "words") == 0;
    if (experiment && !kg && !big) {
        nn_error("the experiments are: words, kg", "--experiment %s: expected words or kg", experiment);
        return 2;
    }
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
        return run_packages(&f, packages, 2, &rng, 1, 0, 0, 0) ? 1 : 0;
    int rc = 0;
    if (!experiment) {
        if (run_karate(&f, datadir, &rng) < 0)
            return 1;
    }
    if (!big) {
        int r = run_packages(&f, packages, f.epochs, &rng, 0, kg, f.quick ? 5 : kg ? 50 : TRANSE_EPOCHS,
                             kg ? 1000000 : f.quick ? 100 : 500);
        if (r < 0 && !experiment)
            return 1;
        rc |= r;
    }
    if (!kg) {
        char text[4096], sample_text[4096];
        const char *path = words ? words : f.quick ? io_join(sample_text, datadir, "kjv-sample/kjv.txt") : NULL;
        if (!path && text_kjv_path(text, NULL, f.out) != 0)
            return 1;
        if (run_words(&f, path ? path : text, big, &rng) < 0)
            return 1;
    }
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
