/* gradcheck.h — checking a backward pass against centered differences.
 *
 * A backward pass is easy to get subtly wrong and hard to test by reading. The numerical check:
 * for a scalar loss L(theta), perturb one element theta_i by +-h and compare the analytic
 * derivative a_i (what backward computed) with the centered difference
 *
 *   n_i = (L(theta + h e_i) - L(theta - h e_i)) / (2 h),     error O(h^2) for smooth L,
 *
 * by the relative error
 *
 *   rel_i = |a_i - n_i| / max(|a_i| + |n_i|, GRADCHECK_FLOOR),     GRADCHECK_FLOOR = 1e-3.
 *
 * The floor keeps derivatives that are (nearly) zero from dividing noise by noise: float32
 * losses carry rounding noise of order 1e-7 |L| / h in n_i, so below |a| + |n| ~ 1e-3 the check
 * compares absolute errors instead. Rules of thumb for float32 code with h = 1e-3 (or 1e-2):
 * rel < 1e-4 excellent, < 1e-2 fine, > 0.1 a bug. Each test states its own bound.
 *
 * Checking a layer, not a loss: to check the backward of y = f(x) without a loss function, draw
 * a random "upstream gradient" R of y's shape (gradcheck_random_upstream) and use the scalar
 * L = sum_i y_i R_i; then dL/dy = R exactly, so running backward with dy = R must give dL/dx.
 * A random R (rather than all ones) makes every output's contribution count, so an error in
 * any one of them, or outputs swapped, cannot cancel out.
 *
 * Kinks. At a point where L is not differentiable (relu at exactly 0, a max with a tie) the
 * centered difference averages the two one-sided slopes and matches no analytic choice; in a
 * relu network a pre-activation within h of 0 has the same effect. So when an element fails
 * (rel > 1e-2), gradcheck_run() halves the step up to four times: a kink near x but not at x drops
 * out of reach and the check becomes valid (that smaller step's error is then the one reported).
 * If it still fails at k = h/16, x is taken to sit on a kink (or among several, as happens
 * downstream of a relu layer) when, at that step, the one-sided slopes (L(x+k) - L(x))/k and
 * (L(x) - L(x-k))/k disagree (rel > 0.05), or the analytic value equals one of them (rel <= 1e-2:
 * it picked a side), or the centered difference moved by more than rel 0.05 between h and h/16
 * (a smooth L moves it by about h^2 |L'''| / 6, far less). Such an element is counted in `kinks`,
 * left out of max_rel_error, and its error at h is kept in kink_rel_error. Anything else is an
 * error: a wrong gradient of a smooth function fails at every step and none of the above holds.
 *
 * Threads: no state of its own; it calls your loss function from the calling thread only.
 * Prefixes: gradcheck_, GRADCHECK_
 */
#ifndef NN_GRADCHECK_H
#define NN_GRADCHECK_H

#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRADCHECK_FLOOR 1e-3

/* The scalar function being checked: it reads the parameter (through ctx) and returns L.
 * Compute it as precisely as you can (accumulate in double): its rounding is the check's noise. */
typedef double (*gradcheck_loss_fn_t)(void *ctx);

typedef struct {
    double max_rel_error;  /* worst rel_i over the elements that are not kinks (0 if none); NaN when a
                            * gradient or the loss is NaN or Inf: it fails every "<= tol" check */
    size_t worst;          /* its index */
    double analytic;       /* a_i and n_i at that index */
    double numeric;
    size_t kinks;          /* elements with a non-differentiable point within h (see above) */
    size_t first_kink;     /* index of the first one (valid when kinks > 0) */
    double kink_rel_error; /* worst rel_i among the kinks: how wrong the check would have been */
} gradcheck_result_t;

/* Compare analytic_grad (n) with centered differences of loss() w.r.t. param[0..n) (n floats
 * that loss reads through ctx), step h. param is perturbed and restored exactly. */
gradcheck_result_t gradcheck_run(gradcheck_loss_fn_t loss, void *ctx, float *param, const float *analytic_grad,
                           size_t n, float h);

/* The contract's short form: gradcheck_run(...).max_rel_error; if kinks were found it also says so on
 * stderr (which elements), so a surprising pass or failure is never silent. */
double gradcheck_max_rel_error(gradcheck_loss_fn_t loss, void *ctx, float *param, const float *analytic_grad,
                               size_t n, float h);

/* Fill r (n) with standard normal values: the random upstream gradient R above. */
void gradcheck_random_upstream(float *r, size_t n, rng_t *rng);

/* sum_i y_i r_i in double: the scalar L of the upstream trick.  y, r: (n) */
double gradcheck_dot(const float *y, const float *r, size_t n);

#ifdef __cplusplus
}
#endif

#endif
