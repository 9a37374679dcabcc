/* Tests of mlp.h: the whole network's backward pass against centered differences (plain, with
 * batch norm, with batch norm and dropout under a replayed mask), the loss helper, evaluation
 * mode, the parameter layout and tag, and bad sizes reported by an error return, not an exit. */
#include "capture.h"
#include "gradcheck.h"
#include "loss.h"
#include "mlp.h"
#include "prep.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

enum { B = 8, K = 5 };
static const int SIZES[4] = {12, 16, 8, K};

typedef struct {
    mlp_t m;
    float x[B * 12], r[B * K];
    unsigned mask_seed; /* dropout: every forward pass draws the same masks */
    rng_t rng;
} net_ctx;

static const float *forward(net_ctx *c)
{
    rng_seed(&c->rng, c->mask_seed);
    return mlp_forward(&c->m, c->x, B);
}

/* L = sum(logits * R): dL/dlogits = R (gradcheck.h's upstream trick). */
static double upstream_loss(void *p)
{
    net_ctx *c = p;
    return gradcheck_dot(forward(c), c->r, B * K);
}

static void make(net_ctx *c, int bn, float dropout, unsigned seed)
{
    memset(c, 0, sizeof *c);
    cr_assert(mlp_new(&c->m, SIZES, 3, bn, dropout, B) == 0, "mlp_new refused valid sizes");
    rng_t rng;
    rng_seed(&rng, seed);
    mlp_init(&c->m, &rng);
    for (size_t i = 0; i < c->m.n_train; i++) /* nonzero biases, gamma away from 1, beta from 0 */
        c->m.params[i] += 0.2f * rng_normal(&rng);
    for (int i = 0; i < B * 12; i++)
        c->x[i] = rng_normal(&rng);
    gradcheck_random_upstream(c->r, B * K, &rng);
    c->mask_seed = seed + 1;
    c->m.rng = &c->rng;
    c->m.training = 1;
}

static void check_gradient(int bn, float dropout, const char *what)
{
    net_ctx c;
    make(&c, bn, dropout, 11 + bn);
    cr_assert(forward(&c) != NULL);
    cr_assert(mlp_backward(&c.m, c.x, c.r, B) == 0, "%s: mlp_backward refused a matching batch", what);
    float *analytic = malloc(c.m.n_train * sizeof(float));
    memcpy(analytic, c.m.grads, c.m.n_train * sizeof(float));
    /* float32 forward passes, h = 1e-2, relu kinks excluded by gradcheck: bound 1e-2, as chapters 3 and 6 */
    double e = gradcheck_max_rel_error(upstream_loss, &c, c.m.params, analytic, c.m.n_train, 1e-2f);
    cr_assert(e < 1e-2, "%s: largest relative error of the parameter gradients %.3g (bound 1e-2)", what, e);
    free(analytic);
    mlp_free(&c.m);
}

Test(mlp, gradient_of_the_whole_network) { check_gradient(0, 0, "relu MLP 12-16-8-5"); }
Test(mlp, gradient_with_batch_norm) { check_gradient(1, 0, "with batch norm"); }
Test(mlp, gradient_with_batch_norm_and_dropout) { check_gradient(1, 0.3f, "with batch norm and dropout 0.3"); }

Test(mlp, loss_grad_is_forward_cross_entropy_backward)
{
    net_ctx c;
    make(&c, 1, 0.25f, 5);
    int y[B];
    for (int i = 0; i < B; i++)
        y[i] = i % K;
    rng_seed(&c.rng, 9);
    float loss = mlp_loss_grad(&c.m, c.x, y, B);
    float *g = malloc(c.m.n_params * sizeof(float)), dz[B * K];
    memcpy(g, c.m.grads, c.m.n_params * sizeof(float));
    rng_seed(&c.rng, 9); /* the same masks again */
    const float *z = mlp_forward(&c.m, c.x, B);
    float ce = softmax_cross_entropy(dz, z, y, B, K);
    mlp_backward(&c.m, c.x, dz, B);
    cr_assert(loss == ce, "mlp_loss_grad returned %g, the cross-entropy of the same logits is %g", loss, ce);
    cr_assert(memcmp(g, c.m.grads, c.m.n_params * sizeof(float)) == 0,
              "mlp_loss_grad's gradients differ from mlp_backward's on the cross-entropy's dlogits");
    free(g);
    mlp_free(&c.m);
}

Test(mlp, evaluation_mode_ignores_the_batch)
{
    net_ctx c;
    make(&c, 1, 0.5f, 7);
    for (int step = 0; step < 3; step++) /* move the running statistics away from 0 and 1 */
        forward(&c);
    c.m.training = 0;
    float z1[K], z8[B * K];
    memcpy(z8, mlp_forward(&c.m, c.x, B), sizeof z8);
    memcpy(z1, mlp_forward(&c.m, c.x + 12, 1), sizeof z1);
    for (int k = 0; k < K; k++) /* equal up to the rounding of different BLAS kernels */
        cr_assert(fabsf(z1[k] - z8[K + k]) < 1e-5f, "evaluation mode: logit %d of row 1 is %g alone, %g in a batch", k,
                  z1[k], z8[K + k]);
    int y[B] = {0};
    float probs[B * K];
    metrics_eval_t e = mlp_evaluate(&c.m, probs, c.x, y, B);
    cr_assert(c.m.training == 0 && e.loss > 0 && e.accuracy >= 0 && e.accuracy <= 1);
    double s = 0;
    for (int k = 0; k < K; k++)
        s += probs[K + k];
    cr_assert(fabs(s - 1) < 1e-5, "mlp_evaluate's probabilities of row 1 sum to %g", s);
    mlp_free(&c.m);
}

