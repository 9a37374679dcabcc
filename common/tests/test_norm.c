/* Tests of norm.h: batch, layer, instance and group norm against their definitions (mean 0,
 * variance 1 per group, a hand-computed case), their backward passes against centered
 * differences (random upstream gradient), train vs eval mode and the running statistics. */
#include "capture.h"
#include "gradcheck.h"
#include "norm.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

enum { B = 4, C = 6, S = 3, N = B * C * S };

typedef struct {
    int kind; /* 0 batch, 1 layer (rows of C*S), 2 instance, 3 group (G = 2) */
    float x[N], gamma[C * S], beta[C * S], y[N], r[N], mean[B * C * S], rstd[B * C * S];
} norm_ctx;

static void run(norm_ctx *c)
{
    switch (c->kind) {
    case 0: batchnorm_forward_train(c->y, c->mean, c->rstd, NULL, NULL, c->x, c->gamma, c->beta, B, C, S, 0.1f, NORM_EPS); break;
    case 1: layernorm_forward(c->y, c->mean, c->rstd, c->x, c->gamma, c->beta, B, C * S, NORM_EPS); break;
    case 2: instancenorm_forward(c->y, c->mean, c->rstd, c->x, c->gamma, c->beta, B, C, S, NORM_EPS); break;
    default: groupnorm_forward(c->y, c->mean, c->rstd, c->x, c->gamma, c->beta, B, C, S, 2, NORM_EPS); break;
    }
}

static void back(norm_ctx *c, float *dx, float *dg, float *db)
{
    switch (c->kind) {
    case 0: batchnorm_backward(dx, dg, db, c->r, c->x, c->mean, c->rstd, c->gamma, B, C, S); break;
    case 1: layernorm_backward(dx, dg, db, c->r, c->x, c->mean, c->rstd, c->gamma, B, C * S); break;
    case 2: instancenorm_backward(dx, dg, db, c->r, c->x, c->mean, c->rstd, c->gamma, B, C, S); break;
    default: groupnorm_backward(dx, dg, db, c->r, c->x, c->mean, c->rstd, c->gamma, B, C, S, 2); break;
    }
}

static double norm_loss(void *p)
{
    norm_ctx *c = p;
    run(c);
    return gradcheck_dot(c->y, c->r, N);
}

static void fill(norm_ctx *c, int kind, unsigned seed)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    rng_t rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < N; i++)
        c->x[i] = 3 * rng_normal(&rng) + 1;
    for (int i = 0; i < C * S; i++)
        c->gamma[i] = 1 + 0.5f * rng_normal(&rng), c->beta[i] = rng_normal(&rng);
    gradcheck_random_upstream(c->r, N, &rng);
}

static const char *const KIND[4] = {"batch norm", "layer norm", "instance norm", "group norm"};

Test(norm, backward_matches_centered_differences)
{
    for (int kind = 0; kind < 4; kind++) {
        norm_ctx c;
        fill(&c, kind, 10 + kind);
        int P = kind == 1 ? C * S : C; /* layer norm's gamma is per feature of the row */
        float dx[N], dg[C * S], db[C * S];
        run(&c);
        back(&c, dx, dg, db);
        /* smooth functions, float32, h = 1e-2 on inputs of scale 3: rel error well under 1e-2 */
        double ex = gradcheck_max_rel_error(norm_loss, &c, c.x, dx, N, 1e-2f);
        double eg = gradcheck_max_rel_error(norm_loss, &c, c.gamma, dg, (size_t)P, 1e-2f);
        double eb = gradcheck_max_rel_error(norm_loss, &c, c.beta, db, (size_t)P, 1e-2f);
        cr_assert(ex < 1e-2 && eg < 1e-2 && eb < 1e-2, "%s backward: relative errors dx %.2g, dgamma %.2g, dbeta %.2g, "
                  "expected < 1e-2", KIND[kind], ex, eg, eb);
    }
}

