/* optim.h — parameter updates from gradients: SGD and Adam (chapter 5 adds the rest).
 *
 *   SGD:   p <- p - lr g
 *   Adam:  t <- t + 1
 *          m <- beta1 m + (1 - beta1) g                 running mean of the gradient
 *          v <- beta2 v + (1 - beta2) g^2               running mean of its square
 *          p <- p - lr * m_hat / (sqrt(v_hat) + eps),   m_hat = m / (1 - beta1^t),
 *                                                       v_hat = v / (1 - beta2^t)
 *   (Kingma & Ba 2015; defaults beta1 0.9, beta2 0.999, eps 1e-8, as in PyTorch.)
 *
 * Several parameter tensors: an adam_t holds the state of n floats and adam_step() updates n
 * floats of p. The simplest use, and the fastest, keeps all of a model's parameters in one
 * contiguous block (and all gradients in another, same layout), so one adam_t and one call per
 * step cover the whole model; chapter 3's MLP does this. Otherwise create one adam_t per tensor.
 *
 * The step counter t is incremented INSIDE adam_step(), before the update: call it exactly once
 * per training step for each adam_t. Ownership: adam_new() allocates m and v (zeroed);
 * adam_free() releases them.
 *
 * Threads: an optimizer's state (adam_t, optim_t, lookahead_t) belongs to one thread; no global
 * state. The Adam family's update of a large tensor runs on all the cores (parallel.h), with the
 * same result as on one: NN_THREADS=1 keeps it on the caller.
 * Prefixes: optim_, OPTIM_, sgd_, adam_, lookahead_, ema_
 */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* p[i] -= lr * g[i].  p, g: (n) */
void sgd_step(float *p, const float *g, size_t n, float lr);

typedef struct {
    float lr, beta1, beta2, eps;
    long t;       /* steps taken so far */
    float *m, *v; /* (n) first and second moment estimates, owned */
    size_t n;
} adam_t;

/* State for n parameters with learning rate lr and the default betas/eps; m = v = 0, t = 0. */
adam_t adam_new(size_t n, float lr);

/* One Adam step on p (n) with gradient g (n): increments a->t, then updates m, v and p. */
void adam_step(adam_t *a, float *p, const float *g);

void adam_free(adam_t *a);

/* --- chapter 5: every optimizer behind one interface ------------------------------------------
 *
 * An optim_t holds one optimizer's kind, hyperparameters and state for n parameters; optim_step()
 * updates a flat array p (n) from its gradient g (n). The rules (chapter 5 derives each; the
 * PyTorch conventions, which the tests check against torch 1.13's optimizers), with g already
 * including the L2 term wd p where the rule says "L2":
 *
 *   SGD        p -= lr g                                                   (L2)
 *   MOMENTUM   b = mu b + g;             p -= lr b         (heavy ball)    (L2)
 *   NESTEROV   b = mu b + g;             p -= lr (g + mu b)                (L2)
 *   ADAGRAD    s += g^2;                 p -= lr g / (sqrt(s) + eps)       (L2; eps 1e-10)
 *   RMSPROP    s = a s + (1 - a) g^2;    p -= lr g / (sqrt(s) + eps)       (L2; a = 0.99)
 *   ADAM       m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t += 1
 *              p -= lr m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
 *                                                                          (L2)
 *   ADAMW      p -= lr wd p  (decoupled decay, before the Adam step on g without L2)
 *   RADAM      Adam's m, v; rho_inf = 2 / (1 - b2) - 1, rho_t = rho_inf - 2 t b2^t / (1 - b2^t);
 *              rho_t > 5:  p -= lr r_t m_hat / (sqrt(v) / sqrt(1 - b2^t) + eps),
 *                          r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 *              else:       p -= lr m_hat               (SGD with momentum while v is unreliable)
 *   LARS       per tensor: trust = eta ||p|| / (||g|| + wd ||p||)  (1 if either norm is 0);
 *              b = mu b + lr trust (g + wd p);  p -= b                    (You et al. 2017)
 *   LAMB       per tensor: Adam's m_hat, v_hat;  r = m_hat / (sqrt(v_hat) + eps) + wd p;
 *              trust = ||p|| / ||r||  (1 if either is 0);  p -= lr trust r  (You et al. 2020)
 *
 * LARS and LAMB scale each parameter tensor (a layer's W, its b) by its own trust ratio:
 * optim_step() treats all n floats as ONE tensor; optim_step_tensors() takes the sizes of the
 * consecutive tensors that make up p. For the other kinds both functions compute the same thing.
 * The step counter t is incremented inside, once per call. Lookahead (lookahead_t below) wraps
 * any of them; Newton's method (optim_newton_step) needs the Hessian and stands apart.
 *
 * Ownership: optim_new() allocates the state (zeroed); optim_free() releases it. Errors: an
 * unknown kind, or tensor sizes that do not add up to n, stop with nn_fatal (what, expected, got). */
