/* autograd.c — see autograd.h; chapter 4 derives every backward function here. */
#include "autograd.h"

#include "activations.h" /* relu/sigmoid/tanh forward and backward kernels */
#include "error.h"
#include "graphviz.h"
#include "layers.h" /* linear_forward */
#include "loss.h"   /* softmax_cross_entropy, mse_loss */
#include "matmul.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- handles and the tape ------------------------------------------------------------------- */

static const char *const HINT_STALE =
    "a recording lives for one step: ag_tape_reset() gives back all its values, so record the "
    "forward pass again after the reset (a tensor needed across steps belongs in an ag_param_t or "
    "in memory you own)";

/* The node behind v, after checking that v is a live handle. `op` and `arg` name the caller in
 * the message ("ag_mul", "b"). */
static ag_node_t *node_checked(ag_var_t v, const char *op, const char *arg)
{
    if (!v.tape)
        nn_fatal("a variable comes from ag_input, ag_leaf, ag_param_var or an operation; is this one "
                 "uninitialized, or a {0} placeholder?",
                 "%s: %s is not a variable (it has no tape)", op, arg);
    ag_tape_t *t = v.tape;
    if (t->freed || !t->nodes)
        nn_fatal("free the tape only when nothing uses it any more (after the last backward)",
                 "%s: %s belongs to a tape that was freed with ag_tape_free()", op, arg);
    if (v.gen != t->gen)
        nn_fatal(HINT_STALE,
                 "%s: %s was recorded before the tape was last reset (recording %u; the tape is now at "
                 "recording %u): its value and graph are gone",
                 op, arg, v.gen, t->gen);
    if (v.id < 0 || v.id >= t->n)
        nn_fatal("the handle was modified or built by hand; use the ag_var_t an operation returned",
                 "%s: %s refers to node %d, but the tape holds %d nodes", op, arg, v.id, t->n);
    return &t->nodes[v.id];
}

ag_node_t *ag_node_of(ag_var_t v) { return node_checked(v, "ag_node_of", "the variable"); }

ag_node_t *ag_input_node(ag_tape_t *t, const ag_node_t *n, int k) { return &t->nodes[n->in[k]]; }

void ag_tape_init(ag_tape_t *t, size_t arena_bytes)
{
    memset(t, 0, sizeof *t);
    t->arena = arena_new(arena_bytes);
    t->cap = 64;
    t->nodes = nn_malloc((size_t)t->cap * sizeof(ag_node_t));
    t->gen = 1; /* so that a zeroed handle never looks current */
}

void ag_tape_reset(ag_tape_t *t)
{
    if (t->freed || !t->nodes)
        nn_fatal("initialize a tape with ag_tape_init() before using it",
                 "ag_tape_reset: the tape was freed or never initialized");
    arena_reset(&t->arena);
    t->n = 0;
    t->gen++;
    t->walked = 0;
}

void ag_tape_free(ag_tape_t *t)
{
    arena_free(&t->arena);
    free(t->nodes);
    t->nodes = NULL;
    t->n = t->cap = 0;
    t->gen++;
    t->freed = 1;
}

tensor_t ag_alloc(ag_tape_t *t, int ndim, const int *shape)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    return tensor_view(arena_alloc(&t->arena, n * sizeof(float)), ndim, shape);
}

/* Append a node (inputs and backward filled in by the caller). May move t->nodes: node
 * pointers taken before a push are invalid after it, handles stay valid. */
static ag_var_t push(ag_tape_t *t, const char *op, tensor_t value)
{
    if (t->freed || !t->nodes)
        nn_fatal("initialize a tape with ag_tape_init() before recording on it",
                 "%s: the tape was freed or never initialized", op);
    if (t->n == t->cap) { /* grows during the first step only: later steps reuse the room */
        int cap = 2 * t->cap;
        ag_node_t *nodes = realloc(t->nodes, (size_t)cap * sizeof(ag_node_t));
        if (!nodes)
            nn_fatal("record fewer operations per step", "out of memory: a tape of %d nodes", cap);
        t->nodes = nodes;
        t->cap = cap;
    }
    ag_node_t *n = &t->nodes[t->n];
    memset(n, 0, sizeof *n);
    n->value = value;
    n->op = op;
    return (ag_var_t){.tape = t, .id = t->n++, .gen = t->gen};
}

ag_var_t ag_record(ag_tape_t *t, const char *op, tensor_t value, const ag_var_t *inputs, int n_in,
                 ag_backward_fn_t backward)
{
    if (n_in < 0 || n_in > AG_MAX_INPUTS)
        nn_fatal("split the operation, or raise AG_MAX_INPUTS in autograd.h",
                 "%s: %d inputs, expected 0 to %d", op, n_in, AG_MAX_INPUTS);
    int requires = 0;
    for (int k = 0; k < n_in; k++) {
        char arg[32];
        snprintf(arg, sizeof arg, "input %d", k);
        ag_node_t *in = node_checked(inputs[k], op, arg);
        if (inputs[k].tape != t)
            nn_fatal("all the values of one computation must be recorded on the same tape",
                     "%s: input %d was recorded on another tape", op, k);
        requires |= in->requires_grad;
    }
    ag_var_t v = push(t, op, value);
    ag_node_t *n = &t->nodes[v.id];
    n->n_in = n_in;
    for (int k = 0; k < n_in; k++)
        n->in[k] = inputs[k].id;
    n->requires_grad = requires;
    n->backward = requires ? backward : NULL;
    return v;
}

