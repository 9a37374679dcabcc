/*md
# Automatic differentiation on a tape

Chapter 3 trained a network by writing its backward pass by hand: for every layer, the chain
rule worked out on paper and typed in as `linear_backward`, `relu_backward`, and so on, called in
exactly the reverse order of the forward pass. It works, and it is how you learn what a gradient
is. It does not scale: every new architecture needs a new backward pass, written and debugged by
hand, and a single wrong index gives a network that trains a little worse without ever saying
why. This chapter builds the machine that writes backward passes for us: *reverse-mode automatic
differentiation* on a *tape*. You write only the forward computation; each operation records
itself as it runs; one call then walks the recording backwards and applies the chain rule.

The engine lives in `common/autograd.h` (every later chapter builds its models on it), and this
chapter derives it piece by piece: what a computational graph is, why *reverse* mode, the
backward rule of each operation (the elementwise product, the matrix product, broadcasting,
reshape), the order in which the rules must run, and why a value used twice must *add up* its
gradients. You write those pieces yourself as exercises, on the same data structures the library
uses, and the program checks your engine against the library, the library against chapter 3's
hand-written backward pass, against centered differences and against PyTorch. Then we rebuild
chapter 3's Fashion-MNIST network on the tape, draw its graph with Graphviz, measure where the
time goes, and use the new tools to debug networks that fail quietly: shape errors, a
broadcasting bug that trains happily towards the wrong answer, and a network that does not learn
at all.

**Notation.** $B$ examples per batch, $D = 784$ inputs, hidden widths $H_1 = 256$ and
$H_2 = 128$, $K = 10$ classes. For any value $v$ computed on the way to the scalar loss $L$, its
*adjoint* (gradient) is $\bar v = \partial L / \partial v$, a tensor of $v$'s own shape. Tensors
are row-major: a `(B, D)` matrix stores row $b$ at `x + b*D`.
*/

#include "activations.h" /* relu/sigmoid kernels the tape's activations call */
#include "autograd.h"    /* the tape: ag_tape_t, ag_var_t, ag_* operations, ag_backward */
#include "csvlog.h"      /* out/04/log.csv */
#include "data.h"        /* Fashion-MNIST, splits, dataset_gather (a shuffled batch) */
#include "error.h"       /* nn_fatal, nn_malloc, nn_check_finite */
#include "course.h"      /* TODO: the student edition's exercise stubs */
#include "flags.h"       /* --epochs --seed --quick --out --data --help, plus --lr --batch --bench */
#include "init.h"        /* He initialization */
#include "io.h"          /* io_create/io_commit, io_join */
#include "layers.h"      /* linear_stack_train_flops: the FLOPs of a training step */
#include "matmul.h"      /* matmul_blas(): OpenBLAS SGEMM */
#include "metrics.h"     /* metrics_argmax, metrics_r2, metrics_evaluate */
#include "optim.h"       /* adam_t */
#include "plot.h"        /* gnuplot figures */
#include "progress.h"    /* progress bar */
#include "timing.h"      /* timing_seconds, timing_median */
#include "rng.h"         /* explicit random state */
#include "schedule.h"    /* SCHEDULE_LINEAR: the learning rate falling to 0 over the run */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 4.1 Three ways to a derivative

Training needs $\partial L / \partial \theta_i$ for every parameter $\theta_i$: 235,146 of them for
the network at the end of this chapter. There are three ways to get them.

*Symbolic differentiation* applies the rules of calculus to the formula of $L$, as a computer
algebra system does. The formula of a deep network is a composition hundreds of functions deep;
its derivative, written out, repeats shared subexpressions over and over ("expression swell"),
and a program with loops and branches is not a formula at all.

*Numerical differentiation* perturbs each parameter and watches the loss:
$\partial L / \partial \theta_i \approx (L(\theta + h e_i) - L(\theta - h e_i)) / 2h$. It needs
two forward passes *per parameter*, 470,292 forward passes for one gradient of our network, and
it is only approximate: too large an $h$ and the curvature spoils it, too small and float
rounding does. It is, however, the perfect *test* of the other methods, and chapter 3's
`gradcheck.h` uses it that way.

*Automatic differentiation* is the third way: a program is a sequence of elementary operations
whose derivatives are known exactly, and the chain rule combines them *numerically*, at the
current point, as the program runs. It is exact up to float rounding, and it costs a small
multiple of one forward pass. It comes in two modes:

- **Forward mode** carries, next to every value $v$, its derivative $\dot v = \partial v / \partial x$
  with respect to *one* chosen input $x$. One pass gives the derivatives of every output with
  respect to that one input. For 235,146 parameters: 235,146 passes.
- **Reverse mode** first runs the program forwards and remembers what it did, then carries
  $\bar v = \partial L / \partial v$ *backwards*, from one chosen output $L$ to every value. One
  backward pass gives the derivatives of that one output with respect to *every* input.

Training has one output (the loss) and many inputs (the parameters), so reverse mode wins by a
factor of the parameter count. Its price is memory: the backward pass needs the values the
forward pass computed (the derivative of $\tanh$ at $v$ needs $v$), so they must be kept until
the backward pass is done. Reverse mode on a recording is what deep learning calls
*backpropagation*, and what PyTorch's `loss.backward()` does.

## 4.2 The computational graph

Take a small function of two numbers,

$$
f(x, y) = e^{x y} + x .
$$

A program computes it in steps, each one elementary operation:

$$
v_1 = x \, y, \qquad v_2 = e^{v_1}, \qquad f = v_2 + x .
$$

Draw each value as a node and each "is computed from" as an arrow, and you get its
*computational graph*:

```dot
digraph { rankdir=LR; node [fontname="sans"];
  x [shape=ellipse]; y [shape=ellipse];
  v1 [label="v1 = x y", shape=box]; v2 [label="v2 = exp(v1)", shape=box]; f [label="f = v2 + x", shape=box];
  x -> v1; y -> v1; v1 -> v2; v2 -> f; x -> f; }
```

The graph is a DAG (directed and acyclic: a value cannot depend on itself), and $x$ has *two*
arrows out of it: it reaches $f$ along two paths, through $v_1$ and $v_2$, and directly.

The chain rule on a graph. Suppose we know the adjoint $\bar v = \partial f / \partial v$ of every
consumer $v$ of a value $u$. A small change $\delta u$ changes each consumer by
$(\partial v / \partial u) \, \delta u$ (the *local* derivative of one operation), and each of those
changes $f$ by $\bar v$ times as much; the changes along different paths add up (to first order
they do not interact). So

$$
\bar u \;=\; \sum_{v \,\in\, \text{consumers}(u)} \bar v \, \frac{\partial v}{\partial u} .
$$

Starting from $\bar f = 1$ and applying this to each node *after* all its consumers:

$$
\begin{aligned}
\bar v_2 &= \bar f \cdot 1 = 1, &
\bar v_1 &= \bar v_2 \, e^{v_1} = e^{xy}, \\
\bar y &= \bar v_1 \, x = x e^{xy}, &
\bar x &= \underbrace{\bar v_1 \, y}_{\text{through } v_1} + \underbrace{\bar f \cdot 1}_{\text{direct}} = y e^{xy} + 1 ,
\end{aligned}
$$

which is what calculus says: $\partial f / \partial x = y e^{xy} + 1$,
$\partial f / \partial y = x e^{xy}$. At $x = 1, y = 2$: $f = e^2 + 1 = 8.389$,
$\bar x = 2e^2 + 1 = 15.78$, $\bar y = e^2 = 7.389$. The program draws this very graph from the
tape after the backward pass, every node with its value and its gradient:

