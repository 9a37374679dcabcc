/* autograd.h — reverse-mode automatic differentiation on a tape (chapter 4 derives it).
 *
 * You write only the forward computation, out of ag_* operations. Each operation computes its
 * value at once and records itself on a tape: which values it read and how to differentiate it.
 * ag_backward(loss) then walks the tape from the end to the beginning and applies the chain rule,
 * leaving dloss/dv in every value v that needs one, and adding dloss/dp into the gradient of
 * every parameter p that the loss depends on. The tape is a list in creation order, and an
 * operation can only read values created before it, so the reverse of the tape is a reverse
 * topological order of the graph: every value's gradient is complete before it is passed on.
 *
 *   ag_tape_t tape;                ag_tape_init(&tape, 64 << 20);           // once
 *   ag_params_t ps;                ag_params_init(&ps, n_floats, 8);        // once
 *   ag_param_t *W = ag_params_add(&ps, "W", 2, (int[]){784, 10}), *b = ...; // once (C: in C++,
 *                                                       // name an int array for the shape)
 *   for each step:
 *       ag_tape_reset(&tape);                       // forget the last step (O(1), no free)
 *       ag_var_t x = ag_input(&tape, batch, "x");   // data: no gradient
 *       ag_var_t logits = ag_linear(x, ag_param_var(&tape, W), ag_param_var(&tape, b));
 *       ag_var_t loss = ag_softmax_cross_entropy(logits, labels);
 *       ag_params_zero_grad(&ps);
 *       ag_backward(loss);                          // ps.grad now holds dloss/dparameters
 *       adam_step(&adam, ps.value, ps.grad);        // one call for the whole model
 *
 * Values live on the tape's arena (arena.h) and are given back all at once by ag_tape_reset():
 * after the first step a training loop allocates nothing. Parameters live in an ag_params_t store
 * (or any memory you own) and outlive the tape.
 *
 * Variables. An ag_var_t is a small handle (tape, index, generation), passed by value. Every
 * operation checks its handles: a handle from before the last ag_tape_reset(), or on a freed
 * tape, stops with a message saying so instead of reading memory that now holds something else.
 *
 * Shapes follow tensor.h (row-major, 1 to 4 dimensions); a scalar is shape (1). Elementwise
 * operations broadcast like NumPy and PyTorch: shapes are aligned at their last dimension, and
 * in each dimension the sizes must be equal or one of them 1 (missing leading dimensions count
 * as 1); a size-1 operand is repeated along that dimension. So (B, N) + (N) adds a bias to every
 * row, and (B, 1) - (B) silently becomes (B, B): ag_assert_shape() catches that. The backward
 * of a broadcast operand sums the gradient over the dimensions it was repeated along.
 *
 * Errors (nn_fatal: a message naming the operation, both shapes and a hint, exit status 1):
 * shapes that do not fit, a stale or uninitialized handle, ag_backward() on a non-scalar or
 * twice on the same recording, an arena too small.
 *
 * Threads: a tape belongs to one thread. Matrix products run on OpenBLAS's threads.
 *
 * Prefixes: ag_, AG_
 */
#ifndef NN_AUTOGRAD_H
#define NN_AUTOGRAD_H

#include "arena.h"
#include "tensor.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ag_tape_t ag_tape_t;
typedef struct ag_node_t ag_node_t;

/* A handle on one recorded value. {0} is "no variable". */
typedef struct {
    ag_tape_t *tape;
    int id;       /* its node's index on the tape */
    unsigned gen; /* the tape's generation when it was recorded (ag_tape_reset increments it) */
} ag_var_t;

/* A trainable tensor and its gradient, same shape. They outlive the tape. The gradient is
 * ADDED to by every ag_backward() (so several backward passes accumulate, e.g. over
 * micro-batches) until it is zeroed. */
typedef struct {
    const char *name;
    tensor_t value;
    tensor_t grad;
} ag_param_t;

/* ---- the tape -------------------------------------------------------------------------------- */

/* A backward function: given node n whose gradient n->grad is complete, add n's contribution to
 * the gradients of its inputs (ag_grad_target / ag_grad_accum below give their buffers). */
typedef void (*ag_backward_fn_t)(ag_tape_t *t, ag_node_t *n);

/* The derivative kernels of activations.h: dx = dy * f'(x), OVERWRITING dx. */
typedef void (*ag_act_forward_fn_t)(float *y, const float *x, size_t n);
typedef void (*ag_act_backward_fn_t)(float *dx, const float *dy, const float *x, const float *y, size_t n);

enum { AG_MAX_INPUTS = 3 };