/* ---- leaves ------------------------------------------------------------------------------- */

ag_var_t ag_input(ag_tape_t *t, tensor_t x, const char *name)
{
    ag_var_t v = push(t, "input", x);
    t->nodes[v.id].name = name;
    return v;
}

ag_var_t ag_leaf(ag_tape_t *t, tensor_t x, const char *name)
{
    ag_var_t v = push(t, "leaf", x);
    t->nodes[v.id].name = name;
    t->nodes[v.id].requires_grad = 1;
    return v;
}

ag_var_t ag_param_var(ag_tape_t *t, ag_param_t *p)
{
    if (!p->value.data || !p->grad.data)
        nn_fatal("create parameters with ag_params_add (or give both value and grad memory)",
                 "ag_param_var: parameter %s has no %s memory", p->name ? p->name : "(unnamed)",
                 p->value.data ? "gradient" : "value");
    ag_var_t v = push(t, "param", p->value);
    ag_node_t *n = &t->nodes[v.id];
    n->name = p->name;
    n->param = p;
    n->requires_grad = 1;
    n->grad = p->grad.data; /* never fresh: backward adds to whatever p->grad holds */
    return v;
}

/* ---- gradient buffers -------------------------------------------------------------------------- */

float *ag_grad_target(ag_tape_t *t, ag_node_t *n, int *fresh)
{
    if (!n->requires_grad)
        return NULL;
    if (n->grad) {
        *fresh = 0;
        return n->grad;
    }
    n->grad = arena_alloc(&t->arena, tensor_size(n->value) * sizeof(float));
    *fresh = 1;
    return n->grad;
}

float *ag_grad_accum(ag_tape_t *t, ag_node_t *n)
{
    int fresh;
    float *g = ag_grad_target(t, n, &fresh);
    if (g && fresh)
        memset(g, 0, tensor_size(n->value) * sizeof(float));
    return g;
}

/* dst = src (fresh) or dst += src. */
static void put(float *dst, const float *src, size_t n, int fresh)
{
    if (fresh)
        memcpy(dst, src, n * sizeof(float));
    else
        for (size_t i = 0; i < n; i++)
            dst[i] += src[i];
}

/* ---- broadcasting ---------------------------------------------------------------------------- */

/* Two shapes aligned at their last dimension and padded to 4 dimensions with leading 1s; the
 * strides of a size-1 (repeated) dimension are 0, so one index formula serves every case. */
typedef struct {
    int ndim;       /* of the result */
    int shape[4];   /* the result's shape, padded */
    long sa[4], sb[4]; /* element strides of a and b in the result's index space */
    size_t n;       /* elements of the result */
    int same;       /* a, b and the result all have one shape: a flat loop will do */
} bcast;

static void padded(tensor_t t, int shape[4], long stride[4])
{
    int off = 4 - t.ndim;
    for (int k = 0; k < 4; k++)
        shape[k] = k < off ? 1 : t.shape[k - off];
    long s = 1;
    for (int k = 3; k >= 0; k--) {
        stride[k] = shape[k] == 1 ? 0 : s;
        s *= shape[k];
    }
}

static bcast broadcast_plan(const char *op, tensor_t a, tensor_t b)
{
    bcast p = {.ndim = a.ndim > b.ndim ? a.ndim : b.ndim, .n = 1, .same = a.ndim == b.ndim};
    int as[4], bs[4];
    padded(a, as, p.sa);
    padded(b, bs, p.sb);
    for (int k = 0; k < 4; k++) {
        if (as[k] != bs[k] && as[k] != 1 && bs[k] != 1) {
            char sa[64], sb[64];
            nn_fatal("elementwise operations need equal sizes, or a size 1 that is repeated (a bias "
                     "for a (B, N) input is (N) or (1, N)); print the shapes where these values are made",
                     "%s: shapes %s and %s cannot be broadcast together: aligned at the last dimension, "
                     "dimension %d has sizes %d and %d (expected equal, or one of them 1)",
                     op, tensor_shape_str(a, sa), tensor_shape_str(b, sb), k - (4 - p.ndim), as[k], bs[k]);
        }
        p.shape[k] = as[k] == 1 ? bs[k] : as[k];
        p.n *= (size_t)p.shape[k];
        p.same &= as[k] == bs[k];
    }
    return p;
}

enum { EW_ADD, EW_SUB, EW_MUL };

/* y = a (op) b over the broadcast index space. The innermost dimension is the loop that runs
 * long; its strides are 0 or 1. */