![The recorded graph of $f(x, y) = e^{xy} + x$ at $x = 1$, $y = 2$, with each node's value and gradient (`out/04/expr.svg`).](out/04/expr.svg)

Two facts from this small example carry the whole engine. First, a node's rule needs only its
own adjoint and *local* information: the values of its inputs and output. Second, the adjoint of
$x$ is a *sum* over its consumers, so it is complete only after every consumer has contributed:
the order of the backward walk matters (section 4.5), and the contributions must be *added*, not
assigned (section 4.6).

## 4.3 Tensors: vector-Jacobian products

Our values are tensors, not numbers. For an operation $y = g(x)$ with $x \in \mathbb{R}^n$ and
$y \in \mathbb{R}^m$ (flatten any shape), the chain-rule sum above becomes, element by element,

$$
\bar x_i = \sum_j \bar y_j \, \frac{\partial y_j}{\partial x_i}, \qquad\text{i.e.}\qquad
\bar x = J^\top \bar y, \quad J_{ji} = \frac{\partial y_j}{\partial x_i} .
$$

The Jacobian $J$ is $m \times n$: for a ReLU on a batch of 128 × 256 activations that is a
matrix of $10^9$ entries, almost all zero. We never form it. Every operation instead provides
its *vector-Jacobian product* (VJP): a function that takes $\bar y$ (shaped like $y$) and returns
$\bar x$ (shaped like $x$) directly, exploiting the structure of $J$. Deriving an operation's
backward rule means finding that function. Below, $g = \bar y$ is the incoming (upstream)
gradient.

**Elementwise product**, $y = a \odot b$ (same shapes): $y_j = a_j b_j$ depends on $a_i$ only for
$i = j$, with $\partial y_i / \partial a_i = b_i$. The sum collapses to one term:

$$
\bar a = g \odot b, \qquad \bar b = g \odot a .
$$

### Exercise 04.1 — the backward of the elementwise product

Write `mul_backward`: **add** $g \odot b$ into `da` and $g \odot a$ into `db` (elementwise, `n`
elements). Either output may be `NULL` (that input needs no gradient): skip it. `da` and `db`
may be the *same* buffer, when the product is $x \odot x$: then both contributions must land, so
$x$ receives $2 x g$. Why add rather than assign? Section 4.6 answers; for now, it is what makes
the $x \odot x$ case come out right.
*/

/* da += g * b, db += g * a.   g, a, b, da, db: (n); da or db may be NULL; da may equal db. */
static void mul_backward(float *da, float *db, const float *g, const float *a, const float *b, size_t n)
{
    /* BEGIN EXERCISE 04.1 (2 points): the backward of the elementwise product */
    for (size_t i = 0; i < n; i++) {
        if (da)
            da[i] += g[i] * b[i];
        if (db)
            db[i] += g[i] * a[i];
    }
    /* END EXERCISE */
}

/*md
**Matrix product**, $C = A B$ with $A$ of shape $(M, K)$, $B$ of shape $(K, N)$, $C$ of shape
$(M, N)$: $C_{ij} = \sum_k A_{ik} B_{kj}$. The entry $A_{ik}$ appears in every $C_{ij}$ of row $i$,
with $\partial C_{ij} / \partial A_{ik} = B_{kj}$; so

$$
\bar A_{ik} = \sum_j G_{ij} B_{kj} = (G B^\top)_{ik}, \qquad
\bar B_{kj} = \sum_i G_{ij} A_{ik} = (A^\top G)_{kj},
$$

that is, $\bar A = G B^\top$ and $\bar B = A^\top G$, with $G = \bar C$. There is a quick way to
remember (and check) it: $\bar A$ must have $A$'s shape $(M, K)$, and out of $G$ $(M, N)$ and
$B$ $(K, N)$ the only product with that shape is $G B^\top$. The backward pass costs two matrix
products of the same size as the forward one, which is why training costs about three times as
much as inference. (A fully connected layer $x W + b$ is this with $A = x$, $B = W$: chapter 3's
`linear_backward`.)

### Exercise 04.2 — the backward of the matrix product

Write `matmul_backward`: **add** $G B^\top$ into `dA` and $A^\top G$ into `dB`, each skipped when
`NULL`. Use `matmul_blas()` from `matmul.h`,
`matmul_blas(trans_a, trans_b, M, N, K, alpha, A, B, beta, C)` computing
$C \leftarrow \alpha \, \mathrm{op}(A) \, \mathrm{op}(B) + \beta C$ where $\mathrm{op}$ transposes
when its flag is 1 and the sizes $M, N, K$ are those of the *product*: op(A) is $(M, K)$ and op(B)
is $(K, N)$. Which $\beta$ makes it add into the buffer?
*/

/* dA += dC B^T, dB += A^T dC.   A: (M, K), B: (K, N), dC: (M, N), dA: (M, K) or NULL,
 * dB: (K, N) or NULL. */
static void matmul_backward(float *dA, float *dB, const float *dC, const float *A, const float *B, int M,
                            int K, int N)
{
    /* BEGIN EXERCISE 04.2 (3 points): the backward of the matrix product */
    if (dA)
        matmul_blas(0, 1, M, K, N, 1.0f, dC, B, 1.0f, dA); /* (M, N) (N, K) */
    if (dB)
        matmul_blas(1, 0, K, N, M, 1.0f, A, dC, 1.0f, dB); /* (K, M) (M, N) */
    /* END EXERCISE */
}

/*md
**Broadcasting.** A layer adds one bias vector $b$ of shape $(N)$ to every row of a batch $z$ of
shape $(B, N)$. We could copy $b$ into a $(B, N)$ matrix first; *broadcasting* lets the addition
do that implicitly, following NumPy's and PyTorch's rules:

1. line the two shapes up at their **last** dimension (a missing leading dimension counts as 1);
2. in every dimension the sizes must be equal, or one of them must be 1;
3. a size-1 dimension is repeated to match the other; the result has the larger size everywhere.

So $(B, N) + (N)$ is $(B, N)$, $(B, N) + (B, 1)$ adds one number per row, and $(2, 1, 4) + (3, 1)$
is $(2, 3, 4)$. And $(B, 1) - (B)$ is $(B, B)$: legal, and almost never what you meant
(section 4.10).

The backward rule follows from the graph view: a repeated element is a value *used several
times*, so its adjoint is the sum over its uses. With $y_{bn} = z_{bn} + b_n$,

$$
\bar z = g, \qquad \bar b_n = \sum_{b} g_{bn} ,
$$

and in general: **the gradient of a broadcast operand is the upstream gradient summed over the
dimensions along which the operand was repeated**, then seen with the operand's shape. That sum
is the `db = column sums of dy` of chapter 3's linear layer, now derived for any shapes.

To implement it we need, for each element of the result, the element of the operand it was read
from. `broadcast_offset` computes that flat index: it peels off the result's multi-index one
dimension at a time, from the last, and drops the coordinates where the operand has size 1.
*/

/* The flat index in x of the element that element i of the broadcast result `out` reads:
 * shapes aligned at the last dimension, x's size-1 dimensions repeated. */
static size_t broadcast_offset(size_t i, tensor_t out, tensor_t x)
{
    size_t off = 0, stride = 1;
    for (int d = out.ndim - 1, dx = x.ndim - 1; d >= 0 && dx >= 0; d--, dx--) {
        size_t idx = i % (size_t)out.shape[d]; /* coordinate of element i along dimension d */
        i /= (size_t)out.shape[d];
        if (x.shape[dx] != 1)
            off += idx * stride;
        stride *= (size_t)x.shape[dx];
    }
    return off;
}

/* The result's shape under the rules above, or a message naming op and both shapes. */
static tensor_t broadcast_shape(const char *op, tensor_t a, tensor_t b)
{
    tensor_t out = {.ndim = a.ndim > b.ndim ? a.ndim : b.ndim};
    for (int d = out.ndim - 1, da = a.ndim - 1, db = b.ndim - 1; d >= 0; d--, da--, db--) {
        int sa = da >= 0 ? a.shape[da] : 1, sb = db >= 0 ? b.shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char s1[64], s2[64];
            nn_fatal("sizes must be equal or 1 in every dimension, aligned at the last one",
                     "%s: shapes %s and %s cannot be broadcast together", op, tensor_shape_str(a, s1),
                     tensor_shape_str(b, s2));
        }
        out.shape[d] = sa == 1 ? sb : sa;
    }
    return out;
}

/*md
### Exercise 04.3 — the backward of broadcasting

Write `sum_to_shape`: **add** each element of the gradient `g` (the broadcast result's shape)
into the element of `ga` (the operand's shape) that it was read from, so that every element of
`ga` receives the sum of the gradients of all its copies. `broadcast_offset` gives the index.
When `ga` has the same shape as `g` this is plain addition; the tests also try a bias
$(4, 3) \to (3)$, a column $(2, 3) \to (2, 1)$ and shapes broadcast on both sides.
*/

/* ga += g summed over the broadcast dimensions.   g: the result's shape; ga: the operand's shape,
 * which broadcasts to g's. */
static void sum_to_shape(tensor_t ga, tensor_t g)
{
    /* BEGIN EXERCISE 04.3 (2 points): the backward of broadcasting */
    size_t n = tensor_size(g);
    for (size_t i = 0; i < n; i++)
        ga.data[broadcast_offset(i, g, ga)] += g.data[i];
    /* END EXERCISE */
}

