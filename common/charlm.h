/* charlm.h — the character language model of chapter 8 as a library type: one-hot characters, one
 * recurrent layer (the LSTM of lstm.h or the GRU of gru.h), a linear read-out to the next
 * character's logits. Chapter 8 teaches it and trains it on the Bible; chapter 12 (section 12.11)
 * races it against a GPT of as many parameters.
 *
 *   x_t = onehot(inputs_t)                       (B, V)   t = 1 .. T, time-major
 *   h_1 .. h_T = LSTM or GRU over x from h_0 (and c_0)    (T, B, H)
 *   [d_t = m * h_t]                              dropout between the layers (training only)
 *   z_t = d_t W_y + b_y                          (B, V)   logits
 *
 * The loss is the mean cross-entropy of the next character over the T B positions, plus the
 * optional penalties AR, ar * mean(h_t^2), and TAR, tar * mean((h_t - h_{t-1})^2) over the
 * T - 1 steps of the window (Merity, McCann and Socher 2017); the training loss reported is the
 * cross-entropy alone. Dropout never touches the recurrent path h_{t-1} -> h_t.
 *
 * Memory. Every parameter sits in one block `params` (so that clipping and Adam see one vector)
 * and its gradient at the same offset of `grads`, in this order: Wx (V, G H), Wh (H, G H),
 * b (G H), bh (G H, GRU only), Wy (H, V), by (V), with G = 4 gate blocks (LSTM) or 3 (GRU); the
 * pointers Wx, dWx, ... are views into them. charlm_new() allocates the parameters, the layer's
 * cache and every buffer of a window of (T, B) once: a training step allocates nothing.
 *
 * State. With `carry` set (after charlm_new) a window starts from the state the previous one
 * ended in (truncated backpropagation through time: the state moves on, its gradient stops at
 * the window's start), and charlm_reset_state() sets it to zeros; with `carry` 0 every window
 * starts from zeros and the state is left alone.
 *
 * Modes and options. `training` (0 after charlm_new) turns dropout on; `dropout`, `ar`, `tar`
 * (0 after charlm_new: off) are read at every forward and backward pass; `rng` (dropout masks)
 * is borrowed. `hooks` lets a caller substitute its own scoring of a window in bits per
 * character and its own sampling step, with the same contracts: chapter 8 plugs in the versions
 * its exercises write, so that the model it trains runs them.
 *
 * Errors: charlm_new() returns -1 after an nn_error() paragraph for bad sizes; charlm_forward()
 * returns NULL after one for an input id outside [0, V); the functions built on it return NAN or
 * -1. Nothing here exits.
 *
 * Threads: a charlm_t (its parameters, state and buffers) belongs to one thread; no global state;
 * the matrix products run on OpenBLAS's threads.
 * Prefixes: charlm_, CHARLM_
 */
#ifndef NN_CHARLM_H
#define NN_CHARLM_H

#include "gru.h"
#include "lstm.h"
#include "optim.h"
#include "rng.h"
#include "text.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CHARLM_LSTM, CHARLM_GRU } charlm_cell_t;

/* Mean bits per character of logits (N, V) against targets (N) (the default: the library's
 * softmax cross-entropy over ln 2). */
typedef double (*charlm_bits_fn_t)(const float *logits, const int *targets, int N, int V);
/* The next character's id drawn from logits z (V) at temperature tau > 0, with p (V) as scratch
 * (the default: sample_logits of sample.h). */
typedef int (*charlm_sample_fn_t)(float *p, const float *z, int V, float tau, rng_t *rng);

typedef struct {
    charlm_bits_fn_t bits;     /* NULL: the library's */
    charlm_sample_fn_t sample; /* NULL: the library's */
} charlm_hooks_t;

typedef struct {
    charlm_cell_t cell;
    int V, H, T, B, G;       /* vocabulary, hidden units, window (T, B); G = 4 (LSTM) or 3 (GRU) gate blocks */
    size_t n_params;
    float *params, *grads;   /* (n_params) each, owned; layout in "Memory" */
    float *Wx, *Wh, *b, *bh, *Wy, *by;       /* views into params (bh: GRU only, else NULL) */
    float *dWx, *dWh, *db, *dbh, *dWy, *dby; /* the same views into grads */
    lstm_cache_t lc;         /* the layer's cache: the LSTM's ... */
    gru_cache_t gc;          /* ... or the GRU's (the other one is empty) */
    float *x;                /* (T*B, V) one-hot inputs of the last window */
    float *logits;           /* (T*B, V) */
    float *dlogits;          /* (T*B, V) dL/dlogits: charlm_loss fills it, charlm_backward reads it */
    float *dhs;              /* (T*B, H) the gradient into the layer's outputs */
    float *hd, *mask;        /* (T*B, H) the dropped outputs and their mask */
    float *h, *c;            /* (B, H) the state carried between windows (c: LSTM only) */
    int carry;               /* 1 (after charlm_new): carry the state; 0: every window from zeros */
    int training;            /* 1: dropout on */
    float dropout, ar, tar;  /* options (0: off), see above */
    rng_t *rng;              /* dropout masks; borrowed */
    charlm_hooks_t hooks;    /* NULL members: the library's */
    int dropped;             /* whether the last forward pass applied dropout (backward follows it) */
    int ready;               /* 1 after a forward pass: charlm_backward may follow */
} charlm_t;