struct ag_node_t {
    tensor_t value;            /* the forward result; its memory is on the tape's arena (leaves: the caller's) */
    float *grad;             /* dloss/dvalue, value's shape; NULL until a gradient arrives */
    const char *op;          /* "mul", "matmul", ...; leaves: "input", "leaf" or "param" */
    const char *name;        /* a label for messages and drawings (leaves), or NULL */
    int in[AG_MAX_INPUTS];   /* the inputs' ids: always smaller than this node's own id */
    int n_in;
    int requires_grad;       /* 1 if some input wants a gradient: only then is backward called */
    ag_backward_fn_t backward; /* NULL for leaves */
    ag_param_t *param;         /* "param" leaves: where the gradient goes */
    /* what an operation's backward needs besides its inputs' values: */
    float scalar;            /* ag_scale's factor */
    const int *labels;       /* ag_softmax_cross_entropy's labels (the caller's memory) */
    float *saved;            /* an operation's own buffer on the arena (e.g. dloss/dlogits) */
    ag_act_backward_fn_t act_backward; /* ag_activation's derivative */
};

struct ag_tape_t {
    arena_t arena;           /* values and gradients of one recording */
    ag_node_t *nodes;          /* (cap) the recording, in creation order; NULL once freed */
    int n, cap;
    unsigned gen;            /* incremented by every reset: older handles are stale */
    int walked;              /* ag_backward has run on this recording */
    int freed;
};

/* Set up a tape whose values may use up to arena_bytes per recording (the arena's peak use is in
 * tape->arena.peak: size it from a first run). t must stay at the same address while in use. */
void ag_tape_init(ag_tape_t *t, size_t arena_bytes);

/* Forget the recording: every value and gradient is given back at once, every handle becomes
 * stale. Costs nothing; call it at the start of every step. */
void ag_tape_reset(ag_tape_t *t);

/* Release the memory. Handles on it stay detectably invalid while the ag_tape_t itself exists. */
void ag_tape_free(ag_tape_t *t);

/* ---- leaves: where values enter ------------------------------------------------------------ */

/* Data (a batch, targets): no gradient flows into it. The tensor is not copied: its memory must
 * stay as it is until the step is done. */
ag_var_t ag_input(ag_tape_t *t, tensor_t x, const char *name);

/* A value that wants a gradient, kept on the tape: after ag_backward, ag_grad() reads it. For
 * checks and experiments (a parameter is usually an ag_param_t). x is not copied. */
ag_var_t ag_leaf(ag_tape_t *t, tensor_t x, const char *name);

/* A parameter, recorded for this step: the backward pass adds its gradient into p->grad. */
ag_var_t ag_param_var(ag_tape_t *t, ag_param_t *p);

/* ---- operations ------------------------------------------------------------------------------- */
/* Each returns a new variable on the tape of its inputs (which must share one tape). The
 * formula after each is its forward; its backward is the vector-Jacobian product, written with
 * g = dloss/d(result) (chapter 4 derives each). */

/* Elementwise with broadcasting: a + b, a - b, a * b.
 * backward: da = sum_to(g), db = sum_to(±g); for mul da = sum_to(g * b), db = sum_to(g * a),
 * where sum_to sums over the dimensions that broadcasting repeated. */
ag_var_t ag_add(ag_var_t a, ag_var_t b);
ag_var_t ag_sub(ag_var_t a, ag_var_t b);
ag_var_t ag_mul(ag_var_t a, ag_var_t b);

/* s * a for a constant s.   backward: da = s g */
ag_var_t ag_scale(ag_var_t a, float s);

/* exp(a), log(a), a^2, elementwise.   backward: g exp(a), g / a, 2 a g */
ag_var_t ag_exp(ag_var_t a);
ag_var_t ag_log(ag_var_t a);
ag_var_t ag_square(ag_var_t a);

/* Any activation of activations.h: y = fwd(x), backward dx = bwd(dy, x, y). E.g.
 * ag_activation(h, "gelu", gelu_forward, gelu_backward). */
ag_var_t ag_activation(ag_var_t x, const char *name, ag_act_forward_fn_t fwd, ag_act_backward_fn_t bwd);
ag_var_t ag_relu(ag_var_t x);    /* max(0, x) */
ag_var_t ag_sigmoid(ag_var_t x); /* 1 / (1 + e^-x) */
ag_var_t ag_tanh(ag_var_t x);

/* Matrix product A B.  A: (M, K), B: (K, N) -> (M, N).   backward: dA = g B^T, dB = A^T g */
ag_var_t ag_matmul(ag_var_t A, ag_var_t B);

/* A fully connected layer in one operation, x W + b (layers.h's linear_forward): the same as
 * ag_add(ag_matmul(x, W), b) but with the bias folded into the product's output pass.
 * x: (B, in), W: (in, out), b: (out) -> (B, out).
 * backward: dx = g W^T, dW = x^T g, db = sum over the batch of g (the broadcast sum). */
ag_var_t ag_linear(ag_var_t x, ag_var_t W, ag_var_t b);

/* Transpose of a matrix.  a: (M, N) -> (N, M).  backward: da = g^T */
ag_var_t ag_transpose(ag_var_t a);

/* The same elements seen with another shape (a view: no copy). The element count must agree.
 * backward: da = g seen with a's shape. */
ag_var_t ag_reshape(ag_var_t a, int ndim, const int *shape);

/* Sum / mean of all elements -> shape (1).   backward: da = g (sum), g / n (mean), everywhere */
ag_var_t ag_sum(ag_var_t a);
ag_var_t ag_mean(ag_var_t a);