static void ew_forward(int kind, float *restrict y, const float *a, const float *b, const bcast *p)
{
    if (p->same) {
        for (size_t i = 0; i < p->n; i++)
            y[i] = kind == EW_ADD ? a[i] + b[i] : kind == EW_SUB ? a[i] - b[i] : a[i] * b[i];
        return;
    }
    const int *s = p->shape;
    const long *sa = p->sa, *sb = p->sb, a3 = sa[3], b3 = sb[3];
    for (int i0 = 0; i0 < s[0]; i0++)
        for (int i1 = 0; i1 < s[1]; i1++)
            for (int i2 = 0; i2 < s[2]; i2++) {
                const float *pa = a + i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
                const float *pb = b + i0 * sb[0] + i1 * sb[1] + i2 * sb[2];
                switch (kind) {
                case EW_ADD: for (int i = 0; i < s[3]; i++) y[i] = pa[i * a3] + pb[i * b3]; break;
                case EW_SUB: for (int i = 0; i < s[3]; i++) y[i] = pa[i * a3] - pb[i * b3]; break;
                default:     for (int i = 0; i < s[3]; i++) y[i] = pa[i * a3] * pb[i * b3]; break;
                }
                y += s[3];
            }
}

/* The backward of one broadcast operand: acc[index_a] += sign * g[index] * other[index_other]
 * (other NULL: times 1) over the whole result. Where a was repeated along a dimension its stride
 * is 0, so the repeated copies' gradients add up in the same element: the sum over the
 * broadcast dimensions, accumulated in double (a bias broadcast over a batch of thousands sums
 * thousands of terms; in float the last ones would lose most of their digits). acc must hold a
 * gradient already or zeros. */
static void ew_reduce(double *acc, const long *sa, const float *g, const float *other, const long *so, float sign,
                      const bcast *p)
{
    const int *s = p->shape;
    for (int i0 = 0; i0 < s[0]; i0++)
        for (int i1 = 0; i1 < s[1]; i1++)
            for (int i2 = 0; i2 < s[2]; i2++) {
                double *pa = acc + i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
                if (other) {
                    const float *po = other + i0 * so[0] + i1 * so[1] + i2 * so[2];
                    for (int i = 0; i < s[3]; i++)
                        pa[i * sa[3]] += (double)sign * g[i] * po[i * so[3]];
                } else {
                    for (int i = 0; i < s[3]; i++)
                        pa[i * sa[3]] += (double)sign * g[i];
                }
                g += s[3];
            }
}

/* Is operand x (strides sx) laid out exactly like the result (no repeated dimension)? */
static int full_size(tensor_t x, const bcast *p) { return tensor_size(x) == p->n; }

/* Pass g into operand k of n (a or b): gradient sign * g * other, summed to the operand's shape. */
static void ew_backward_operand(ag_tape_t *t, ag_node_t *n, int k, float sign, const float *other, const long *so)
{
    ag_node_t *x = ag_input_node(t, n, k);
    int fresh;
    float *gx = ag_grad_target(t, x, &fresh);
    if (!gx)
        return;
    const bcast *p = (const bcast *)n->saved;
    const float *g = n->grad;
    if (full_size(x->value, p) && (p->same || !other)) {
        /* no broadcasting of x, and other (if any) is laid out like the result: a flat loop */
        size_t m = p->n;
        if (!other && sign == 1.0f)
            put(gx, g, m, fresh);
        else if (!other) {
            if (fresh)
                for (size_t i = 0; i < m; i++) gx[i] = -g[i];
            else
                for (size_t i = 0; i < m; i++) gx[i] -= g[i];
        } else if (fresh) {
            for (size_t i = 0; i < m; i++) gx[i] = sign * g[i] * other[i];
        } else {
            for (size_t i = 0; i < m; i++) gx[i] += sign * g[i] * other[i];
        }
        return;
    }
    size_t m = tensor_size(x->value), mark = arena_mark(&t->arena);
    double *acc = arena_alloc(&t->arena, m * sizeof(double));
    for (size_t i = 0; i < m; i++)
        acc[i] = fresh ? 0.0 : gx[i];
    ew_reduce(acc, k == 0 ? p->sa : p->sb, g, other, so, sign, p);
    for (size_t i = 0; i < m; i++)
        gx[i] = (float)acc[i];
    arena_release(&t->arena, mark);
}

static void add_backward(ag_tape_t *t, ag_node_t *n)
{
    ew_backward_operand(t, n, 0, 1.0f, NULL, NULL);
    ew_backward_operand(t, n, 1, 1.0f, NULL, NULL);
}

static void sub_backward(ag_tape_t *t, ag_node_t *n)
{
    ew_backward_operand(t, n, 0, 1.0f, NULL, NULL);
    ew_backward_operand(t, n, 1, -1.0f, NULL, NULL);
}

static void mul_backward(ag_tape_t *t, ag_node_t *n)
{
    const bcast *p = (const bcast *)n->saved;
    const float *a = ag_input_node(t, n, 0)->value.data, *b = ag_input_node(t, n, 1)->value.data;
    ew_backward_operand(t, n, 0, 1.0f, b, p->sb); /* da = sum_to(g * b) */
    ew_backward_operand(t, n, 1, 1.0f, a, p->sa); /* db = sum_to(g * a) */
}