Test(mlp, layout_and_tag)
{
    mlp_t m;
    cr_assert(mlp_new(&m, (int[]){784, 256, 128, 10}, 3, 0, 0, 4) == 0);
    /* chapter 3: 784*256 + 256 + 256*128 + 128 + 128*10 + 10 */
    cr_assert(m.n_params == 235146 && m.n_train == 235146 && m.n_tensors == 6, "n_params %zu", m.n_params);
    cr_assert(m.W[1] == m.params + 784 * 256 + 256 && m.db[2] == m.grads + 235146 - 10);
    char tag[64];
    cr_assert_str_eq(mlp_tag(&m, tag, sizeof tag), "mlp 784-256-128-10");
    mlp_free(&m);
    cr_assert(mlp_new(&m, (int[]){6, 4, 3}, 2, 1, 0, 4) == 0);
    /* W 24, b 4, gamma 4, beta 4, W 12, b 3; then running mean 4, var 4 */
    cr_assert(m.n_train == 51 && m.n_params == 59 && m.n_tensors == 6 && m.no_decay[0] == 0 && m.no_decay[2] == 1,
              "n_train %zu, n_params %zu", m.n_train, m.n_params);
    cr_assert(m.run_var[0] == m.params + 55 && m.gamma[0] == m.params + 28);
    cr_assert_str_eq(mlp_tag(&m, tag, sizeof tag), "mlp 6-4-3 bn");
    mlp_free(&m);
}

/* Each runs in a child (capture_stderr): returning with the error value is status 0, and an
 * exit or a crash would show as another status. */
static void bad_sizes(void *arg)
{
    (void)arg;
    mlp_t m;
    if (mlp_new(&m, (int[]){4, 0, 2}, 2, 0, 0, 8) != -1 || mlp_new(&m, (int[]){4, 2}, 0, 0, 0, 8) != -1 ||
        mlp_new(&m, (int[]){4, 2}, 1, 0, 1.0f, 8) != -1 || mlp_new(&m, (int[]){4, 2}, 1, 0, 0, 0) != -1)
        abort();
}

static void bad_batches(void *arg)
{
    (void)arg;
    mlp_t m;
    float x[3 * 4] = {0}, dz[3 * 2] = {0};
    if (mlp_new(&m, (int[]){4, 3, 2}, 2, 1, 0, 2) != 0)
        abort();
    if (mlp_forward(&m, x, 3) != NULL || mlp_backward(&m, x, dz, 2) != -1) /* too many rows; no forward yet */
        abort();
    if (mlp_forward(&m, x, 2) == NULL || mlp_backward(&m, x, dz, 2) != -1) /* backward after evaluation mode */
        abort();
    m.training = 1;
    if (mlp_forward(&m, x, 1) != NULL || !isnan(mlp_loss_grad(&m, x, (int[]){0, 1, 0}, 3)))
        abort();
    mlp_free(&m);
}

Test(mlp, bad_sizes_and_batches_return_an_error)
{
    char err[4096];
    int st = capture_stderr(bad_sizes, NULL, err, sizeof err);
    cr_assert(st == 0 && strstr(err, "sizes[1] = 0") && strstr(err, "0 layers") && strstr(err, "dropout = 1") &&
                  strstr(err, "max_batch = 0") && strstr(err, "hint"),
              "bad sizes: expected four reports and -1 each (status 0), got status %d:\n%s", st, err);
    st = capture_stderr(bad_batches, NULL, err, sizeof err);
    cr_assert(st == 0 && strstr(err, "batch of 3 rows") && strstr(err, "evaluation mode") &&
                  strstr(err, "batch of 1 row") && strstr(err, "hint"),
              "bad batches: expected reports and error returns (status 0), got status %d:\n%s", st, err);
}

/* A NaN in one input row must make the loss NaN. With a relu that turned NaN into 0 the loss came
 * out finite while the first layer's weight gradient (x^T dz) was NaN: one optimizer step ruined
 * the model and nothing said why (the engineer's report, a 2-8-2 network). */
Test(mlp, a_nan_input_reaches_the_loss)
{
    static const int S[3] = {2, 8, 2};
    mlp_t m;
    rng_t rng;
    rng_seed(&rng, 1);
    cr_assert_eq(mlp_new(&m, S, 2, 0, 0, 4), 0);
    mlp_init(&m, &rng);
    const float x[8] = {0, 1, 1, NAN, 0.5f, 0.5f, -1, 2};
    float loss = mlp_loss_grad(&m, x, (const int[]){0, 1, 0, 1}, 4);
    cr_assert(!isfinite(loss), "a NaN input gave the finite loss %g (its gradients: %zu non-finite of %zu)", loss,
              prep_count_nonfinite(m.grads, m.n_params), m.n_params);
    mlp_free(&m);
}

static void evaluate_nothing(void *arg)
{
    (void)arg;
    mlp_t m;
    if (mlp_new(&m, SIZES, 3, 0, 0, B) != 0)
        abort();
    const float x[12] = {0};
    metrics_eval_t e = mlp_evaluate(&m, NULL, x, (const int[]){0}, 0);
    mlp_free(&m);
    exit(isnan(e.loss) && isnan(e.accuracy) ? 42 : 0);
}

/* A mean over no examples used to come back as loss 0 and accuracy 0, a perfect-looking loss. */
Test(mlp, evaluate_of_no_examples_is_reported)
{
    char err[4096];
    int st = capture_stderr(evaluate_nothing, NULL, err, sizeof err);
    cr_assert(st == 42 && strstr(err, "mlp_evaluate: 0 examples") && strstr(err, "hint"),
              "mlp_evaluate with n = 0: expected NaN and NaN after a report (status 42), got status %d:\n%s", st, err);
}