/* Mean softmax cross-entropy of logits z (B, K) against labels (B) in [0, K) -> (1), through
 * loss.h.  backward: dz = g (softmax(z) - onehot(labels)) / B. labels must stay valid until
 * backward is done (not copied). */
ag_var_t ag_softmax_cross_entropy(ag_var_t z, const int *labels);

/* Mean squared error of y against t; y and t must have the SAME shape (no broadcasting, on
 * purpose: see the broadcasting bug in chapter 4) -> (1).  backward: dy = 2 g (y - t) / n,
 * dt = -dy. */
ag_var_t ag_mse(ag_var_t y, ag_var_t t);

/* ---- backward ------------------------------------------------------------------------------- */

/* Walk the tape from `loss` back to the beginning: dloss/dloss = 1, then every node that
 * received a gradient passes it on to its inputs. loss must have one element. Afterwards
 * ag_grad() reads the gradient of any variable on the tape, and every parameter that loss
 * depends on has had its gradient ADDED to p->grad. Calling it twice on one recording is an
 * error (the parameter gradients would be added twice): reset and record again. */
void ag_backward(ag_var_t loss);

/* ---- reading results ------------------------------------------------------------------------ */

tensor_t ag_value(ag_var_t v);
/* The gradient as a tensor of v's shape; .data is NULL if no gradient reached v (for a
 * parameter it is always the parameter's own grad buffer). */
tensor_t ag_grad(ag_var_t v);
/* The value of a one-element variable (a loss). */
float ag_item(ag_var_t v);
/* The node behind a handle, after checking the handle (for writing new operations). */
ag_node_t *ag_node_of(ag_var_t v);

/* Stop with a message naming `what`, the shape it has and the shape expected (-1 = any size)
 * unless v has exactly that shape: the cheap assertion that catches a silent broadcast. */
void ag_assert_shape(ag_var_t v, const char *what, int ndim, const int *shape);

/* ---- parameters ----------------------------------------------------------------------------- */

/* A store that keeps all of a model's parameters in one contiguous block and their gradients
 * in another with the same layout, so that one optimizer call (optim.h) and one memset cover
 * the whole model. */
typedef struct {
    float *value, *grad; /* (cap) owned; parameter k is value[off_k .. off_k + size_k) */
    size_t n, cap;       /* floats handed out / available */
    ag_param_t *list;      /* (max) the parameters, in the order added; addresses are stable */
    int count, max;
} ag_params_t;

/* Room for `floats` parameter values in at most max_params tensors. */
void ag_params_init(ag_params_t *ps, size_t floats, int max_params);

/* A new zero-filled parameter (and zero gradient) of the given shape, carved from the store.
 * The name is not copied. Stops with the sizes if the store is full. */
ag_param_t *ag_params_add(ag_params_t *ps, const char *name, int ndim, const int *shape);

/* Zero every gradient of the store (one memset): call it before each ag_backward. */
void ag_params_zero_grad(ag_params_t *ps);

/* L2 norm of a parameter's gradient, in double: the number to watch when a network does not
 * learn (chapter 4, "no learning"). */
double ag_param_grad_norm(const ag_param_t *p);

void ag_params_free(ag_params_t *ps);

/* ---- drawing -------------------------------------------------------------------------------- */

/* Write the graph that `root` depends on, in Graphviz's DOT language, to dir/name.dot and draw
 * it to dir/name.svg and .png (graphviz.h). Leaves are ellipses (parameters shaded), operations
 * boxes with their output shape. Returns 0, or -1 after reporting (e.g. Graphviz missing). */
int ag_draw(ag_var_t root, const char *dir, const char *name, const char *title);

/* ---- writing new operations ------------------------------------------------------------------ */

/* Record a node computed by the caller: `value` (its memory from ag_alloc, or the caller's),
 * inputs[0..n_in) and the backward function. Returns its handle; the node is ag_node_of(it). */
ag_var_t ag_record(ag_tape_t *t, const char *op, tensor_t value, const ag_var_t *inputs, int n_in,
                 ag_backward_fn_t backward);

/* Uninitialized memory for a value of this shape on the tape's arena (given back at reset). */
tensor_t ag_alloc(ag_tape_t *t, int ndim, const int *shape);

/* Input k of node n. */
ag_node_t *ag_input_node(ag_tape_t *t, const ag_node_t *n, int k);

/* For a backward function about to pass a gradient into node n: NULL if n wants none; otherwise
 * its gradient buffer, with *fresh = 1 if the buffer holds nothing yet (write it) or 0 if it
 * already holds a gradient from another consumer (add to it). Writing instead of zeroing and
 * adding saves a pass; adding when n is used twice is the chain rule's sum over paths. */
float *ag_grad_target(ag_tape_t *t, ag_node_t *n, int *fresh);

/* The same, but a fresh buffer is zeroed first: for kernels that only add. */
float *ag_grad_accum(ag_tape_t *t, ag_node_t *n);

#ifdef __cplusplus
}
#endif

#endif