static ag_var_t elementwise(const char *op, int kind, ag_var_t a, ag_var_t b, ag_backward_fn_t backward)
{
    tensor_t ta = node_checked(a, op, "a")->value, tb = node_checked(b, op, "b")->value;
    bcast plan = broadcast_plan(op, ta, tb);
    ag_tape_t *t = a.tape;
    tensor_t y = ag_alloc(t, plan.ndim, plan.shape + 4 - plan.ndim);
    ew_forward(kind, y.data, ta.data, tb.data, &plan);
    ag_var_t v = ag_record(t, op, y, (ag_var_t[]){a, b}, 2, backward);
    ag_node_t *n = &t->nodes[v.id];
    if (n->requires_grad) { /* keep the plan for backward */
        n->saved = arena_alloc(&t->arena, sizeof(bcast));
        memcpy(n->saved, &plan, sizeof plan);
    }
    return v;
}

ag_var_t ag_add(ag_var_t a, ag_var_t b) { return elementwise("add", EW_ADD, a, b, add_backward); }
ag_var_t ag_sub(ag_var_t a, ag_var_t b) { return elementwise("sub", EW_SUB, a, b, sub_backward); }
ag_var_t ag_mul(ag_var_t a, ag_var_t b) { return elementwise("mul", EW_MUL, a, b, mul_backward); }

/* ---- unary elementwise ----------------------------------------------------------------------- */

enum { UN_SCALE, UN_EXP, UN_LOG, UN_SQUARE };

/* gx (=|+=) g * f'(x), with y = f(x) at hand */
static void unary_backward(ag_tape_t *t, ag_node_t *n, int kind)
{
    ag_node_t *in = ag_input_node(t, n, 0);
    int fresh;
    float *gx = ag_grad_target(t, in, &fresh);
    if (!gx)
        return;
    const float *g = n->grad, *x = in->value.data, *y = n->value.data;
    size_t m = tensor_size(n->value);
    float s = n->scalar;
    for (size_t i = 0; i < m; i++) {
        float d = kind == UN_SCALE ? s * g[i] : kind == UN_EXP ? g[i] * y[i]
                : kind == UN_LOG ? g[i] / x[i] : 2.0f * x[i] * g[i];
        gx[i] = fresh ? d : gx[i] + d;
    }
}

static void scale_backward(ag_tape_t *t, ag_node_t *n) { unary_backward(t, n, UN_SCALE); }
static void exp_backward(ag_tape_t *t, ag_node_t *n) { unary_backward(t, n, UN_EXP); }
static void log_backward(ag_tape_t *t, ag_node_t *n) { unary_backward(t, n, UN_LOG); }
static void square_backward(ag_tape_t *t, ag_node_t *n) { unary_backward(t, n, UN_SQUARE); }

static ag_var_t unary(const char *op, int kind, ag_var_t a, float s, ag_backward_fn_t backward)
{
    tensor_t x = node_checked(a, op, "a")->value;
    tensor_t y = ag_alloc(a.tape, x.ndim, x.shape);
    size_t m = tensor_size(x);
    for (size_t i = 0; i < m; i++)
        y.data[i] = kind == UN_SCALE ? s * x.data[i] : kind == UN_EXP ? expf(x.data[i])
                  : kind == UN_LOG ? logf(x.data[i]) : x.data[i] * x.data[i];
    ag_var_t v = ag_record(a.tape, op, y, &a, 1, backward);
    a.tape->nodes[v.id].scalar = s;
    return v;
}

ag_var_t ag_scale(ag_var_t a, float s) { return unary("scale", UN_SCALE, a, s, scale_backward); }
ag_var_t ag_exp(ag_var_t a) { return unary("exp", UN_EXP, a, 0, exp_backward); }
ag_var_t ag_log(ag_var_t a) { return unary("log", UN_LOG, a, 0, log_backward); }
ag_var_t ag_square(ag_var_t a) { return unary("square", UN_SQUARE, a, 0, square_backward); }

/* ---- activations (activations.h's kernels) ----------------------------------------------------- */

static void activation_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *in = ag_input_node(t, n, 0);
    int fresh;
    float *gx = ag_grad_target(t, in, &fresh);
    if (!gx)
        return;
    size_t m = tensor_size(n->value);
    if (fresh) { /* the kernel overwrites: let it write straight into the gradient */
        n->act_backward(gx, n->grad, in->value.data, n->value.data, m);
        return;
    }
    size_t mark = arena_mark(&t->arena); /* used twice: compute into scratch, then add */
    float *tmp = arena_alloc(&t->arena, m * sizeof(float));
    n->act_backward(tmp, n->grad, in->value.data, n->value.data, m);
    put(gx, tmp, m, 0);
    arena_release(&t->arena, mark);
}

ag_var_t ag_activation(ag_var_t x, const char *name, ag_act_forward_fn_t fwd, ag_act_backward_fn_t bwd)
{
    tensor_t tx = node_checked(x, name, "x")->value;
    tensor_t y = ag_alloc(x.tape, tx.ndim, tx.shape);
    fwd(y.data, tx.data, tensor_size(tx));
    ag_var_t v = ag_record(x.tape, name, y, &x, 1, activation_backward);
    x.tape->nodes[v.id].act_backward = bwd;
    return v;
}