Test(norm, every_group_has_mean_0_and_variance_1)
{
    for (int kind = 0; kind < 4; kind++) {
        norm_ctx c;
        fill(&c, kind, 20 + kind);
        for (int i = 0; i < C * S; i++)
            c.gamma[i] = 1, c.beta[i] = 0;
        run(&c);
        /* groups as index lists: batch norm channel ch = {(b, ch, s)}, layer norm row b, instance
         * (b, ch), group norm (b, g) with channels g*3 .. g*3+2 */
        int groups = kind == 0 ? C : kind == 1 ? B : kind == 2 ? B * C : B * 2;
        for (int g = 0; g < groups; g++) {
            double s = 0, ss = 0;
            int n = 0;
            for (int i = 0; i < N; i++) {
                int b = i / (C * S), ch = i / S % C;
                int in = kind == 0 ? ch == g : kind == 1 ? b == g : kind == 2 ? b * C + ch == g : b * 2 + ch / 3 == g;
                if (in)
                    s += c.y[i], ss += (double)c.y[i] * c.y[i], n++;
            }
            double mean = s / n, var = ss / n - mean * mean;
            cr_assert(fabs(mean) < 1e-5 && fabs(var - 1) < 1e-3, "%s group %d: mean %g, variance %g, expected 0 and 1 "
                      "(up to eps)", KIND[kind], g, mean, var);
        }
    }
}

Test(norm, batchnorm_by_hand_and_running_statistics)
{
    /* one channel, values 1, 2, 3, 4 (B = 4, S = 1): mean 2.5, biased var 1.25, unbiased 5/3.
     * y = (x - 2.5) / sqrt(1.25 + eps) * 2 + 1. Running stats from (0, 1), momentum 0.1:
     * mean 0.25, var 0.9 + 0.1 * 5/3 = 1.0666667. */
    const float x[4] = {1, 2, 3, 4}, g = 2, be = 1;
    float y[4], mean, rstd, rm = 0, rv = 1;
    batchnorm_forward_train(y, &mean, &rstd, &rm, &rv, x, &g, &be, 4, 1, 1, 0.1f, 1e-5f);
    for (int i = 0; i < 4; i++) {
        float want = (x[i] - 2.5f) / sqrtf(1.25f + 1e-5f) * 2 + 1;
        cr_assert_float_eq(y[i], want, 1e-5f, "y[%d] = %g, expected %g", i, y[i], want);
    }
    cr_assert_float_eq(rm, 0.25f, 1e-6f, "running mean %g, expected 0.25", rm);
    cr_assert_float_eq(rv, 0.9f + 0.1f * 5.0f / 3.0f, 1e-6f, "running var %g, expected 1.0667 (unbiased variance)", rv);
    /* eval mode uses the running statistics, not the batch's */
    batchnorm_forward_eval(y, x, &g, &be, &rm, &rv, 4, 1, 1, 1e-5f);
    float want = (1 - 0.25f) / sqrtf(rv + 1e-5f) * 2 + 1;
    cr_assert_float_eq(y[0], want, 1e-5f, "eval mode y[0] = %g, expected %g", y[0], want);
}

Test(norm, running_statistics_converge_to_the_data_statistics)
{
    rng_t rng;
    rng_seed(&rng, 3);
    float rm[2] = {0, 0}, rv[2] = {1, 1}, x[64 * 2], y[64 * 2], mean[2], rstd[2];
    for (int step = 0; step < 200; step++) {
        for (int i = 0; i < 64; i++)
            x[2 * i] = 5 + 2 * rng_normal(&rng), x[2 * i + 1] = -1 + 0.5f * rng_normal(&rng);
        batchnorm_forward_train(y, mean, rstd, rm, rv, x, NULL, NULL, 64, 2, 1, 0.1f, 1e-5f);
    }
    /* the exponential average of batch statistics of N(5, 4) and N(-1, 0.25): within a few % */
    cr_assert(fabs(rm[0] - 5) < 0.3 && fabs(rv[0] - 4) < 0.8 && fabs(rm[1] + 1) < 0.1 && fabs(rv[1] - 0.25) < 0.06,
              "running stats (%g, %g) and (%g, %g), expected about (5, 4) and (-1, 0.25)", rm[0], rv[0], rm[1], rv[1]);
}