/*md
**Reshape** changes how we index the elements, not the elements: $(2, 3)$ seen as $(3, 2)$ or as
$(6)$ is the same six floats in the same row-major order. Its Jacobian is the identity, so its
backward is a reshape too: $\bar x$ is $g$ seen with $x$'s shape. The library's `ag_reshape`
makes the output a *view* of the input's memory (no copy), and its backward adds $g$ into
$\bar x$ element by element.

**Activations and losses** we derived in chapter 3, and their kernels live in `common/`: the
tape's `ag_relu` calls `relu_forward` and `relu_backward` from `activations.h` (and
`ag_activation` wraps any pair of that file: one line gives GELU or Mish on the tape), and
`ag_softmax_cross_entropy` calls `softmax_cross_entropy` from `loss.h`, which computes the loss
and $\bar z = (\operatorname{softmax}(z) - \operatorname{onehot}) / B$ in the same loop. An engine
reuses hand-derived rules for the operations it treats as elementary; the automation is in
*composing* them.

## 4.4 Recording: the tape

A *tape* (or Wengert list) is the computational graph written down in the order it was built.
Every operation appends one *node*: its output value, the indices of its inputs, and a pointer
to its backward function. Here is the library's node (`common/autograd.h`):

```c
struct ag_node_t {
    tensor_t value;            // the forward result
    float *grad;             // dL/dvalue, value's shape; NULL until a gradient arrives
    const char *op;          // "mul", "matmul", ...; leaves: "input", "leaf" or "param"
    int in[AG_MAX_INPUTS];   // the inputs' ids: always smaller than this node's own id
    int n_in;
    int requires_grad;       // does some input want a gradient?
    ag_backward_fn_t backward; // adds this node's gradient into its inputs' gradients
    ...
};
```

Values enter the tape as *leaves*: `ag_input` for data (no gradient), `ag_param_var` for a
parameter (its gradient goes to the parameter's own `grad` buffer, which outlives the tape),
`ag_leaf` for anything else we want a gradient of. A node *requires grad* when one of its inputs
does, and only then is its backward function ever called: the gradient of the input images, which
no one needs, is never computed (chapter 3 saved that product by hand by passing `dx = NULL`).

Three design decisions make the tape fast and safe:

- **An arena per step.** Every value and gradient of a step is carved out of one block (the
  `arena_t` of `arena.h`) by bumping an offset; `ag_tape_reset()` gives all of it back in O(1)
  at the start of the next step. After the first step the training loop calls `malloc` not once.
- **Handles, not pointers.** An operation returns an `ag_var_t`: the tape, the node's index and the
  tape's *generation*, which every reset increments. A handle kept from an earlier step is caught
  (`ag_backward: the loss was recorded before the tape was last reset (recording 3; the tape is
  now at recording 4)`) instead of silently reading the memory a newer value now occupies.
- **Recording is computing.** An operation computes its value immediately (this is "define by
  run", as in PyTorch), so ordinary C control flow (loops, `if`s, early exits) is simply
  recorded as whatever actually ran.

Writing a new operation takes a forward computation and a backward function, joined by
`ag_record()`. Here are the three operations whose backward rules you wrote, as tape operations.
A backward function receives its node, whose gradient is complete, and asks for its inputs'
gradient buffers with `ag_grad_accum()`: zero-filled the first time, so that every contribution
can be added.
*/

static void ch_mul_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *a = ag_input_node(t, n, 0), *b = ag_input_node(t, n, 1);
    float *ga = ag_grad_accum(t, a), *gb = ag_grad_accum(t, b); /* NULL: no gradient wanted */
    mul_backward(ga, gb, n->grad, a->value.data, b->value.data, tensor_size(n->value));
}

/* a * b, elementwise, same shapes. */
static ag_var_t ch_mul(ag_var_t a, ag_var_t b)
{
    tensor_t x = ag_value(a), y = ag_value(b);
    tensor_check_same("ch_mul", x, y);
    tensor_t out = ag_alloc(a.tape, x.ndim, x.shape);
    for (size_t i = 0; i < tensor_size(x); i++)
        out.data[i] = x.data[i] * y.data[i];
    return ag_record(a.tape, "mul", out, (ag_var_t[]){a, b}, 2, ch_mul_backward);
}

static void ch_matmul_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *A = ag_input_node(t, n, 0), *B = ag_input_node(t, n, 1);
    matmul_backward(ag_grad_accum(t, A), ag_grad_accum(t, B), n->grad, A->value.data, B->value.data,
                    A->value.shape[0], A->value.shape[1], B->value.shape[1]);
}

/* A B.   A: (M, K), B: (K, N) -> (M, N) */
static ag_var_t ch_matmul(ag_var_t A, ag_var_t B)
{
    tensor_t a = ag_value(A), b = ag_value(B);
    tensor_check_shape("ch_matmul", "B", b, 2, (int[]){a.ndim == 2 ? a.shape[1] : -1, -1});
    tensor_t c = ag_alloc(A.tape, 2, (int[]){a.shape[0], b.shape[1]});
    matmul_blas(0, 0, a.shape[0], b.shape[1], a.shape[1], 1.0f, a.data, b.data, 0.0f, c.data);
    return ag_record(A.tape, "matmul", c, (ag_var_t[]){A, B}, 2, ch_matmul_backward);
}

static void ch_add_backward(ag_tape_t *t, ag_node_t *n)
{
    tensor_t g = n->value;
    g.data = n->grad;
    for (int k = 0; k < 2; k++) {
        ag_node_t *x = ag_input_node(t, n, k);
        tensor_t gx = x->value;
        gx.data = ag_grad_accum(t, x);
        if (gx.data)
            sum_to_shape(gx, g);
    }
}

/* a + b with broadcasting. */
static ag_var_t ch_add(ag_var_t a, ag_var_t b)
{
    tensor_t x = ag_value(a), y = ag_value(b), out = broadcast_shape("ch_add", x, y);
    out = ag_alloc(a.tape, out.ndim, out.shape);
    for (size_t i = 0; i < tensor_size(out); i++)
        out.data[i] = x.data[broadcast_offset(i, out, x)] + y.data[broadcast_offset(i, out, y)];
    return ag_record(a.tape, "add", out, (ag_var_t[]){a, b}, 2, ch_add_backward);
}

/*md
## 4.5 In which order? Topological sort

The backward rule of a node may run only when its adjoint is complete, that is, after the rules
of *all* its consumers have run. An order of the nodes in which every node comes after all its
inputs is a *topological order* of the DAG; the backward pass needs the reverse of one.

Depth-first search gives one: to place a node, first place each of its inputs (recursively),
then append the node itself. A node is placed only after everything it depends on, and a
`visited` mark places every node once even when several paths lead to it, like $x$ in our
example. Starting from the loss, the search reaches exactly the nodes the loss depends on, in
$O(\text{nodes} + \text{edges})$ time.

### Exercise 04.4 — topological order by depth-first search

Write `topo_visit`: if node `id` is already visited, do nothing; otherwise mark it, visit each of
its inputs (`t->nodes[id].in[0 .. n_in)`), then append `id` to `order` at position `*count` and
increment `*count`. Do not assume anything about the numbering: the tests hand you graphs whose
node numbers are in no particular order (as a graph built by hand would be).
*/

/* Append to order[*count ...] every not yet visited node that `id` depends on, then id itself,
 * each after all of its inputs.   visited: (t->n), order: (t->n) */
static void topo_visit(const ag_tape_t *t, int id, char *visited, int *order, int *count)
{
    /* BEGIN EXERCISE 04.4 (3 points): topological order by depth-first search */
    if (visited[id])
        return;
    visited[id] = 1;
    const ag_node_t *n = &t->nodes[id];
    for (int k = 0; k < n->n_in; k++)
        topo_visit(t, n->in[k], visited, order, count);
    order[(*count)++] = id;
    /* END EXERCISE */
}

/*md
Now notice something about the tape. An operation can only read values that exist already, so
every node's inputs were recorded *before* it: `in[k] < id` always. The creation order is
itself a topological order, for free. That is the tape's whole point: the library's
`ag_backward` does not sort anything, it walks the tape from the loss back to the first node.
Nodes that do not lead to the loss (a metric computed on the side) simply never receive a
gradient, and are skipped. The search above is what an engine needs when the graph is built
some other way (from a file, by a compiler), and it is the right mental model of the order.

## 4.6 The backward walk, and why gradients add up

The walk itself is short: give every intermediate node a zeroed gradient buffer (a
parameter's buffer is its own `grad`, which keeps what it holds: gradients of several losses
add up there until `ag_params_zero_grad` clears them), set $\bar L = 1$ (the derivative
of $L$ with respect to itself), and call the backward rules in reverse topological order. Each rule *adds* its contributions into its inputs' buffers. This is the
$\sum_{v \in \text{consumers}(u)}$ of section 4.2: a value used twice (or a parameter shared by
two layers, or a bias broadcast over a batch, or $x$ in $x \odot x$) receives one contribution per
use, and the sum is its gradient. Assigning instead of adding would keep only the last
contribution: the single most common bug in hand-written engines, and one that gradient checks
catch at once.

### Exercise 04.5 — the backward walk

Write `backward_walk`: compute a topological order of the nodes `loss` depends on with
`topo_visit` (scratch arrays of `t->n` entries: a zeroed `visited`, and `order`); give each of
those nodes its gradient buffer with `ag_grad_accum(t, node)`: it allocates and zeroes a buffer
for an intermediate node, leaves a parameter's buffer as it is (never zero it yourself: the
tests check that a parameter's gradient accumulates), and returns `NULL`, doing nothing, for
nodes that need no gradient; add 1 to the loss's gradient (`ag_node_of(loss)->grad[0]`);
then, from the last node of the order to the first, call each node's `backward` function, when
it has one (leaves do not), as `n->backward(t, n)`. The library's operations work with your walk
unchanged.
*/