ag_var_t ag_relu(ag_var_t x) { return ag_activation(x, "relu", relu_forward, relu_backward); }
ag_var_t ag_sigmoid(ag_var_t x) { return ag_activation(x, "sigmoid", sigmoid_forward, sigmoid_backward); }
ag_var_t ag_tanh(ag_var_t x) { return ag_activation(x, "tanh", tanh_act_forward, tanh_act_backward); }

/* ---- matrix products --------------------------------------------------------------------------- */

static void need_matrix(const char *op, const char *arg, tensor_t x)
{
    char s[64];
    if (x.ndim != 2)
        nn_fatal("matrix products take 2-D operands; flatten a batch of images to (B, 784) with "
                 "ag_reshape first",
                 "%s: %s has shape %s: expected a matrix (2 dimensions), got %d dimension%s", op, arg,
                 tensor_shape_str(x, s), x.ndim, x.ndim == 1 ? "" : "s");
}

static void matmul_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *A = ag_input_node(t, n, 0), *B = ag_input_node(t, n, 1);
    int M = A->value.shape[0], K = A->value.shape[1], N = B->value.shape[1], fresh;
    float *gA = ag_grad_target(t, A, &fresh);
    if (gA) /* dA = g B^T: (M, N) (N, K) */
        matmul_blas(0, 1, M, K, N, 1.0f, n->grad, B->value.data, fresh ? 0.0f : 1.0f, gA);
    float *gB = ag_grad_target(t, B, &fresh);
    if (gB) /* dB = A^T g: (K, M) (M, N) */
        matmul_blas(1, 0, K, N, M, 1.0f, A->value.data, n->grad, fresh ? 0.0f : 1.0f, gB);
}

ag_var_t ag_matmul(ag_var_t A, ag_var_t B)
{
    const char *op = "ag_matmul";
    tensor_t a = node_checked(A, op, "A")->value, b = node_checked(B, op, "B")->value;
    need_matrix(op, "A", a);
    need_matrix(op, "B", b);
    if (a.shape[1] != b.shape[0]) {
        char sa[64], sb[64];
        nn_fatal("in A B, A is (M, K) and B is (K, N): A's columns must equal B's rows. Is an operand "
                 "transposed, or the layer's sizes swapped?",
                 "%s: shapes %s and %s do not fit: A has %d columns but B has %d rows", op,
                 tensor_shape_str(a, sa), tensor_shape_str(b, sb), a.shape[1], b.shape[0]);
    }
    tensor_t c = ag_alloc(A.tape, 2, (int[]){a.shape[0], b.shape[1]});
    matmul_blas(0, 0, a.shape[0], b.shape[1], a.shape[1], 1.0f, a.data, b.data, 0.0f, c.data);
    return ag_record(A.tape, "matmul", c, (ag_var_t[]){A, B}, 2, matmul_backward);
}

static void linear_backward_node(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *X = ag_input_node(t, n, 0), *W = ag_input_node(t, n, 1), *b = ag_input_node(t, n, 2);
    int B = X->value.shape[0], in = X->value.shape[1], out = W->value.shape[1], fresh;
    const float *g = n->grad;
    float *gx = ag_grad_target(t, X, &fresh);
    if (gx) /* dx = g W^T: (B, out) (out, in) */
        matmul_blas(0, 1, B, in, out, 1.0f, g, W->value.data, fresh ? 0.0f : 1.0f, gx);
    float *gW = ag_grad_target(t, W, &fresh);
    if (gW) /* dW = x^T g: (in, B) (B, out) */
        matmul_blas(1, 0, in, out, B, 1.0f, X->value.data, g, fresh ? 0.0f : 1.0f, gW);
    float *gb = ag_grad_target(t, b, &fresh);
    if (gb) /* db = the bias's broadcast sum: g summed over the batch, in double (as every reduction
             * of the library), 256 columns at a time in a fixed buffer */
        for (int j0 = 0; j0 < out; j0 += 256) {
            const int w = out - j0 < 256 ? out - j0 : 256;
            double acc[256];
            for (int j = 0; j < w; j++)
                acc[j] = fresh ? 0.0 : gb[j0 + j];
            for (int i = 0; i < B; i++) {
                const float *row = g + (size_t)i * out + j0;
                for (int j = 0; j < w; j++)
                    acc[j] += row[j];
            }
            for (int j = 0; j < w; j++)
                gb[j0 + j] = (float)acc[j];
        }
}

ag_var_t ag_linear(ag_var_t x, ag_var_t W, ag_var_t b)
{
    const char *op = "ag_linear";
    tensor_t tx = node_checked(x, op, "x")->value, tw = node_checked(W, op, "W")->value;
    tensor_t tb = node_checked(b, op, "b")->value;
    need_matrix(op, "x", tx);
    need_matrix(op, "W", tw);
    char sx[64], sw[64], sb[64];
    if (tx.shape[1] != tw.shape[0])
        nn_fatal("x W needs x's columns (the input features) to equal W's rows; W is stored (in, out). "
                 "Is W transposed, or the input not flattened?",
                 "%s: x has shape %s but W has shape %s: x has %d features, W expects %d", op,
                 tensor_shape_str(tx, sx), tensor_shape_str(tw, sw), tx.shape[1], tw.shape[0]);
    if (tensor_size(tb) != (size_t)tw.shape[1] || tb.shape[tb.ndim - 1] != tw.shape[1] || tb.ndim > 2)
        nn_fatal("the bias has one entry per output unit: shape (out) or (1, out)",
                 "%s: b has shape %s but W has shape %s: expected b of shape (%d)", op,
                 tensor_shape_str(tb, sb), tensor_shape_str(tw, sw), tw.shape[1]);
    tensor_t y = ag_alloc(x.tape, 2, (int[]){tx.shape[0], tw.shape[1]});
    linear_forward(y.data, tx.data, tw.data, tb.data, tx.shape[0], tx.shape[1], tw.shape[1]);
    return ag_record(x.tape, "linear", y, (ag_var_t[]){x, W, b}, 3, linear_backward_node);
}