typedef enum {
    OPTIM_SGD, OPTIM_MOMENTUM, OPTIM_NESTEROV, OPTIM_ADAGRAD, OPTIM_RMSPROP, OPTIM_ADAM, OPTIM_ADAMW, OPTIM_RADAM,
    OPTIM_LARS, OPTIM_LAMB, OPTIM_KIND_COUNT
} optim_kind_t;

typedef struct {
    optim_kind_t kind;
    float lr;           /* learning rate */
    float momentum;     /* mu (MOMENTUM, NESTEROV, LARS); default 0.9 */
    float alpha;        /* RMSprop's decay a; default 0.99 */
    float beta1, beta2; /* Adam family; defaults 0.9, 0.999 */
    float eps;          /* default 1e-8 (Adagrad 1e-10, as in PyTorch) */
    float weight_decay; /* L2 for SGD..ADAM and RADAM, decoupled for ADAMW, LARS, LAMB; default 0
                         * (ADAMW: 0.01, as in PyTorch) */
    float trust_coef;   /* LARS's eta; default 0.001 */
    long t;             /* steps taken */
    size_t n;
    float *m, *v;       /* (n) state: momentum buffer / first moment, accumulator / second moment */
    const unsigned char *no_decay; /* NULL (the default: every parameter decays), or one flag per tensor
                         * of optim_step_tensors, nonzero for a tensor that takes no weight decay at
                         * all (biases, normalization gains and shifts: PyTorch's usual second parameter
                         * group with weight_decay 0). Not owned; optim_step ignores it. */
} optim_t;

/* Names as used on command lines and in figures: "sgd", "momentum", "nesterov", "adagrad",
 * "rmsprop", "adam", "adamw", "radam", "lars", "lamb". */
const char *optim_name(optim_kind_t kind);

/* The kind named `name`, or -1 (reported, with the list of names) if there is none. */
int optim_parse(const char *name);

/* State for n parameters, learning rate lr, every other hyperparameter at its default (above). */
optim_t optim_new(optim_kind_t kind, size_t n, float lr);

/* One step on p (n) with gradient g (n), all n floats one tensor. */
void optim_step(optim_t *o, float *p, const float *g);

/* One step on p (n) made of k consecutive tensors of sizes[0..k) floats (they must add up to
 * o->n): LARS and LAMB compute one trust ratio per tensor, and o->no_decay (when set, k flags)
 * exempts tensors from the weight decay: AdamW on the weights only, as chapter 6 trains. */
void optim_step_tensors(optim_t *o, float *p, const float *g, const size_t *sizes, int k);

void optim_free(optim_t *o);

/* Lookahead (Zhang et al. 2019): keeps slow weights s beside the fast weights p that an inner
 * optimizer updates; after every k inner steps, s += alpha (p - s) and p = s. Usage: after each
 * inner step call lookahead_step(&la, p). lookahead_new copies p (n) into s. Defaults in the
 * paper: k = 5, alpha = 0.5. */
typedef struct {
    int k;
    float alpha;
    long count; /* inner steps since the start */
    size_t n;
    float *slow; /* (n) owned */
} lookahead_t;

lookahead_t lookahead_new(const float *p, size_t n, int k, float alpha);
void lookahead_step(lookahead_t *la, float *p);
void lookahead_free(lookahead_t *la);

/* Newton's method: p -= H^{-1} g, solving H d = g by Gaussian elimination with partial
 * pivoting (in double).  p, g: (n), H: (n, n) row-major, symmetric in practice.  Returns 0, or
 * -1 (reported) if H is singular to working precision (a pivot below 1e-12 times the largest
 * entry), leaving p unchanged. */
int optim_newton_step(float *p, const float *g, const float *H, int n);

/* Exponential moving average of weights (Polyak averaging with forgetting):
 * shadow = decay shadow + (1 - decay) p.  shadow, p: (n). Evaluate with shadow, train p. */
void ema_update(float *shadow, const float *p, size_t n, float decay);

#ifdef __cplusplus
}
#endif

#endif