/* Fill the gradient of every node that `loss` (one element) depends on. */
static void backward_walk(ag_tape_t *t, ag_var_t loss)
{
    /* BEGIN EXERCISE 04.5 (3 points): the backward walk */
    char *visited = nn_calloc((size_t)t->n, 1);
    int *order = nn_malloc((size_t)t->n * sizeof(int)), count = 0;
    topo_visit(t, loss.id, visited, order, &count);
    for (int k = 0; k < count; k++)
        ag_grad_accum(t, &t->nodes[order[k]]); /* zeroed buffers (NULL where none is wanted) */
    ag_node_of(loss)->grad[0] += 1.0f;      /* dL/dL = 1 */
    for (int k = count - 1; k >= 0; k--) {  /* reverse topological order */
        ag_node_t *n = &t->nodes[order[k]];
        if (n->backward)
            n->backward(t, n);
    }
    free(visited);
    free(order);
    /* END EXERCISE */
}

/*md
The library's `ag_backward` is the same walk with two refinements. It takes the tape's own order
instead of sorting. And it does not zero the buffers first: a gradient buffer is allocated when
its first contribution arrives and *written* (for a matrix product, SGEMM with $\beta = 0$);
only a second contribution *adds* ($\beta = 1$). That saves a pass over every buffer, and gives
exactly the same numbers. It also refuses a second `ag_backward` on the same recording, which
would add the parameters' gradients twice: to combine two losses, add them and call backward
once (the gradient of a sum is the sum of the gradients).

## 4.7 Trusting the engine

An autodiff engine is only useful if it is right, so we check it three independent ways:

1. **Centered differences.** `gradcheck_run()` (chapter 3, `common/gradcheck.h`) perturbs every
   input element by $\pm h$ and compares $(L(+h) - L(-h)) / 2h$ with the tape's gradient. In
   float32 with $h = 10^{-2}$ the relative error of a correct gradient is around $10^{-4}$; a wrong
   one is off by order 1. At a *kink* (ReLU at exactly 0) the centered difference averages the two
   one-sided slopes, $\frac12$, and no analytic choice can match it: `gradcheck_run()` recognises that
   the one-sided slopes disagree and that the disagreement does not shrink with $h$, reports the
   element as a kink and leaves it out. (Random inputs essentially never land on a kink;
   hand-picked ones, like 0, often do.)
2. **Chapter 3's hand-written backward.** For the MLP, the tape's parameter gradients must equal
   those of `linear_backward` / `relu_backward` / `softmax_cross_entropy` called by hand, to
   $10^{-5}$ (they run the same kernels, so in practice they agree to the last bit).
3. **PyTorch.** `chapters/04_autograd/golden/make_golden.py` runs the same small computations
   through PyTorch's autograd in float64 and writes the results to `golden/golden_04.h`; the
   tests compare against those numbers, so grading never needs PyTorch.

The program adds a fourth on every start: your engine against the library's. It records a small
tanh network (with a value used twice and a broadcast bias) once with `ch_matmul`, `ch_add` and
`ch_mul` and walks it with your `backward_walk`, once with `ag_matmul`, `ag_add` and `ag_mul` and
`ag_backward`, and prints the largest difference between the two sets of gradients: 0 for the
reference solutions, which perform the same floating-point operations in the same order. Yours
may print a few $10^{-8}$ instead, which is rounding, not a bug: a sum taken in another order or
in another precision (a broadcast's gradient added up in `float` where the library uses
`double`, say) rounds differently in the last bit.

## 4.8 Drawing the graph

The tape *is* the graph, so drawing it is a loop over the nodes: `ag_draw()` writes it in
Graphviz's DOT language (one line per node, one per arrow) and runs `dot` to lay it out
(`common/graphviz.h`: SVG for the book, PNG for everything else, the `.dot` source kept beside).
Leaves are ellipses (parameters shaded), operations boxes with their output shape. Here is one
training step of the network of the next section, from the input batch to the loss:

![One training step of the 784-256-128-10 MLP as recorded on the tape: parameters (shaded), the input batch, and each operation with its output shape (`out/04/mlp.svg`).](out/04/mlp.svg)

## 4.9 The MLP on the tape

Chapter 3's network, rebuilt: $784 \to 256 \to 128 \to 10$, ReLU between the layers, softmax
cross-entropy, He-initialized weights, zero biases, Adam with learning rate $10^{-3}$, batches of
128. One addition: the learning rate falls linearly from $10^{-3}$ to 0 over the run, so that the
last epochs take ever smaller steps and the weights settle instead of jittering around the
minimum (chapter 5 studies such schedules; here it is one line, `opt.lr = lr * (1 - step /
total_steps)`). Every parameter is an `ag_param_t` carved out of one `ag_params_t` store: all
weights in one contiguous block and all gradients in another with the same layout, so that one
`memset` zeroes every gradient and one `adam_step` call updates the whole model.

The layer is `ag_linear(x, W, b)`, which computes $x W + b$ as one operation through chapter 3's
`linear_forward` (the bias is written into the output first and SGEMM adds the product on top,
one pass instead of two). It is the same as `ag_add(ag_matmul(x, W), b)`, the broadcast add of
section 4.3, fused.

### Exercise 04.6 — the MLP's forward pass on the tape

Write `mlp_forward`: record the input batch `x` with `ag_input`, then for each of the three
layers $l$ apply `ag_linear` with the layer's parameters recorded by
`ag_param_var(t, m->W[l])` and `ag_param_var(t, m->b[l])`, and `ag_relu` after every layer but
the last. Return the logits (no softmax: the loss applies it). That is all: no backward code.
*/

enum { MLP_LAYERS = 3 };

typedef struct {
    int sizes[MLP_LAYERS + 1];        /* 784, 256, 128, 10 */
    ag_params_t ps;                     /* every parameter and gradient, two contiguous blocks */
    ag_param_t *W[MLP_LAYERS];          /* W_l: (sizes[l], sizes[l+1]) */
    ag_param_t *b[MLP_LAYERS];          /* b_l: (sizes[l+1]) */
} mlp;

typedef enum { INIT_HE, INIT_ZERO } mlp_init;

static mlp mlp_new(const int sizes[MLP_LAYERS + 1], mlp_init init, rng_t *rng)
{
    mlp m = {0};
    memcpy(m.sizes, sizes, sizeof m.sizes);
    size_t total = 0;
    for (int l = 0; l < MLP_LAYERS; l++)
        total += (size_t)(sizes[l] + 1) * (size_t)sizes[l + 1] + 32; /* + alignment */
    ag_params_init(&m.ps, total, 2 * MLP_LAYERS);
    static const char *names[2][MLP_LAYERS] = {{"W1", "W2", "W3"}, {"b1", "b2", "b3"}};
    for (int l = 0; l < MLP_LAYERS; l++) {
        m.W[l] = ag_params_add(&m.ps, names[0][l], 2, (int[]){sizes[l], sizes[l + 1]});
        m.b[l] = ag_params_add(&m.ps, names[1][l], 1, (int[]){sizes[l + 1]});
        if (init == INIT_HE) /* biases stay 0 */
            init_he_normal(m.W[l]->value.data, sizes[l], sizes[l + 1], rng);
    }
    return m;
}

static void mlp_free(mlp *m) { ag_params_free(&m->ps); }

static size_t mlp_parameter_count(const mlp *m)
{
    size_t n = 0;
    for (int k = 0; k < m->ps.count; k++)
        n += tensor_size(m->ps.list[k].value);
    return n;
}

/* The logits of a batch.   x: (B, sizes[0]) -> (B, sizes[3]) */
static ag_var_t mlp_forward(ag_tape_t *t, mlp *m, tensor_t x)
{
    /* BEGIN EXERCISE 04.6 (2 points): the MLP's forward pass on the tape */
    ag_var_t h = ag_input(t, x, "x");
    for (int l = 0; l < MLP_LAYERS; l++) {
        h = ag_linear(h, ag_param_var(t, m->W[l]), ag_param_var(t, m->b[l]));
        if (l < MLP_LAYERS - 1)
            h = ag_relu(h);
    }
    return h;
    /* END EXERCISE */
}

/*md
One training step is then: reset the tape, record the forward pass and the loss, check that the
loss is finite, zero the gradients, walk backwards, and let Adam update the parameters. The step
also keeps the time each phase takes: the basis of the speed analysis below.
*/

typedef struct {
    double gather, forward, backward, update; /* seconds spent in each phase */
} phase_times;

/* Number of rows whose largest logit is the label's.   logits: (B, K) */
static int count_correct(tensor_t logits, const int *labels)
{
    int correct = 0, K = logits.shape[1];
    for (int i = 0; i < logits.shape[0]; i++)
        correct += metrics_argmax(logits.data + (size_t)i * K, K) == labels[i];
    return correct;
}

/* One step on the batch x (B, D), y (B). Returns the loss; stops with a message at a NaN/Inf. */
static float train_step(ag_tape_t *t, mlp *m, adam_t *opt, tensor_t x, const int *y, long step, int *correct,
                        phase_times *pt)
{
    double t0 = timing_seconds();
    ag_tape_reset(t);
    ag_var_t logits = mlp_forward(t, m, x);
    ag_var_t loss = ag_softmax_cross_entropy(logits, y);
    float L = ag_item(loss);
    nn_check_finite(L, "the training loss", step);
    double t1 = timing_seconds();
    ag_params_zero_grad(&m->ps);
    ag_backward(loss);
    double t2 = timing_seconds();
    adam_step(opt, m->ps.value, m->ps.grad);
    double t3 = timing_seconds();
    *correct += count_correct(ag_value(logits), y);
    pt->forward += t1 - t0, pt->backward += t2 - t1, pt->update += t3 - t2;
    return L;
}