static void transpose_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *in = ag_input_node(t, n, 0);
    float *gx = ag_grad_accum(t, in);
    if (!gx)
        return;
    int M = in->value.shape[0], N = in->value.shape[1];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++)
            gx[(size_t)i * N + j] += n->grad[(size_t)j * M + i];
}

ag_var_t ag_transpose(ag_var_t a)
{
    tensor_t x = node_checked(a, "ag_transpose", "a")->value;
    need_matrix("ag_transpose", "a", x);
    int M = x.shape[0], N = x.shape[1];
    tensor_t y = ag_alloc(a.tape, 2, (int[]){N, M});
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++)
            y.data[(size_t)j * M + i] = x.data[(size_t)i * N + j];
    return ag_record(a.tape, "transpose", y, &a, 1, transpose_backward);
}

/* ---- shapes and reductions --------------------------------------------------------------------- */

static void reshape_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *in = ag_input_node(t, n, 0);
    int fresh;
    float *gx = ag_grad_target(t, in, &fresh);
    if (gx) /* the same elements in the same order: the gradient only changes its shape */
        put(gx, n->grad, tensor_size(n->value), fresh);
}

ag_var_t ag_reshape(ag_var_t a, int ndim, const int *shape)
{
    tensor_t x = node_checked(a, "ag_reshape", "a")->value;
    tensor_t y = tensor_view(x.data, ndim, shape); /* checks ndim and sizes */
    if (tensor_size(y) != tensor_size(x)) {
        char sx[64], sy[64];
        nn_fatal("a reshape keeps every element: the product of the new sizes must equal the old one",
                 "ag_reshape: cannot view shape %s (%zu elements) as %s (%zu elements)",
                 tensor_shape_str(x, sx), tensor_size(x), tensor_shape_str(y, sy), tensor_size(y));
    }
    return ag_record(a.tape, "reshape", y, &a, 1, reshape_backward);
}

static void sum_backward(ag_tape_t *t, ag_node_t *n)
{
    ag_node_t *in = ag_input_node(t, n, 0);
    int fresh;
    float *gx = ag_grad_target(t, in, &fresh);
    if (!gx)
        return;
    size_t m = tensor_size(in->value);
    float g = n->grad[0] * n->scalar; /* scalar: 1 for the sum, 1/m for the mean */
    for (size_t i = 0; i < m; i++)
        gx[i] = fresh ? g : gx[i] + g;
}

static ag_var_t reduce(const char *op, ag_var_t a, int mean)
{
    tensor_t x = node_checked(a, op, "a")->value;
    size_t m = tensor_size(x);
    double s = 0;
    for (size_t i = 0; i < m; i++)
        s += x.data[i];
    tensor_t y = ag_alloc(a.tape, 1, (int[]){1});
    y.data[0] = (float)(mean ? s / (double)(m ? m : 1) : s);
    ag_var_t v = ag_record(a.tape, op, y, &a, 1, sum_backward);
    a.tape->nodes[v.id].scalar = mean ? 1.0f / (float)(m ? m : 1) : 1.0f;
    return v;
}

ag_var_t ag_sum(ag_var_t a) { return reduce("sum", a, 0); }
ag_var_t ag_mean(ag_var_t a) { return reduce("mean", a, 1); }

/* ---- losses (loss.h) ----------------------------------------------------------------------------- */

/* Both losses compute dloss/dinput during the forward pass (loss.h does it in the same loop) and
 * keep it in n->saved; backward only scales it by the upstream gradient. */
static void scaled_saved_backward(ag_tape_t *t, ag_node_t *n, int k, float sign)
{
    ag_node_t *in = ag_input_node(t, n, k);
    int fresh;
    float *gx = ag_grad_target(t, in, &fresh);
    if (!gx)
        return;
    float g = sign * n->grad[0];
    size_t m = tensor_size(in->value);
    for (size_t i = 0; i < m; i++)
        gx[i] = fresh ? g * n->saved[i] : gx[i] + g * n->saved[i];
}

static void sce_backward(ag_tape_t *t, ag_node_t *n) { scaled_saved_backward(t, n, 0, 1.0f); }