/* "lstm" or "gru". */
const char *charlm_cell_name(charlm_cell_t cell);

/* Parameters of a model of this cell, vocabulary V and H hidden units. */
size_t charlm_size(charlm_cell_t cell, int V, int H);

/* A model over windows of T steps of B sequences: V, H, T, B >= 1. Parameters are zero (call
 * charlm_init), state zeros, carry 1, training 0, options off, hooks NULL. Returns 0, or -1
 * after reporting (nothing allocated; charlm_free is still safe). */
int charlm_new(charlm_t *m, charlm_cell_t cell, int V, int H, int T, int B);
void charlm_free(charlm_t *m);

/* PyTorch's initialization of recurrent layers, U(-1/sqrt(H), 1/sqrt(H)) for Wx then Wh, biases 0
 * but the LSTM's forget-gate bias 1, then Xavier-uniform Wy and by 0: draws from rng in that
 * order. */
void charlm_init(charlm_t *m, rng_t *rng);

/* The carried state h (and c) to zeros. */
void charlm_reset_state(charlm_t *m);

/* Forward over one window, inputs (T, B) time-major ids in [0, V): returns the logits (T*B, V),
 * kept in m until the next pass, or NULL after reporting a bad id. With carry, the state moves
 * on to the window's last step. */
const float *charlm_forward(charlm_t *m, const int *inputs);

/* The layer's outputs h_1 .. h_T (T*B, H) of the last forward pass (before dropout). */
const float *charlm_output(const charlm_t *m);

/* The AR and TAR penalties of the last forward pass's outputs (0 when both are off); when dh
 * (T*B, H) is not NULL, their gradients are ADDED to it. */
double charlm_penalty(const charlm_t *m, float *dh);

/* Forward, then the mean cross-entropy against targets (T, B) in nats (without the penalties),
 * with m->dlogits set to its gradient. Returns NAN after reporting a bad id. */
float charlm_loss(charlm_t *m, const int *inputs, const int *targets);

/* Backward from m->dlogits after a forward pass: every gradient (the penalties' included) into
 * m->grads, OVERWRITTEN. Backpropagation stops at the window's first state. Returns 0, or -1
 * after reporting that no forward pass came first. */
int charlm_backward(charlm_t *m);

/* One training step on a window, in training mode: charlm_loss, charlm_backward, the global
 * gradient norm clipped to clip (clip.h), one step of opt (over m->params). Returns the
 * cross-entropy in nats, or NAN after reporting; the norm before clipping into *grad_norm when
 * it is not NULL. The caller sets opt->lr for a schedule. */
float charlm_train_step(charlm_t *m, adam_t *opt, double *grad_norm, const int *inputs, const int *targets,
                        float clip);

/* Forward over a window in evaluation mode (no dropout), then its mean bits per character against
 * targets (T, B) (hooks.bits). Returns NAN after reporting a bad id. m->dlogits is overwritten. */
double charlm_bits(charlm_t *m, const int *inputs, const int *targets);

/* len characters after the prompt, drawn at temperature tau > 0 (hooks.sample), into out (len + 1
 * bytes, 0-terminated), from a batch-1 copy of the model (m itself is not changed). vocab is the
 * byte-level vocabulary the model was trained with (V symbols); prompt characters it lacks are
 * skipped. Returns 0, or -1 after reporting a vocabulary of another size or level. */
int charlm_generate(const charlm_t *m, char *out, const text_vocab_t *vocab, const char *prompt, int len, float tau,
                    rng_t *rng);

/* The architecture's name for checkpoints, "charlm <cell> V=<V> H=<H> vocab=<hash of the symbols>",
 * into buf (size bytes): a checkpoint of another cell, size or vocabulary is refused when loaded
 * (checkpoint.h). Returns buf. */
const char *charlm_tag(const charlm_t *m, char *buf, size_t size, const text_vocab_t *vocab);

#ifdef __cplusplus
}
#endif

#endif