typedef struct {
    ag_tape_t *t;
    mlp *m;
} tape_model;

/* metrics_evaluate's view of the network: the logits of b rows, on a fresh tape.  x: (b, D) */
static const float *tape_logits(void *ctx, const float *x, int first, int b)
{
    (void)first;
    tape_model *tm = ctx;
    ag_tape_reset(tm->t);
    return ag_value(mlp_forward(tm->t, tm->m, tensor_view((float *)x, 2, (int[]){b, tm->m->sizes[0]}))).data;
}

/* Mean loss and accuracy on ds, forward only, in chunks of 1000 examples. */
static void evaluate(ag_tape_t *t, mlp *m, const dataset_t *ds, double *loss, double *acc)
{
    tape_model tm = {t, m};
    metrics_eval_t e = metrics_evaluate(ds->x, ds->y, ds->n, ds->d, m->sizes[MLP_LAYERS], 1000, tape_logits, &tm);
    *loss = e.loss, *acc = e.accuracy;
}

typedef struct {
    int epochs, batch;
    float lr;
    int decay;         /* lower the learning rate linearly to 0 over the run */
    int verbose;       /* progress lines on stdout */
    csvlog_t *log;       /* one row per epoch, or NULL */
    const dataset_t *val; /* evaluated after every epoch, or NULL */
    double *floor_s;      /* the benchmark: after each epoch, its matrix products alone, timed (or NULL) */
} train_opts;

typedef struct {
    double train_loss, train_acc, val_loss, val_acc;
    double epoch_s[64]; /* training time of each epoch (the first 64) */
    phase_times t;
    long steps;
    size_t arena_peak; /* bytes of the tape's arena used by one training step */
} train_report;

static train_report train_mlp(mlp *m, const dataset_t *train, const train_opts *o, rng_t *rng)
{
    train_report r = {0};
    ag_tape_t tape;
    ag_tape_init(&tape, 16 << 20);
    adam_t opt = adam_new(m->ps.n, o->lr);
    int B = o->batch, D = train->d;
    int *order = nn_malloc((size_t)train->n * sizeof(int)), *yb = nn_malloc((size_t)B * sizeof(int));
    float *xb = nn_malloc((size_t)B * (size_t)D * sizeof(float));
    rng_iota(order, train->n);
    const schedule_t decay = schedule_new(SCHEDULE_LINEAR, o->lr, (long)o->epochs * ((train->n + B - 1) / B));
    for (int e = 1; e <= o->epochs; e++) {
        char label[64];
        snprintf(label, sizeof label, "epoch %2d/%d", e, o->epochs);
        progress_t bar;
        if (o->verbose)
            progress_begin(&bar, label, train->n);
        rng_shuffle(rng, order, train->n);
        double loss_sum = 0, t0 = timing_seconds();
        int correct = 0;
        for (int s = 0; s < train->n; s += B) {
            int bs = train->n - s < B ? train->n - s : B;
            double g0 = timing_seconds();
            dataset_gather(xb, yb, train, order + s, bs);
            r.t.gather += timing_seconds() - g0;
            if (o->decay)
                opt.lr = schedule_lr(&decay, r.steps);
            tensor_t x = tensor_view(xb, 2, (int[]){bs, D});
            float L = train_step(&tape, m, &opt, x, yb, ++r.steps, &correct, &r.t);
            loss_sum += (double)L * bs;
            if (o->verbose)
                progress_step(&bar, s + bs, "loss %.4f", loss_sum / (s + bs));
        }
        if (e <= 64)
            r.epoch_s[e - 1] = timing_seconds() - t0;
        if (o->floor_s) /* right after the epoch, so that a slow moment of the machine hits both */
            o->floor_s[e - 1] = linear_stack_products_seconds(m->sizes, MLP_LAYERS, B, (train->n + B - 1) / B);
        if (e == 1) /* before evaluation's larger chunks use the same arena */
            r.arena_peak = tape.arena.peak;
        r.train_loss = loss_sum / train->n;
        r.train_acc = (double)correct / train->n;
        if (o->val)
            evaluate(&tape, m, o->val, &r.val_loss, &r.val_acc);
        if (o->log)
            csvlog_row(o->log, (double[]){e, r.train_loss, r.train_acc, r.val_loss, r.val_acc});
        if (o->verbose)
            progress_end(&bar, "loss %.4f  acc %.4f  val loss %.4f  val acc %.4f", r.train_loss, r.train_acc,
                         r.val_loss, r.val_acc);
    }
    free(order), free(yb), free(xb);
    adam_free(&opt);
    ag_tape_free(&tape);
    return r;
}

/*md
The default run (`make run CH=04`: seed 1, 10 epochs over 55,000 training images, 5,000 held out
for validation) reaches a test accuracy of **about 89%** (test loss about 0.30) in 10.4 s of
training, 1.04 s per epoch on the book's shared 2-core machine. The curves look like chapter 3's, as they should: the tape
computes the same gradients (the tests check it to $10^{-5}$). The validation loss falls more
slowly than the training loss and the gap widens epoch after epoch: the network begins to
memorize its training images (chapter 6), while the decaying learning rate lets both curves
settle at the end.
The tape's arena peaks at 0.80 MB per step: the values and gradients of one batch.

![Softmax cross-entropy per epoch of the MLP trained on the tape: training (mean over the epoch) and validation.](out/04/loss.svg)

![Accuracy per epoch, training and validation.](out/04/accuracy.svg)

**Where the time goes.** An epoch is the same 60.4 GFLOP of matrix products as chapter 3's
(eight SGEMM calls per step: three forward, five backward; section 3.8), and the tape adds
almost nothing on top. Recording a step is 13 nodes (seven leaves: the batch and six parameters;
three `linear`, two `relu` and the loss), a few hundred bytes of bookkeeping next to 129 MFLOP
of products. The backward pass takes the shortcut a hand-written one takes (it never computes
$\bar x$ for the input batch, which requires no gradient), writes a gradient buffer on its first
contribution instead of zeroing it first, and the loss's gradient comes out of the forward pass's
own loop. The default run's phases:

| phase of a training step | share of the time |
|---|---|
| gather: copy the 128 shuffled images into one batch | 4% |
| forward: record 13 nodes, three SGEMMs, two ReLUs, the loss | 41% |
| backward: zero the gradients, walk the tape, five SGEMMs, ReLUs' and biases' gradients | 47% |
| Adam's update of the 235,146 parameters | 8% |

`--bench` runs the course benchmark (3 epochs on all 60,000 images, batch 128, Adam $10^{-3}$,
constant) and prints one line. On the book's 2-core machine, shared with other jobs while we
measured, single runs ranged from 0.8 to 2.3 s per epoch depending on what else ran; the best
of them was

    bench: name=mlp-tape epoch_s=0.814 test_acc=0.8725 gflop_epoch=60.4

It computes exactly what chapter 3's hand-written network computes: with the same seed both
reach a test accuracy of 0.8725 after the three epochs, to the last digit, because they call the
same kernels in the same order. `perf record` of the benchmark (with one OpenBLAS thread, so that
the profile counts work rather than threads waiting for each other) puts 71% of the samples in
OpenBLAS's SGEMM (its compute kernel and the packing of operands into its blocked layout), 1%
in the ReLUs' kernels, 5% in Adam's update, 4% in copying and zeroing memory (gathering
the batch, writing the biases into the layers' outputs, zeroing the gradients), and about 3% in
decoding the dataset once at the start. The tape's own bookkeeping (recording nodes, checking
handles, walking the list backwards) does not reach 0.3%: an engine this simple costs nothing
next to its matrix products, so a model on the tape is as fast as the same model written by hand.
The epoch's 60.4 GFLOP at the rate OpenBLAS reaches on one large product here (120 to 150
GFLOP/s in our runs) would take 0.40 to 0.50 s, the floor chapter 3 compared with. But the products
of this network are small, and `make bench` measures them on their own, the same eight products
per step with nothing in between: one epoch's worth took 0.47 to 0.69 s in our runs (the machine's
speed varies from run to run), already above that floor. `--bench` prints that floor beside the
epoch (`floor_s`, measured in the same process right after each epoch): in a quiet moment of a
later session the tape's epochs took 0.51 to 0.56 s against floors of 0.36 to 0.43 s, 1.3 to 1.5
times. What keeps the total higher is the work between the products (the copies, the bias sums,
the loss, and above all Adam's update and the gather, whose memory traffic chapter 3 measures),
and, on a shared machine, other jobs competing for the same two cores.

## 4.10 Debugging a network

Automatic differentiation removes one class of bug (wrong backward passes) and leaves the others.
Three are worth recognising on sight.

**Shape errors.** Multiplying a $(128, 784)$ batch by a matrix that does not have 784 rows (here
a $(128, 256)$ one: the batch of activations passed where the weights belong) cannot work, and
the engine says so at the operation that fails, with both shapes:

```
error (common/autograd.c:486): ag_matmul: shapes (128, 784) and (128, 256) do not fit: A has 784 columns but B has 128 rows
hint: in A B, A is (M, K) and B is (K, N): A's columns must equal B's rows. Is an operand transposed, or the layer's sizes swapped?
```

Every operation checks its shapes before computing, and every message names the operation and
both shapes: it is the cheapest debugging there is, so an engine should never skip it.

**The silent broadcasting bug.** Some shape errors are *legal*. A regression model outputs one
number per example, a $(B, 1)$ matrix; the targets are a vector $(B)$. The mean squared error
written by hand as `ag_mean(ag_square(ag_sub(pred, target)))` broadcasts $(B, 1) - (B)$ to
$(B, B)$: it compares every prediction with *every* target. It runs without complaint, and the
loss even goes down, because there is something to minimize: $\frac{1}{B^2} \sum_{i,j}
(p_i - t_j)^2$ is smallest when every $p_i$ equals the mean of the targets. The model learns to
predict the average and nothing else. PyTorch only warns about this in `mse_loss`; the loss you
write yourself gets no warning at all. The program trains a linear regression both ways on
synthetic data, $t = X w^\ast + \text{noise}$:

| loss, 64 examples, 4 features, 500 Adam steps | value it minimized | true MSE | $R^2$ |
|---|---|---|---|
| `ag_mean(ag_square(ag_sub(pred, target)))`, silently $(B, B)$ | 5.3687 | 5.3687 | 0.0000 |
| `regression_loss` of exercise 04.7, $(B, 1)$ | 0.0107 | 0.0107 | 0.9980 |

The broadcast loss did its job perfectly: written out,
$\frac{1}{B^2}\sum_{i,j} (p_i - t_j)^2 = \frac1B \sum_i (p_i - \bar t)^2 + \operatorname{Var}(t)$,
minimized by predicting the mean $\bar t$ for every example, where it equals the variance of the
targets, 5.3687, which is also the true MSE of a constant prediction. $R^2 = 0$: the model is
exactly as good as no model. Nothing crashed, the loss curve went down, and the numbers are
plausible; only $R^2$ (or a plot of predictions against targets) gives it away.

![Predictions against targets of a linear regression trained with the broadcast loss (a flat line at the mean) and with the correct one (the diagonal).](out/04/bcast.svg)

The cure is an assertion of the shape you *expect*, at the place where you know it:
`ag_assert_shape(diff, "pred - target", 2, (int[]){B, 1})` stops with
`pred - target has shape (64, 64), expected (64, 1)`. It costs nothing and turns a silent bug
into a message. `ag_mse` refuses different shapes outright for the same reason.

### Exercise 04.7 — a regression loss that cannot broadcast

Write `regression_loss`: the mean squared error of predictions `pred` of shape $(B, 1)$ against
targets `target` of shape $(B)$. Reshape the targets to $(B, 1)$ with `ag_reshape`, subtract,
assert with `ag_assert_shape` that the difference is $(B, 1)$, then return the mean of its squares
(`ag_square`, `ag_mean`).
*/