ag_var_t ag_softmax_cross_entropy(ag_var_t z, const int *labels)
{
    const char *op = "ag_softmax_cross_entropy";
    tensor_t tz = node_checked(z, op, "z")->value;
    need_matrix(op, "the logits z", tz);
    int B = tz.shape[0], K = tz.shape[1];
    if (!labels)
        nn_fatal("pass the batch's class labels, one int per row of z", "%s: labels is NULL", op);
    for (int i = 0; i < B; i++)
        if (labels[i] < 0 || labels[i] >= K)
            nn_fatal("labels are class indices 0 .. K-1, one per row of the logits; do the logits have "
                     "one column per class?",
                     "%s: label %d of example %d is outside [0, %d) (the logits have %d columns)", op,
                     labels[i], i, K, K);
    tensor_t y = ag_alloc(z.tape, 1, (int[]){1});
    int requires = node_checked(z, op, "z")->requires_grad;
    float *dz = requires ? ag_alloc(z.tape, 2, tz.shape).data : NULL;
    y.data[0] = softmax_cross_entropy(dz, tz.data, labels, B, K);
    ag_var_t v = ag_record(z.tape, "softmax_cross_entropy", y, &z, 1, sce_backward);
    ag_node_t *n = &z.tape->nodes[v.id];
    n->saved = dz;
    n->labels = labels;
    return v;
}

static void mse_backward(ag_tape_t *t, ag_node_t *n)
{
    scaled_saved_backward(t, n, 0, 1.0f);
    scaled_saved_backward(t, n, 1, -1.0f);
}

ag_var_t ag_mse(ag_var_t y, ag_var_t target)
{
    const char *op = "ag_mse";
    tensor_t ty = node_checked(y, op, "y")->value, tt = node_checked(target, op, "t")->value;
    int same = ty.ndim == tt.ndim;
    for (int i = 0; same && i < ty.ndim; i++)
        same = ty.shape[i] == tt.shape[i];
    if (!same) {
        char sy[64], st[64];
        nn_fatal("the prediction and the target must have the same shape; a (B, 1) prediction against "
                 "a (B) target would broadcast to (B, B) in a hand-written loss: reshape one of them",
                 "%s: y has shape %s but t has shape %s: expected the same shape", op,
                 tensor_shape_str(ty, sy), tensor_shape_str(tt, st));
    }
    tensor_t out = ag_alloc(y.tape, 1, (int[]){1});
    float *dy = ag_alloc(y.tape, ty.ndim, ty.shape).data;
    out.data[0] = mse_loss(dy, ty.data, tt.data, 1, (int)tensor_size(ty));
    ag_var_t v = ag_record(y.tape, "mse", out, (ag_var_t[]){y, target}, 2, mse_backward);
    y.tape->nodes[v.id].saved = dy;
    return v;
}

/* ---- backward -------------------------------------------------------------------------------------- */

void ag_backward(ag_var_t loss)
{
    const char *op = "ag_backward";
    ag_node_t *L = node_checked(loss, op, "the loss");
    ag_tape_t *t = loss.tape;
    char s[64];
    if (tensor_size(L->value) != 1)
        nn_fatal("backward starts from one number; reduce the output first (ag_mean or ag_sum), or "
                 "use a loss such as ag_softmax_cross_entropy",
                 "%s: the loss has shape %s: expected a single element", op, tensor_shape_str(L->value, s));
    if (t->walked)
        nn_fatal("one recording supports one backward pass: to combine several losses add them first "
                 "(ag_add) and call ag_backward once; for another step, ag_tape_reset() and record the "
                 "forward pass again",
                 "%s: called twice on the same recording (recording %u): its gradients were already "
                 "passed on, and the parameters' gradients would be added a second time", op, t->gen);
    if (!L->requires_grad)
        nn_fatal("record the parameters with ag_param_var (or values with ag_leaf), not ag_input, "
                 "if you want their gradients",
                 "%s: the loss does not depend on anything that wants a gradient", op);
    t->walked = 1;
    int fresh;
    float *seed = ag_grad_target(t, L, &fresh);
    seed[0] = fresh ? 1.0f : seed[0] + 1.0f; /* dloss/dloss = 1 */
    /* The tape is in creation order, a topological order: walking it backwards, a node's
     * gradient is complete (all its consumers came later and are already done) before it is
     * passed on. Nodes without a gradient do not lead to the loss: skip them. */
    for (int i = loss.id; i >= 0; i--) {
        ag_node_t *n = &t->nodes[i];
        if (n->grad && n->backward)
            n->backward(t, n);
    }
}

/* ---- reading ------------------------------------------------------------------------------------ */

tensor_t ag_value(ag_var_t v) { return node_checked(v, "ag_value", "the variable")->value; }

tensor_t ag_grad(ag_var_t v)
{
    ag_node_t *n = node_checked(v, "ag_grad", "the variable");
    tensor_t g = n->value;
    g.data = n->grad;
    return g;
}

float ag_item(ag_var_t v)
{
    ag_node_t *n = node_checked(v, "ag_item", "the variable");
    char s[64];
    if (tensor_size(n->value) != 1)
        nn_fatal("ag_item reads a single number (a loss); use ag_value for a tensor",
                 "ag_item: the variable has shape %s", tensor_shape_str(n->value, s));
    return n->value.data[0];
}