Test(norm, group_norm_special_cases)
{
    norm_ctx a, b;
    fill(&a, 3, 5);
    fill(&b, 3, 5);
    for (int i = 0; i < C; i++)
        b.gamma[i] = a.gamma[i], b.beta[i] = a.beta[i];
    /* G = C is instance norm */
    groupnorm_forward(a.y, a.mean, a.rstd, a.x, a.gamma, a.beta, B, C, S, C, NORM_EPS);
    instancenorm_forward(b.y, b.mean, b.rstd, b.x, b.gamma, b.beta, B, C, S, NORM_EPS);
    cr_assert(memcmp(a.y, b.y, sizeof a.y) == 0, "group norm with G = C must equal instance norm");
    /* G = 1 with gamma = 1, beta = 0 is layer norm over (C, S) */
    groupnorm_forward(a.y, a.mean, a.rstd, a.x, NULL, NULL, B, C, S, 1, NORM_EPS);
    layernorm_forward(b.y, b.mean, b.rstd, a.x, NULL, NULL, B, C * S, NORM_EPS);
    for (int i = 0; i < N; i++)
        cr_assert_float_eq(a.y[i], b.y[i], 1e-6f, "group norm with G = 1 must equal layer norm at %d", i);
}

static void bad_groups(void *arg)
{
    (void)arg;
    float x[12] = {0}, y[12], m[4], r[4];
    groupnorm_forward(y, m, r, x, NULL, NULL, 1, 6, 2, 4, NORM_EPS);
}

static void single_example_batchnorm(void *arg)
{
    (void)arg;
    float x[3] = {1, 2, 3}, y[3], m[3], r[3];
    batchnorm_forward_train(y, m, r, NULL, NULL, x, NULL, NULL, 1, 3, 1, 0.1f, NORM_EPS);
}

Test(norm, bad_sizes_are_reported)
{
    char err[1024];
    int st = capture_stderr(bad_groups, NULL, err, sizeof err);
    cr_assert(st == 1 && strstr(err, "C=6") && strstr(err, "G=4") && strstr(err, "hint"),
              "6 channels in 4 groups: expected exit 1 and a message naming C and G, got %d: %s", st, err);
    st = capture_stderr(single_example_batchnorm, NULL, err, sizeof err);
    cr_assert(st == 1 && strstr(err, "at least 2") && strstr(err, "hint"),
              "batch norm on one example: expected exit 1 and 'at least 2', got %d: %s", st, err);
}

/* Issue 9: batch-norm backward kept two C-float arrays on the stack (a VLA): a wide layer
 * overflowed the 8 MB stack. 2^21 channels would need 16 MB there. */
Test(norm, batchnorm_backward_handles_very_wide_layers)
{
    const int B = 2, C = 1 << 21, S = 1;
    float *x = calloc((size_t)B * C, sizeof(float)), *dy = calloc((size_t)B * C, sizeof(float)),
          *dx = calloc((size_t)B * C, sizeof(float)), *mean = calloc((size_t)C, sizeof(float)),
          *rstd = calloc((size_t)C, sizeof(float));
    for (int c = 0; c < C; c++)
        x[c] = 1, x[C + c] = -1, dy[c] = 1, mean[c] = 0, rstd[c] = 1;
    batchnorm_backward(dx, NULL, NULL, dy, x, mean, rstd, NULL, B, C, S);
    /* dy = (1, 0), xhat = (1, -1): dx = 1/2 (2 dy - 1 - xhat) = (0, 0) */
    cr_assert(dx[0] == 0 && dx[C] == 0 && dx[C - 1] == 0, "dx %g %g", dx[0], dx[C]);
    free(x), free(dy), free(dx), free(mean), free(rstd);
}

/* Issue 9: the batch statistics were summed in float: 1e8 followed by 1000 ones lost every one
 * (1e8 + 1 == 1e8 in float). Summed in double, as the rest of the library does. */
Test(norm, batch_statistics_are_accumulated_in_double)
{
    const int B = 1001;
    float *x = malloc(B * sizeof(float)), *y = malloc(B * sizeof(float)), mean, rstd;
    x[0] = 1e8f;
    for (int b = 1; b < B; b++)
        x[b] = 1;
    batchnorm_forward_train(y, &mean, &rstd, NULL, NULL, x, NULL, NULL, B, 1, 1, 0.1f, 1e-5f);
    double want = (1e8 + 1000) / 1001;
    cr_assert(fabs(mean - want) < 0.02, "mean %.6f, expected %.6f", mean, want);
    free(x), free(y);
}