/* mean over b of (pred[b] - target[b])^2.   pred: (B, 1), target: (B) -> (1) */
static ag_var_t regression_loss(ag_var_t pred, ag_var_t target)
{
    /* BEGIN EXERCISE 04.7 (2 points): a regression loss that cannot broadcast */
    int B = ag_value(pred).shape[0];
    ag_var_t diff = ag_sub(pred, ag_reshape(target, 2, (int[]){B, 1}));
    ag_assert_shape(diff, "pred - target", 2, (int[]){B, 1});
    return ag_mean(ag_square(diff));
    /* END EXERCISE */
}

/* The same loss as it is too easily written: (B, 1) - (B) broadcasts to (B, B). */
static ag_var_t buggy_regression_loss(ag_var_t pred, ag_var_t target)
{
    return ag_mean(ag_square(ag_sub(pred, target)));
}

/*md
**"It does not learn."** A network whose loss stays flat has many possible causes; the fastest
diagnosis is to look at the gradient norm $\lVert \bar W_l \rVert$ of each layer, which the tape
hands us for free after every backward pass (`ag_param_grad_norm`). The program trains the MLP
for a few hundred steps three ways and records the norms:

| run (300 steps, batch 128) | loss (running mean) | $\lVert\bar W_1\rVert, \lVert\bar W_2\rVert, \lVert\bar W_3\rVert$ at step 1 | at step 300 |
|---|---|---|---|
| He init, learning rate $10^{-3}$ | 0.484 | 3.3, 2.1, 1.6 | 1.3, 1.3, 1.5 |
| all weights 0, learning rate $10^{-3}$ | 2.303 | 0, 0, 0 | 0, 0, 0 |
| He init, learning rate 1 | 2.345 | 2.8, 1.7, 1.2 | 0, 0, 0 |

![Left: the training loss of three MLPs (log scale). Right: the gradient norm of the first layer's weights, every 10 steps (the learning-rate-1 run peaks far above the plot, at 63): exactly 0 throughout for the all-zero network, 0 from step 30 on (bar two batches) for the one trained with learning rate 1.](out/04/gradnorm.svg)

The table reads like a diagnosis. *Zero initialization*: every hidden unit computes the same
thing (zero), every weight gradient is exactly 0 ($\bar W_l = h_{l-1}^\top \bar z_l$ with
$h_{l-1} = 0$, and the gradient flowing down is $\bar z_l W_l^\top = 0$): only the last bias
learns, which predicts the class frequencies, and the loss stays at $\ln 10 \approx 2.30$.
Gradient norms of exactly zero mean no signal flows: check the initialization. *A learning rate
that is far too large* (1 instead of $10^{-3}$) kicks the first Adam steps so hard that the loss
explodes (to 35,096 at step 10 in our run) and the ReLUs die: a unit whose pre-activation is
negative for every input passes no gradient, ever. From step 30 on the weight gradients are
exactly 0 for almost every batch (an unusual image wakes a unit now and then); only the last
bias still learns, and the loss sinks back to the class-frequency level, about 2.3, and stays.
Norms that start healthy and then vanish point at the learning rate (or at a bad batch). Norms
that *grow* step after step are the opposite failure, exploding gradients: lower the learning
rate or clip them (chapter 5). And the last guard is the one every training loop here has: a loss
that becomes NaN or infinite stops the run at once, naming the step (`make run CH=04
ARGS="--lr 1e20"` shows it):

```
error (chapters/04_autograd/04_autograd.c:679): the training loss became -nan at step 2: expected a finite number
hint: the learning rate is probably too large (try one ten times smaller: --lr in the course's programs), or ...
```
*/

/* ---- experiments: the broadcasting bug and "no learning" --------------------------------------- */

typedef struct {
    double minimized_loss, true_mse, r2;
} regression_result;

/* Fit pred = X w + c to targets t by Adam on the full batch, with the given loss.
 * X: (N, F), t: (N); pred_out: (N) receives the final predictions. */
static regression_result fit_regression(ag_var_t (*loss_fn)(ag_var_t, ag_var_t), const float *X, const float *t,
                                        int N, int F, int steps, float *pred_out)
{
    ag_params_t ps;
    ag_params_init(&ps, (size_t)F + 64, 2);
    ag_param_t *w = ag_params_add(&ps, "w", 2, (int[]){F, 1}), *c = ag_params_add(&ps, "c", 1, (int[]){1});
    adam_t opt = adam_new(ps.n, 0.05f);
    ag_tape_t tape;
    ag_tape_init(&tape, 8 << 20);
    regression_result r = {0};
    for (int s = 0; s < steps; s++) {
        ag_tape_reset(&tape);
        ag_var_t pred = ag_linear(ag_input(&tape, tensor_view((float *)X, 2, (int[]){N, F}), "X"),
                                ag_param_var(&tape, w), ag_param_var(&tape, c));
        ag_var_t loss = loss_fn(pred, ag_input(&tape, tensor_view((float *)t, 1, (int[]){N}), "t"));
        r.minimized_loss = ag_item(loss);
        nn_check_finite(r.minimized_loss, "the regression loss", s);
        ag_params_zero_grad(&ps);
        ag_backward(loss);
        adam_step(&opt, ps.value, ps.grad);
        memcpy(pred_out, ag_value(pred).data, (size_t)N * sizeof(float));
    }
    double se = 0;
    for (int i = 0; i < N; i++)
        se += ((double)pred_out[i] - t[i]) * ((double)pred_out[i] - t[i]);
    r.true_mse = se / N;
    r.r2 = metrics_r2(pred_out, t, (size_t)N);
    ag_tape_free(&tape);
    adam_free(&opt);
    ag_params_free(&ps);
    return r;
}

#ifndef GRADING

/* ---- the program -------------------------------------------------------------------------------- */