void ag_assert_shape(ag_var_t v, const char *what, int ndim, const int *shape)
{
    tensor_t x = node_checked(v, "ag_assert_shape", what)->value;
    if (tensor_shape_matches(x, ndim, shape))
        return;
    char want[64], got[64];
    tensor_pattern_str(ndim, shape, want);
    nn_fatal("an elementwise operation between a (B, 1) and a (B) tensor broadcasts to (B, B) without "
             "complaint; reshape one of them so that both have the same shape",
             "ag_assert_shape: %s has shape %s, expected %s", what, tensor_shape_str(x, got), want);
}

/* ---- parameters ---------------------------------------------------------------------------------- */

void ag_params_init(ag_params_t *ps, size_t floats, int max_params)
{
    memset(ps, 0, sizeof *ps);
    ps->cap = floats;
    ps->value = nn_calloc(floats, sizeof(float));
    ps->grad = nn_calloc(floats, sizeof(float));
    ps->max = max_params;
    ps->list = nn_calloc((size_t)max_params, sizeof(ag_param_t));
}

ag_param_t *ag_params_add(ag_params_t *ps, const char *name, int ndim, const int *shape)
{
    tensor_t probe = tensor_view(NULL, ndim, shape); /* checks the shape */
    size_t size = tensor_size(probe), start = (ps->n + 15) / 16 * 16; /* 64-byte aligned */
    if (ps->count == ps->max || start + size > ps->cap)
        nn_fatal("create the store with more room (ag_params_init)",
                 "ag_params_add: no room for %s (%zu floats): %zu of %zu floats and %d of %d tensors in use",
                 name ? name : "a parameter", size, ps->n, ps->cap, ps->count, ps->max);
    ag_param_t *p = &ps->list[ps->count++];
    p->name = name;
    p->value = tensor_view(ps->value + start, ndim, shape);
    p->grad = tensor_view(ps->grad + start, ndim, shape);
    ps->n = start + size;
    return p;
}

void ag_params_zero_grad(ag_params_t *ps) { memset(ps->grad, 0, ps->n * sizeof(float)); }

double ag_param_grad_norm(const ag_param_t *p)
{
    double s = 0;
    size_t m = tensor_size(p->grad);
    for (size_t i = 0; i < m; i++)
        s += (double)p->grad.data[i] * p->grad.data[i];
    return sqrt(s);
}

void ag_params_free(ag_params_t *ps)
{
    free(ps->value);
    free(ps->grad);
    free(ps->list);
    memset(ps, 0, sizeof *ps);
}

/* ---- drawing ------------------------------------------------------------------------------------- */

/* "(128, 256)" or, for one element, its value (and gradient, once known). */
static void node_label(FILE *f, const ag_node_t *n)
{
    char s[64], text[256];
    int leaf = !strcmp(n->op, "input") || !strcmp(n->op, "leaf") || !strcmp(n->op, "param");
    const char *title = leaf ? (n->name ? n->name : n->op) : n->op;
    if (tensor_size(n->value) == 1) {
        int k = snprintf(text, sizeof text, "%s\n= %.4g", title, n->value.data[0]);
        if (n->grad)
            snprintf(text + k, sizeof text - (size_t)k, "\ngrad %.4g", n->grad[0]);
    } else {
        snprintf(text, sizeof text, "%s\n%s", title, tensor_shape_str(n->value, s));
    }
    graphviz_quote(f, text);
}

int ag_draw(ag_var_t root, const char *dir, const char *name, const char *title)
{
    ag_node_t *r = node_checked(root, "ag_draw", "the root");
    ag_tape_t *t = root.tape;
    char *reach = nn_calloc((size_t)root.id + 1, 1), *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        nn_fatal(NULL, "ag_draw: out of memory");
    (void)r;
    fprintf(f, "digraph autograd {\n  rankdir=LR;\n  labelloc=t;\n  label=");
    graphviz_quote(f, title ? title : name);
    fprintf(f, ";\n  fontname=\"sans\";\n  node [fontname=\"sans\", fontsize=11];\n"
               "  edge [color=\"#555555\"];\n");
    reach[root.id] = 1;
    for (int i = root.id; i >= 0; i--) { /* the same backward sweep as ag_backward */
        if (!reach[i])
            continue;
        const ag_node_t *n = &t->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            reach[n->in[k]] = 1;
    }
    for (int i = 0; i <= root.id; i++) {
        if (!reach[i])
            continue;
        const ag_node_t *n = &t->nodes[i];
        int leaf = !n->n_in;
        fprintf(f, "  n%d [label=", i);
        node_label(f, n);
        if (!leaf)
            fprintf(f, ", shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f6\"");
        else if (n->param || !strcmp(n->op, "leaf"))
            fprintf(f, ", shape=ellipse, style=filled, fillcolor=\"#fde0c5\"");
        else
            fprintf(f, ", shape=ellipse");
        fprintf(f, "];\n");
        for (int k = 0; k < n->n_in; k++)
            fprintf(f, "  n%d -> n%d;\n", n->in[k], i);
    }
    fprintf(f, "}\n");
    fclose(f);
    int rc = graphviz_render(dir, name, text);
    free(text);
    free(reach);
    return rc;
}