/* f(x, y) = exp(x y) + x through the library and through your engine; draws out/04/expr.svg. */
static int run_expression(const char *out)
{
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float xv = 1, yv = 2;
    ag_var_t x = ag_leaf(&t, tensor_view(&xv, 1, (int[]){1}), "x");
    ag_var_t y = ag_leaf(&t, tensor_view(&yv, 1, (int[]){1}), "y");
    ag_var_t f = ag_add(ag_exp(ag_mul(x, y)), x);
    ag_backward(f);
    float lib[3] = {ag_item(f), ag_grad(x).data[0], ag_grad(y).data[0]};
    int rc = ag_draw(f, out, "expr", "f(x, y) = exp(x y) + x at x = 1, y = 2");
    ag_tape_reset(&t);
    x = ag_leaf(&t, tensor_view(&xv, 1, (int[]){1}), "x");
    y = ag_leaf(&t, tensor_view(&yv, 1, (int[]){1}), "y");
    f = ch_add(ag_exp(ch_mul(x, y)), x);
    backward_walk(&t, f);
    printf("== f(x, y) = exp(x y) + x at (1, 2)\n"
           "   closed form:     f = %.6f  df/dx = %.6f  df/dy = %.6f\n"
           "   common/autograd: f = %.6f  df/dx = %.6f  df/dy = %.6f\n"
           "   your engine:     f = %.6f  df/dx = %.6f  df/dy = %.6f\n\n",
           exp(2.0) + 1, 2 * exp(2.0) + 1, exp(2.0), lib[0], lib[1], lib[2], ag_item(f), ag_grad(x).data[0],
           ag_grad(y).data[0]);
    ag_tape_free(&t);
    return rc;
}

/* A random small network through your operations + walk and through the library's: the largest
 * difference between the two engines' gradients. */
static void run_engine_check(rng_t *rng)
{
    enum { B = 16, D = 12, H = 8, K = 4 };
    float x[B * D], W1[D * H], b1[H], W2[H * K], b2[K];
    int y[B];
    float *all[4] = {W1, b1, W2, b2};
    size_t sizes[4] = {D * H, H, H * K, K};
    for (int i = 0; i < B * D; i++) x[i] = rng_normal(rng);
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < sizes[k]; i++) all[k][i] = 0.5f * rng_normal(rng);
    for (int i = 0; i < B; i++) y[i] = (int)rng_below(rng, K);
    ag_tape_t t;
    ag_tape_init(&t, 1 << 20);
    float worst = 0;
    float *lib_grads = nn_malloc(sizeof(float) * (D * H + H + H * K + K));
    for (int pass = 0; pass < 2; pass++) {
        ag_tape_reset(&t);
        ag_var_t v[4];
        const int shapes[4][2] = {{D, H}, {H, 0}, {H, K}, {K, 0}};
        for (int k = 0; k < 4; k++)
            v[k] = ag_leaf(&t, tensor_view(all[k], shapes[k][1] ? 2 : 1, shapes[k]), "p");
        ag_var_t in = ag_input(&t, tensor_view(x, 2, (int[]){B, D}), "x"), loss;
        if (pass == 0) { /* the library */
            ag_var_t h = ag_tanh(ag_add(ag_matmul(in, v[0]), v[1]));
            loss = ag_softmax_cross_entropy(ag_add(ag_matmul(ag_mul(h, h), v[2]), v[3]), y);
            ag_backward(loss);
        } else { /* your operations and your walk */
            ag_var_t h = ag_tanh(ch_add(ch_matmul(in, v[0]), v[1]));
            loss = ag_softmax_cross_entropy(ch_add(ch_matmul(ch_mul(h, h), v[2]), v[3]), y);
            backward_walk(&t, loss);
        }
        for (int k = 0, off = 0; k < 4; off += (int)sizes[k], k++)
            for (size_t i = 0; i < sizes[k]; i++) {
                float g = ag_grad(v[k]).data[i];
                if (pass == 0)
                    lib_grads[off + i] = g;
                else
                    worst = fmaxf(worst, fabsf(g - lib_grads[off + i]));
            }
    }
    printf("== your engine against common/autograd on a small tanh network: largest gradient "
           "difference %.3g\n\n", worst);
    free(lib_grads);
    ag_tape_free(&t);
}

/* Draws the graph of one training step of m on the first examples of ds (out/04/mlp.svg). */
static int draw_mlp_graph(mlp *m, const dataset_t *ds, int B, const char *out)
{
    ag_tape_t t;
    ag_tape_init(&t, 16 << 20);
    ag_var_t logits = mlp_forward(&t, m, tensor_view(ds->x, 2, (int[]){B, ds->d}));
    ag_var_t loss = ag_softmax_cross_entropy(logits, ds->y);
    int rc = ag_draw(loss, out, "mlp", "one training step of the 784-256-128-10 MLP");
    ag_tape_free(&t);
    return rc;
}

static int run_broadcast_bug(const char *out, rng_t *rng, int quick)
{
    enum { N = 64, F = 4 };
    float X[N * F], t[N], w_true[F], pred_bug[N], pred_ok[N];
    for (int j = 0; j < F; j++) w_true[j] = rng_normal(rng);
    for (int i = 0; i < N; i++) {
        t[i] = 3.0f + 0.1f * rng_normal(rng);
        for (int j = 0; j < F; j++) {
            X[i * F + j] = rng_normal(rng);
            t[i] += X[i * F + j] * w_true[j];
        }
    }
    int steps = quick ? 100 : 500;
    regression_result bug = fit_regression(buggy_regression_loss, X, t, N, F, steps, pred_bug);
    regression_result ok = fit_regression(regression_loss, X, t, N, F, steps, pred_ok);
    printf("== the broadcasting bug: linear regression, %d examples, %d Adam steps\n"
           "   loss                     minimized  true MSE      R^2\n"
           "   mean((p - t)^2), (B,B)   %9.4f  %8.4f  %7.4f\n"
           "   regression_loss, (B,1)   %9.4f  %8.4f  %7.4f\n\n",
           N, steps, bug.minimized_loss, bug.true_mse, fabs(bug.r2) < 5e-5 ? 0.0 : bug.r2, ok.minimized_loss,
           ok.true_mse, fabs(ok.r2) < 5e-5 ? 0.0 : ok.r2);
    char path[4096];
    io_file_t f;
    if (io_create(&f, io_join(path, out, "bcast.csv")) != 0)
        return -1;
    fprintf(f.f, "target,broadcast,correct\n");
    for (int i = 0; i < N; i++)
        fprintf(f.f, "%g,%g,%g\n", t[i], pred_bug[i], pred_ok[i]);
    if (io_commit(&f) != 0)
        return -1;
    return plot_render(out, "bcast", 700, 500,
                       "set title 'linear regression trained with two losses'\nset xlabel 'target'\n"
                       "set ylabel 'prediction'\nset key top left opaque\n"
                       "plot 'bcast.csv' using 1:2 with points pt 7 ps 0.8 lc rgb '#d62728' "
                       "title 'mean((p - t)^2) broadcast to (B, B)', "
                       "'' using 1:3 with points pt 5 ps 0.7 lc rgb '#1f77b4' title 'regression\\_loss (B, 1)', "
                       "x with lines dt 2 lc rgb '#555555' title 'prediction = target'");
}

/* Train three MLPs for a few hundred steps and log the per-layer gradient norms. */
static int run_no_learning(const char *out, const dataset_t *train, rng_t *rng, int quick)
{
    struct { const char *name; mlp_init init; float lr; } cfg[3] = {
        {"He init, lr 1e-3", INIT_HE, 1e-3f}, {"zero init, lr 1e-3", INIT_ZERO, 1e-3f},
        {"He init, lr 1", INIT_HE, 1.0f}};
    const int sizes[4] = {784, 256, 128, 10}, steps = quick ? 40 : 300, B = 128, every = quick ? 4 : 10;
    int rows = steps / every + 1;
    double *loss = nn_calloc((size_t)rows * 3, sizeof(double));      /* (rows, 3 runs) */
    double *norm = nn_calloc((size_t)rows * 9, sizeof(double));      /* (rows, 3 runs, 3 layers) */
    double first[3][3], last[3][3], final_loss[3];
    float *xb = nn_malloc((size_t)B * 784 * sizeof(float));
    int *yb = nn_malloc((size_t)B * sizeof(int)), *order = nn_malloc((size_t)train->n * sizeof(int));
    ag_tape_t tape;
    ag_tape_init(&tape, 16 << 20);
    for (int c = 0; c < 3; c++) {
        mlp m = mlp_new(sizes, cfg[c].init, rng);
        adam_t opt = adam_new(m.ps.n, cfg[c].lr);
        rng_iota(order, train->n);
        rng_shuffle(rng, order, train->n);
        phase_times pt = {0};
        double run = 0;
        for (int s = 0; s < steps; s++) {
            dataset_gather(xb, yb, train, order + (size_t)(s * B) % (size_t)(train->n - B), B);
            int correct = 0;
            tensor_t x = tensor_view(xb, 2, (int[]){B, 784});
            float L = train_step(&tape, &m, &opt, x, yb, s + 1, &correct, &pt);
            run = s ? 0.9 * run + 0.1 * L : L;
            double n3[3];
            for (int l = 0; l < 3; l++)
                n3[l] = ag_param_grad_norm(m.W[l]);
            if (s == 0)
                memcpy(first[c], n3, sizeof n3);
            memcpy(last[c], n3, sizeof n3);
            if (s % every == 0 || s == steps - 1) {
                int r = s % every == 0 ? s / every : rows - 1;
                loss[r * 3 + c] = run;
                memcpy(norm + r * 9 + c * 3, n3, sizeof n3);
            }
        }
        final_loss[c] = run;
        adam_free(&opt);
        mlp_free(&m);
    }
    printf("== \"it does not learn\": %d steps of the MLP, gradient norms |dW| per layer at the first and "
           "last step\n   %-20s %8s   %-28s   %-28s\n", steps, "run", "loss", "first step (W1, W2, W3)",
           "last step (W1, W2, W3)");
    for (int c = 0; c < 3; c++)
        printf("   %-20s %8.4f   %8.2g %8.2g %8.2g   %8.2g %8.2g %8.2g\n", cfg[c].name, final_loss[c], first[c][0],
               first[c][1], first[c][2], last[c][0], last[c][1], last[c][2]);
    printf("\n");
    char path[4096];
    csvlog_t log;
    int rc = csvlog_open(&log, io_join(path, out, "gradnorm.csv"),
                         "step,loss_he,loss_zero,loss_lr1,W1_he,W2_he,W3_he,W1_zero,W2_zero,W3_zero,W1_lr1,W2_lr1,W3_lr1");
    for (int r = 0; rc == 0 && r < rows; r++) {
        double row[13] = {r == rows - 1 ? steps - 1 : r * every};
        memcpy(row + 1, loss + r * 3, 3 * sizeof(double));
        memcpy(row + 4, norm + r * 9, 9 * sizeof(double));
        csvlog_row(&log, row);
    }
    rc |= rc == 0 ? csvlog_close(&log) : -1;
    if (rc == 0)
        rc = plot_render(out, "gradnorm", 1100, 450,
                         "set multiplot layout 1,2\nset xlabel 'step'\nset key top right\n"
                         "set title 'training loss (running mean)'\nset ylabel 'loss'\n"
                         "set logscale y\nset format y '10^{%L}'\n"
                         "plot 'gradnorm.csv' using 'step':'loss_he' with lines lw 2 title 'He init, lr 1e-3', "
                         "'' using 'step':'loss_zero' with lines lw 2 title 'zero init, lr 1e-3', "
                         "'' using 'step':'loss_lr1' with lines lw 2 title 'He init, lr 1'\n"
                         "unset logscale y\nset format y '%g'\nset yrange [-0.1:5]\n"
                         "set title 'gradient norm of the first layer'\nset ylabel '|dL/dW1|'\n"
                         "plot 'gradnorm.csv' using 'step':'W1_he' with lines lw 2 title 'He init, lr 1e-3', "
                         "'' using 'step':'W1_zero' with lines lw 2 title 'zero init, lr 1e-3', "
                         "'' using 'step':'W1_lr1' with lines lw 2 title 'He init, lr 1'\n"
                         "unset multiplot\nset autoscale y");
    ag_tape_free(&tape);
    free(loss), free(norm), free(xb), free(yb), free(order);
    return rc;
}

/* FLOPs of one epoch's matrix products: forward x W per layer, backward dW per layer and dx for
 * every layer but the first (its input needs no gradient). */

static void print_phases(FILE *to, const train_report *r, double seconds)
{
    const phase_times *p = &r->t;
    double other = seconds - p->gather - p->forward - p->backward - p->update;
    fprintf(to, "   where the time goes: gather %.0f%%, forward %.0f%%, backward %.0f%%, Adam %.0f%%, "
            "other %.0f%% (%.2f ms per step)\n", 100 * p->gather / seconds, 100 * p->forward / seconds,
            100 * p->backward / seconds, 100 * p->update / seconds, 100 * other / seconds,
            1e3 * seconds / (double)r->steps);
}

/* --bench: the contract's workload (3 epochs on all 60,000 images), one line on stdout. */
static int run_bench(const flags_t *f, float lr, int batch)
{
    dataset_t train, test;
    if (fashion_load_splits(&train, &test, f->data) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f->seed);
    const int sizes[4] = {784, 256, 128, 10};
    mlp m = mlp_new(sizes, INIT_HE, &rng);
    double floor_s[3]; /* each epoch's matrix products alone, in this process, after it (layers.h) */
    train_opts o = {.epochs = 3, .batch = batch, .lr = lr, .floor_s = floor_s};
    train_report r = train_mlp(&m, &train, &o, &rng);
    ag_tape_t t;
    ag_tape_init(&t, 16 << 20);
    double loss, acc;
    evaluate(&t, &m, &test, &loss, &acc);
    double sorted[3] = {r.epoch_s[0], r.epoch_s[1], r.epoch_s[2]}, total = sorted[0] + sorted[1] + sorted[2];
    printf("bench: name=mlp-tape epoch_s=%.3f test_acc=%.4f gflop_epoch=%.1f floor_s=%.3f\n", timing_median(sorted, 3),
           acc, linear_stack_train_flops(sizes, 3) * train.n / 1e9, timing_median(floor_s, 3));
    fprintf(stderr, "bench: epochs took %.3f %.3f %.3f s\n", r.epoch_s[0], r.epoch_s[1], r.epoch_s[2]);
    print_phases(stderr, &r, total);
    ag_tape_free(&t);
    mlp_free(&m);
    dataset_free(&train), dataset_free(&test);
    return 0;
}

static int run_fashion(const flags_t *f, float lr, int batch, rng_t *rng)
{
    dataset_t full, test, train, val;
    if (fashion_load_splits(&full, &test, f->data) != 0)
        return -1;
    if (f->quick)
        dataset_truncate(&full, 6000), dataset_truncate(&test, 2000);
    dataset_split(&train, &val, &full, 11.0f / 12, rng);
    const int sizes[4] = {784, 256, 128, 10};
    mlp m = mlp_new(sizes, INIT_HE, rng);
    printf("== the MLP 784-256-128-10 on the tape: %d training, %d validation, %d test images; "
           "%zu parameters\n", train.n, val.n, test.n, mlp_parameter_count(&m));
    int rc = draw_mlp_graph(&m, &train, batch, f->out);
    char path[4096];
    csvlog_t log;
    const char *columns = "epoch,train_loss,train_acc,val_loss,val_acc";
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"), columns) != 0)
        return -1;
    train_opts o = {.epochs = f->epochs, .batch = batch, .lr = lr, .decay = 1, .verbose = 1, .log = &log,
                    .val = &val};
    double t0 = timing_seconds();
    train_report r = train_mlp(&m, &train, &o, rng);
    double seconds = timing_seconds() - t0, train_s = 0;
    for (int e = 0; e < f->epochs && e < 64; e++)
        train_s += r.epoch_s[e];
    ag_tape_t t;
    ag_tape_init(&t, 16 << 20);
    double test_loss, test_acc;
    evaluate(&t, &m, &test, &test_loss, &test_acc);
    printf("test loss %.4f, test accuracy %.4f after %d epochs (%.1f s, %.3f s per epoch of training; "
           "the tape's arena peaks at %.2f MB per step)\n", test_loss, test_acc, f->epochs, seconds, train_s / f->epochs,
           r.arena_peak / 1e6);
    print_phases(stdout, &r, train_s);
    printf("\n");
    rc |= csvlog_close(&log);
    const char *loss_series[] = {"train_loss:training", "val_loss:validation", NULL};
    const char *acc_series[] = {"train_acc:training", "val_acc:validation", NULL};
    rc |= plot_curves(f->out, "loss", "log.csv", "MLP on the tape: softmax cross-entropy", "epoch", "loss",
                      "epoch", loss_series);
    rc |= plot_curves(f->out, "accuracy", "log.csv", "MLP on the tape: accuracy", "epoch", "accuracy", "epoch",
                      acc_series);
    rc |= run_no_learning(f->out, &train, rng, f->quick);
    ag_tape_free(&t);
    mlp_free(&m);
    dataset_free(&full), dataset_free(&test), dataset_free(&train), dataset_free(&val);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "out/04"};
    float lr = 1e-3f;
    int batch = 128, bench = 0;
    flags_option_t extra[] = {
        {"--lr", FLAGS_FLOAT, &lr, "Adam's learning rate"},
        {"--batch", FLAGS_INT, &batch, "examples per step"},
        {"--bench", FLAGS_SWITCH, &bench, "time 3 epochs on all 60,000 images; print one bench: line"},
    };
    int parsed = flags_parse(&f, argc, argv,
                             "Chapter 4: reverse-mode automatic differentiation on a tape; the MLP rebuilt on it.", extra, 3);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (batch < 1 || batch > 4096) {
        nn_error("a batch is 1 to 4096 examples", "--batch %d is out of range", batch);
        return 2;
    }
    if (bench)
        return run_bench(&f, lr, batch);
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    int rc = run_expression(f.out);
    run_engine_check(&rng);
    rc |= run_broadcast_bug(f.out, &rng, f.quick);
    if (run_fashion(&f, lr, batch, &rng) != 0 && rc == 0)
        rc = -1;
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
