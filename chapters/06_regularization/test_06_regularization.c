/* test_06_regularization.c — the grader of chapter 6.
 *
 * One test suite per exercise, named exNN_K. The chapter file is #included below (`make check`
 * points CHAPTER_SOURCE at the reference chapter or at your workbook copy, with GRADING defined so
 * that its main() stays out). Expected values come from independent references: closed forms
 * worked out by hand in the comments, numerical gradients (centered differences, random upstream
 * gradient; the error bound is stated next to each check), the library's implementations of
 * the same formulas (common/loss.h, common/norm.h, common/metrics.h, written and tested
 * separately), and numerical integration. Error paths run in a child process
 * (common/tests/capture.h) so the message and the exit status can be checked. Each exercise's
 * tests use only that exercise's code (where they need another piece they use the library's).
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "06_regularization.c"
#endif
#include CHAPTER_SOURCE

#include "../../common/tests/capture.h"

#include <criterion/criterion.h>

TestSuite(ex06_1, .timeout = 10);
TestSuite(ex06_2, .timeout = 10);
TestSuite(ex06_3, .timeout = 10);
TestSuite(ex06_4, .timeout = 10);
TestSuite(ex06_5, .timeout = 10);
TestSuite(ex06_6, .timeout = 10);
TestSuite(ex06_7, .timeout = 10);
TestSuite(ex06_8, .timeout = 10);
TestSuite(ch06, .timeout = 30);

/* --- 06.1 inverted dropout -------------------------------------------------------------------- */

Test(ex06_1, mask_replays_one_uniform_per_element)
{
    float x[16], y[16], mask[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i - 4.5f;
    rng_t rng, ref;
    rng_seed(&rng, 11), rng_seed(&ref, 11);
    inverted_dropout_forward(y, mask, x, 16, 0.25f, &rng);
    for (int i = 0; i < 16; i++) {
        float want = rng_uniform(&ref) < 0.25f ? 0.0f : 1.0f / 0.75f;
        cr_assert_float_eq(mask[i], want, 1e-6f, "mask[%d]: expected %g, got %g. Hint: draw u = rng_uniform(rng) once "
                           "per element, in order; drop (mask 0) when u < p, else keep with mask 1/(1-p).", i, want, mask[i]);
        cr_assert_float_eq(y[i], want * x[i], 1e-5f, "y[%d]: expected mask * x = %g, got %g. Hint: y = mask * x, the "
                           "scaling is already in the mask.", i, want * x[i], y[i]);
    }
}

Test(ex06_1, expected_activation_is_unchanged)
{
    enum { n = 100000 };
    static float x[n], mask[n];
    for (int i = 0; i < n; i++)
        x[i] = 2.0f;
    rng_t rng;
    rng_seed(&rng, 5);
    inverted_dropout_forward(x, mask, x, n, 0.5f, &rng); /* in place: y aliases x */
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    /* each value is 0 or 4 with probability 1/2: mean 2, standard error 2/sqrt(n) = 0.0063; bound 5x */
    cr_assert(fabs(s / n - 2.0) < 0.032, "p = 0.5 on inputs 2: the mean output should stay 2 (inverted dropout), got %g. "
              "Hint: kept units are scaled by 1/(1-p) so that E[y] = (1-p) x/(1-p) = x. Is the scale 1/(1-p), not 1/p "
              "or (1-p)?", s / n);
}

Test(ex06_1, p_zero_is_the_identity)
{
    float x[5] = {1, -2, 3, -4, 5}, y[5], mask[5];
    rng_t rng;
    rng_seed(&rng, 1);
    inverted_dropout_forward(y, mask, x, 5, 0.0f, &rng);
    for (int i = 0; i < 5; i++)
        cr_assert(y[i] == x[i] && mask[i] == 1, "p = 0: expected y = x and mask 1, got y[%d] = %g, mask %g. Hint: "
                  "u < 0 never happens, and 1/(1-0) = 1.", i, y[i], mask[i]);
}

/* --- 06.2 batch norm forward ------------------------------------------------------------------- */

Test(ex06_2, hand_computed_batch)
{
    /* two columns over B = 4: (1, 2, 3, 4) and (10, 10, 10, 14).
     * column 0: mean 2.5, var 1.25 (biased), unbiased 5/3; column 1: mean 11, var 3, unbiased 4.
     * gamma (2, 1), beta (0, -1). y[0][0] = 2 (1 - 2.5)/sqrt(1.25 + eps), y[3][1] = (14-11)/sqrt(3+eps) - 1.
     * running, from (0, 1) with momentum 0.1: mean (0.25, 1.1), var (0.9 + 0.1*5/3, 0.9 + 0.4). */
    const float x[8] = {1, 10, 2, 10, 3, 10, 4, 14}, gamma[2] = {2, 1}, beta[2] = {0, -1};
    /* mean and rstd are outputs: they hold garbage on entry (NaN here), as the network's buffers do */
    float y[8], mean[2] = {NAN, NAN}, rstd[2] = {NAN, NAN}, rm[2] = {0, 0}, rv[2] = {1, 1};
    bn_forward_train(y, mean, rstd, rm, rv, x, gamma, beta, 4, 2, 0.1f, 1e-5f);
    cr_assert(fabsf(mean[0] - 2.5f) < 1e-6f && fabsf(mean[1] - 11) < 1e-5f, "means: expected (2.5, 11), got (%g, %g). "
              "Hint: the mean is per column j, over the B rows; mean and rstd held NaN on entry: set them to 0 before "
              "adding into them.", mean[0], mean[1]);
    cr_assert(fabsf(rstd[0] - 1 / sqrtf(1.25f + 1e-5f)) < 1e-5f && fabsf(rstd[1] - 1 / sqrtf(3 + 1e-5f)) < 1e-5f,
              "rstd: expected (%g, %g), got (%g, %g). Hint: rstd = 1/sqrt(var + eps) with the BIASED variance (divide "
              "by B, not B-1).", 1 / sqrtf(1.25f), 1 / sqrtf(3.0f), rstd[0], rstd[1]);
    float want0 = 2 * (1 - 2.5f) / sqrtf(1.25f + 1e-5f), want7 = 3 / sqrtf(3 + 1e-5f) - 1;
    cr_assert(fabsf(y[0] - want0) < 1e-5f && fabsf(y[7] - want7) < 1e-5f, "y[0][0] expected %g got %g; y[3][1] expected "
              "%g got %g. Hint: y = gamma (x - mean) rstd + beta, with gamma and beta of the column.", want0, y[0], want7, y[7]);
    cr_assert(fabsf(rm[0] - 0.25f) < 1e-6f && fabsf(rm[1] - 1.1f) < 1e-5f, "running means: expected (0.25, 1.1), got "
              "(%g, %g). Hint: run = (1 - mom) run + mom mean.", rm[0], rm[1]);
    cr_assert(fabsf(rv[0] - (0.9f + 0.1f * 5 / 3.0f)) < 1e-5f && fabsf(rv[1] - 1.3f) < 1e-5f, "running variances: "
              "expected (1.0667, 1.3), got (%g, %g). Hint: the running variance uses the UNBIASED variance var B/(B-1).",
              rv[0], rv[1]);
}

Test(ex06_2, two_passes_survive_a_large_offset)
{
    /* values 10000 + (0, 1, 2, 3): variance 1.25. One pass, E[x^2] - E[x]^2 ~ 1e8 - 1e8 in float,
     * loses every digit; two passes keep it exact. */
    const float x[4] = {10000, 10001, 10002, 10003}, g = 1, b = 0;
    float y[4], mean, rstd, rm = 0, rv = 1;
    bn_forward_train(y, &mean, &rstd, &rm, &rv, x, &g, &b, 4, 1, 0.1f, 1e-5f);
    float want = 1 / sqrtf(1.25f + 1e-5f);
    cr_assert(fabsf(rstd - want) < 1e-4f, "x = 10000..10003: expected rstd %g, got %g. Hint: compute the mean first, "
              "then sum (x - mean)^2 in a second pass; E[x^2] - E[x]^2 cancels catastrophically in float.", want, rstd);
}

Test(ex06_2, output_has_mean_0_and_variance_1)
{
    enum { B = 32, D = 5 };
    float x[B * D], y[B * D], g[D], be[D], mean[D], rstd[D], rm[D] = {0}, rv[D];
    rng_t rng;
    rng_seed(&rng, 3);
    for (int i = 0; i < B * D; i++)
        x[i] = 4 * rng_normal(&rng) - 7;
    for (int j = 0; j < D; j++)
        g[j] = 1, be[j] = 0, rv[j] = 1;
    bn_forward_train(y, mean, rstd, rm, rv, x, g, be, B, D, 0.1f, 1e-5f);
    for (int j = 0; j < D; j++) {
        double s = 0, ss = 0;
        for (int b = 0; b < B; b++)
            s += y[b * D + j], ss += (double)y[b * D + j] * y[b * D + j];
        cr_assert(fabs(s / B) < 1e-5 && fabs(ss / B - 1) < 1e-3, "column %d: mean %g, variance %g after batch norm with "
                  "gamma 1, beta 0; expected 0 and 1. Hint: normalize each column with its own statistics.", j, s / B,
                  ss / B);
    }
}

Test(ex06_2, a_constant_column_divides_by_sqrt_eps)
{
    /* A dead unit: x = (5, 5, 5, 5), mean 5, variance 0. rstd = 1/sqrt(0 + eps) = 1/sqrt(1e-5) = 316.23;
     * with eps added to the standard deviation instead, 1/(0 + 1e-5) = 100000. y = beta = 0.5. */
    const float x[4] = {5, 5, 5, 5}, g = 2, b = 0.5f;
    float y[4], mean = NAN, rstd = NAN, rm = 0, rv = 1;
    bn_forward_train(y, &mean, &rstd, &rm, &rv, x, &g, &b, 4, 1, 0.1f, 1e-5f);
    double want = 1 / sqrt(1e-5);
    cr_assert(fabs(rstd - want) < 1e-4 * want && fabs(y[0] - 0.5f) < 1e-6f, "a constant column (variance 0), eps 1e-5: "
              "expected rstd 1/sqrt(eps) = %g and y = beta = 0.5, got rstd %g, y %g. Hint: eps goes under the square "
              "root, 1/sqrt(var + eps), not 1/(sqrt(var) + eps).", want, rstd, y[0]);
}

/* --- 06.3 batch norm backward ------------------------------------------------------------------ */

enum { BB = 6, BD = 4 };

typedef struct {
    float x[BB * BD], gamma[BD], beta[BD], y[BB * BD], r[BB * BD], mean[BD], rstd[BD];
} bn_ctx;

/* The forward pass here is the library's (common/norm.c, tested separately): this exercise's
 * tests do not depend on exercise 06.2. L = sum(y * R). */
static double bn_loss(void *p)
{
    bn_ctx *c = p;
    batchnorm_forward_train(c->y, c->mean, c->rstd, NULL, NULL, c->x, c->gamma, c->beta, BB, BD, 1, 0.1f, 1e-5f);
    return gradcheck_dot(c->y, c->r, BB * BD);
}

static void bn_fill(bn_ctx *c, unsigned seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < BB * BD; i++)
        c->x[i] = 2 * rng_normal(&rng) + 1;
    for (int j = 0; j < BD; j++)
        c->gamma[j] = 1 + 0.5f * rng_normal(&rng), c->beta[j] = rng_normal(&rng);
    gradcheck_random_upstream(c->r, BB * BD, &rng);
}

Test(ex06_3, gradients_match_centered_differences)
{
    bn_ctx c;
    bn_fill(&c, 21);
    bn_loss(&c);
    float dx[BB * BD], dg[BD], db[BD];
    for (int j = 0; j < BD; j++)
        dg[j] = db[j] = 1e3f; /* garbage: must be overwritten, not accumulated */
    bn_backward(dx, dg, db, c.r, c.x, c.mean, c.rstd, c.gamma, BB, BD);
    /* smooth in x, gamma, beta; float32, h = 1e-2: relative error well under 1e-2 */
    double eb = gradcheck_max_rel_error(bn_loss, &c, c.beta, db, BD, 1e-2f);
    double eg = gradcheck_max_rel_error(bn_loss, &c, c.gamma, dg, BD, 1e-2f);
    double ex = gradcheck_max_rel_error(bn_loss, &c, c.x, dx, BB * BD, 1e-2f);
    cr_assert(eb < 1e-2, "dbeta: relative error %.3g vs centered differences (bound 1e-2). Hint: dbeta_j = sum over the "
              "batch of dy[b][j]; overwrite, do not accumulate.", eb);
    cr_assert(eg < 1e-2, "dgamma: relative error %.3g (bound 1e-2). Hint: dgamma_j = sum_b dy[b][j] * zhat[b][j], with "
              "zhat = (x - mean) * rstd.", eg);
    cr_assert(ex < 1e-2, "dx: relative error %.3g (bound 1e-2). Hint: dx = gamma rstd / B (B dy - sum dy - zhat sum(dy "
              "zhat)); both sums are over the batch, per column; did you forget gamma or one of the two sums?", ex);
}

Test(ex06_3, input_gradient_sums_to_zero_per_column)
{
    bn_ctx c;
    bn_fill(&c, 22);
    bn_loss(&c);
    float dx[BB * BD], dg[BD], db[BD];
    bn_backward(dx, dg, db, c.r, c.x, c.mean, c.rstd, c.gamma, BB, BD);
    for (int j = 0; j < BD; j++) {
        double s = 0, sz = 0;
        for (int b = 0; b < BB; b++)
            s += dx[b * BD + j], sz += dx[b * BD + j] * (c.x[b * BD + j] - c.mean[j]);
        /* shifting or scaling a column does not change zhat, so dx is orthogonal to 1 and to x - mean */
        cr_assert(fabs(s) < 1e-4 && fabs(sz) < 1e-3, "column %d: sum of dx %g, sum of dx (x - mean) %g; both must be 0. "
                  "Hint: a shift of all x of a column leaves zhat unchanged; which term of dx removes the mean of dy?",
                  j, s, sz);
    }
}

/* --- 06.4 mixup loss ----------------------------------------------------------------------------- */

Test(ex06_4, equals_the_mix_of_two_cross_entropies)
{
    enum { B = 5, K = 4 };
    float z[B * K], dz[B * K], da[B * K], db[B * K];
    int ya[B] = {0, 1, 2, 3, 1}, yb[B] = {3, 1, 0, 2, 2};
    rng_t rng;
    rng_seed(&rng, 8);
    for (int i = 0; i < B * K; i++)
        z[i] = 3 * rng_normal(&rng);
    const float lam = 0.3f;
    float L = mixup_cross_entropy(dz, z, ya, yb, lam, B, K);
    /* reference: the library's cross-entropy (common/loss.h), linear in the target */
    float La = softmax_cross_entropy(da, z, ya, B, K), Lb = softmax_cross_entropy(db, z, yb, B, K);
    float want = lam * La + (1 - lam) * Lb;
    cr_assert(fabsf(L - want) < 1e-5f, "loss: expected lam CE(ya) + (1-lam) CE(yb) = %g, got %g. Hint: L = -1/B sum_b "
              "[lam log p[ya] + (1-lam) log p[yb]]; is the 1/B there?", want, L);
    for (int i = 0; i < B * K; i++) {
        float g = lam * da[i] + (1 - lam) * db[i];
        cr_assert(fabsf(dz[i] - g) < 1e-6f, "dz[%d][%d]: expected %g, got %g. Hint: dz = (softmax(z) - q) / B with the "
                  "soft target q = lam onehot(ya) + (1-lam) onehot(yb); row 1 has ya = yb.", i / K, i % K, g, dz[i]);
    }
}

Test(ex06_4, uniform_logits_by_hand)
{
    /* z = 0: p = 1/K everywhere, L = log K whatever lam; dz = (1/K - q)/B */
    float z[4] = {0, 0, 0, 0}, dz[4];
    int ya[1] = {0}, yb[1] = {2};
    float L = mixup_cross_entropy(dz, z, ya, yb, 0.75f, 1, 4);
    cr_assert(fabsf(L - logf(4)) < 1e-6f, "z = 0, K = 4: expected L = log 4 = %g, got %g. Hint: log softmax of equal "
              "logits is -log K.", logf(4), L);
    const float want[4] = {0.25f - 0.75f, 0.25f, 0.25f - 0.25f, 0.25f};
    for (int k = 0; k < 4; k++)
        cr_assert(fabsf(dz[k] - want[k]) < 1e-6f, "dz[%d]: expected %g, got %g. Hint: subtract lam at ya and 1-lam at "
                  "yb from p.", k, want[k], dz[k]);
}

/* --- 06.5 early stopping ----------------------------------------------------------------------- */

Test(ex06_5, patience_counts_epochs_without_improvement)
{
    early_stop es = early_stop_new(2, 0);
    const double losses[5] = {1.0, 0.8, 0.85, 0.9, 0.7};
    const int want[4] = {ES_IMPROVED, ES_IMPROVED, ES_CONTINUE, ES_STOP};
    for (int e = 0; e < 4; e++) {
        int got = early_stop_update(&es, losses[e], e + 1);
        cr_assert_eq(got, want[e], "patience 2, losses 1.0 0.8 0.85 0.9: epoch %d expected %d, got %d (0 continue, 1 "
                     "improved, 2 stop). Hint: count epochs without improvement and stop when the count reaches the "
                     "patience.", e + 1, want[e], got);
    }
    cr_assert(es.best_epoch == 2 && fabs(es.best - 0.8) < 1e-12, "best: expected epoch 2 with 0.8, got epoch %d with %g. "
              "Hint: record the loss and the epoch on an improvement.", es.best_epoch, es.best);
    int got = early_stop_update(&es, losses[4], 5);
    cr_assert(got == ES_IMPROVED && es.bad_epochs == 0, "an improvement after bad epochs: expected ES_IMPROVED and the "
              "count reset to 0, got %d and %d. Hint: reset bad_epochs on every improvement.", got, es.bad_epochs);
}

Test(ex06_5, min_delta_and_nan)
{
    early_stop es = early_stop_new(3, 0.01f);
    early_stop_update(&es, 1.0, 1);
    int got = early_stop_update(&es, 0.995, 2);
    cr_assert_eq(got, ES_CONTINUE, "min_delta 0.01: 0.995 is not better than 1.0 - 0.01; expected ES_CONTINUE, got %d. "
                 "Hint: an improvement needs loss < best - min_delta.", got);
    got = early_stop_update(&es, NAN, 3);
    cr_assert(got == ES_CONTINUE && es.best == 1.0, "a NaN loss must not be an improvement: got %d, best %g. Hint: "
              "comparisons with NaN are false; write the test as loss < best - min_delta.", got, es.best);
    got = early_stop_update(&es, 2.0, 4);
    cr_assert_eq(got, ES_STOP, "third bad epoch with patience 3: expected ES_STOP, got %d. Hint: >= patience.", got);
}

Test(ex06_5, an_equal_loss_is_not_an_improvement)
{
    /* A plateau: with min_delta 0, a loss equal to the best is no improvement, or a flat curve would
     * reset the patience forever. With min_delta 0.25 (exact in float), 0.75 = 1.0 - 0.25 is not
     * lower than best - min_delta either. */
    early_stop es = early_stop_new(2, 0);
    early_stop_update(&es, 0.5, 1);
    int got = early_stop_update(&es, 0.5, 2);
    cr_assert(got == ES_CONTINUE && es.best_epoch == 1 && es.bad_epochs == 1, "min_delta 0, losses 0.5 then 0.5: "
              "expected ES_CONTINUE with best epoch 1 and 1 bad epoch, got %d, best epoch %d, %d bad. Hint: an "
              "improvement is strictly lower: loss < best - min_delta, not <=.", got, es.best_epoch, es.bad_epochs);
    es = early_stop_new(2, 0.25f);
    early_stop_update(&es, 1.0, 1);
    got = early_stop_update(&es, 0.75, 2);
    cr_assert_eq(got, ES_CONTINUE, "min_delta 0.25, losses 1.0 then 0.75: expected ES_CONTINUE, got %d. Hint: 0.75 is "
                 "not lower than 1.0 - 0.25; the comparison is strict.", got);
}

/* --- 06.6 precision, recall, F1 ----------------------------------------------------------------- */

Test(ex06_6, three_classes_by_hand)
{
    /* cm = [[2 1 0], [0 1 1], [1 0 2]] (rows true, columns predicted).
     * class 0: TP 2, FP 1 (column), FN 1 (row): P 2/3, R 2/3, F1 2/3
     * class 1: TP 1, FP 1, FN 1: P = R = F1 = 1/2
     * class 2: TP 2, FP 1, FN 1: 2/3 each.  macro F1 = (2/3 + 1/2 + 2/3)/3 = 11/18 */
    const long cm[9] = {2, 1, 0, 0, 1, 1, 1, 0, 2};
    double p[3], r[3], f[3];
    double macro = class_scores(cm, 3, p, r, f);
    const double wp[3] = {2.0 / 3, 0.5, 2.0 / 3};
    for (int k = 0; k < 3; k++) {
        cr_assert(fabs(p[k] - wp[k]) < 1e-12 && fabs(r[k] - wp[k]) < 1e-12 && fabs(f[k] - wp[k]) < 1e-12,
                  "class %d: expected P = R = F1 = %g, got %g, %g, %g. Hint: false positives are in the class's column, "
                  "false negatives in its row (cm[t*K + p]).", k, wp[k], p[k], r[k], f[k]);
    }
    cr_assert(fabs(macro - 11.0 / 18) < 1e-12, "macro F1: expected 11/18 = %g, got %g. Hint: the plain mean of the per-class "
              "F1.", 11.0 / 18, macro);
}

Test(ex06_6, precision_differs_from_recall)
{
    /* cm = [[5 0], [3 2]]: class 0 TP 5, FP 3, FN 0: P 5/8, R 1, F1 10/13; class 1 TP 2, FP 0, FN 3:
     * P 1, R 2/5, F1 4/7 */
    const long cm[4] = {5, 0, 3, 2};
    double p[2], r[2], f[2];
    double macro = class_scores(cm, 2, p, r, f);
    cr_assert(fabs(p[0] - 5.0 / 8) < 1e-12 && fabs(r[0] - 1) < 1e-12, "class 0: expected P 5/8, R 1, got %g, %g. Hint: "
              "precision divides by the column sum (all predicted 0), recall by the row sum (all truly 0).", p[0], r[0]);
    cr_assert(fabs(p[1] - 1) < 1e-12 && fabs(r[1] - 0.4) < 1e-12, "class 1: expected P 1, R 2/5, got %g, %g. "
              "Hint: precision TP/(TP+FP) divides by the column sum, recall TP/(TP+FN) by the row sum.", p[1], r[1]);
    cr_assert(fabs(f[0] - 10.0 / 13) < 1e-12 && fabs(f[1] - 4.0 / 7) < 1e-12, "F1: expected 10/13 and 4/7, got %g "
              "and %g. Hint: F1 = 2PR/(P+R) = 2TP/(2TP+FP+FN), the harmonic mean, not the arithmetic one.", f[0], f[1]);
    cr_assert(fabs(macro - (10.0 / 13 + 4.0 / 7) / 2) < 1e-12, "macro F1: expected the mean of the per-class F1s, "
              "(10/13 + 4/7)/2 = %g, got %g. Hint: average the K F1 scores; the F1 of the averaged precision and "
              "recall is another number.", (10.0 / 13 + 4.0 / 7) / 2, macro);
}

Test(ex06_6, zero_over_zero_is_zero)
{
    const long cm[4] = {0, 0, 0, 4}; /* class 0 absent and never predicted */
    double p[2], r[2], f[2];
    double macro = class_scores(cm, 2, p, r, f);
    cr_assert(p[0] == 0 && r[0] == 0 && f[0] == 0 && isfinite(macro) && fabs(macro - 0.5) < 1e-12, "a class never seen "
              "and never predicted: expected P = R = F1 = 0 (not NaN) and macro F1 0.5, got %g %g %g, macro %g. Hint: "
              "test the denominator before dividing; the macro F1 is the mean over all K classes, the empty one "
              "counting as 0.", p[0], r[0], f[0], macro);
}

/* --- 06.7 AUC by ranks ------------------------------------------------------------------------- */

Test(ex06_7, hand_computed_auc)
{
    /* scores 0.9 .. 0.4 with labels 1 0 1 1 0 0: ranks (ascending) 6 5 4 3 2 1; positives have
     * ranks 6, 4, 3: U = 13 - 3*4/2 = 7, AUC = 7 / (3*3) = 7/9 */
    const float s[6] = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f};
    const int y[6] = {1, 0, 1, 1, 0, 0};
    double auc = auc_by_ranks(s, y, 6);
    cr_assert(fabs(auc - 7.0 / 9) < 1e-12, "expected AUC 7/9 = %g, got %g. Hint: (sum of the positives' ranks - P(P+1)/2) "
              "/ (P N), P and N counted over all n scores (the last one, a negative, included).", 7.0 / 9, auc);
}

Test(ex06_7, ties_and_missing_classes)
{
    const float same[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    const int y[4] = {1, 0, 0, 1}, ones[4] = {1, 1, 1, 1};
    double auc = auc_by_ranks(same, y, 4);
    cr_assert(fabs(auc - 0.5) < 1e-12, "all scores tied: expected AUC 1/2, got %g. Hint: average_ranks gives tied scores "
              "their mean rank; use rank[i], not the position.", auc);
    auc = auc_by_ranks(same, ones, 4);
    cr_assert(isnan(auc), "no negatives: expected NAN, got %g. Hint: P N = 0, the AUC is undefined.", auc);
}

Test(ex06_7, agrees_with_the_trapezoids_of_the_roc_curve)
{
    enum { n = 300 };
    float s[n];
    int y[n];
    rng_t rng;
    rng_seed(&rng, 9);
    for (int i = 0; i < n; i++) {
        y[i] = rng_below(&rng, 3) == 0;
        s[i] = (float)((int)(10 * (rng_normal(&rng) + y[i]))) / 10; /* rounded: many ties */
    }
    double a = auc_by_ranks(s, y, n), b = metrics_roc_auc(s, y, n);
    cr_assert(fabs(a - b) < 1e-9, "300 scores with ties: rank formula %g vs area under the ROC curve %g "
              "(common/metrics.c); they are equal in exact arithmetic. Hint: count P and N from the labels.", a, b);
}

Test(ex06_7, more_pairs_than_an_int_holds)
{
    /* n = 100000 scores s_i = i, labels alternating 0, 1: P = N = 50000, P N = 2.5e9 > INT_MAX.
     * The positive at 2k + 1 beats the k + 1 negatives 0, 2, .., 2k: U = sum_{k<P} (k + 1) = P(P + 1)/2,
     * AUC = (P + 1) / (2 N) = 50001 / 100000 = 0.50001. */
    enum { n = 100000 };
    float *s = nn_malloc(n * sizeof(float));
    int *y = nn_malloc(n * sizeof(int));
    for (int i = 0; i < n; i++)
        s[i] = (float)i, y[i] = i % 2;
    double auc = auc_by_ranks(s, y, n);
    free(s), free(y);
    cr_assert(fabs(auc - 0.50001) < 1e-9, "100000 scores, P = N = 50000: expected AUC 50001/100000 = 0.50001, got %.9g. "
              "Hint: P N = 2.5e9 and P (P + 1) / 2 = 1.25e9 do not fit in an int's products: count P and N in a double "
              "(or compute the products in one).", auc);
}

/* --- 06.8 expected improvement ------------------------------------------------------------------ */

/* EI by Simpson's rule: integral of max(best - xi - f, 0) N(f; mu, s^2) over f. */
static double ei_numeric(double mu, double s, double best, double xi)
{
    double lo = mu - 12 * s, hi = best - xi, total = 0;
    if (hi <= lo)
        return 0;
    const int n = 20000;
    double h = (hi - lo) / n;
    for (int i = 0; i <= n; i++) {
        double f = lo + i * h, w = i == 0 || i == n ? 1 : i % 2 ? 4 : 2;
        total += w * (hi - f) * exp(-0.5 * (f - mu) * (f - mu) / (s * s)) / (s * sqrt(2 * M_PI));
    }
    return total * h / 3;
}

Test(ex06_8, closed_form_cases)
{
    /* mu = best, xi = 0: gamma = 0, EI = s phi(0) = 0.39894 s */
    double e = expected_improvement(1.0, 2.0, 1.0, 0);
    cr_assert(fabs(e - 2 * 0.3989422804) < 1e-9, "mu = best, s = 2: expected 2 phi(0) = 0.79788, got %g. Hint: EI = (best "
              "- xi - mu) Phi(gamma) + s phi(gamma), gamma = (best - xi - mu)/s.", e);
    e = expected_improvement(0.3, 0, 0.5, 0.05);
    cr_assert(fabs(e - 0.15) < 1e-12, "s = 0: expected max(best - xi - mu, 0) = 0.15, got %g. Hint: no uncertainty, the "
              "improvement is certain.", e);
    e = expected_improvement(0.7, 0, 0.5, 0);
    cr_assert(e == 0, "s = 0 and mu worse than best: expected 0, got %g. Hint: an improvement is never negative.", e);
}

Test(ex06_8, negative_s_is_certain)
{
    /* The task says s <= 0, not s == 0: a posterior standard deviation computed from a variance that
     * rounding left slightly negative arrives as s < 0. Then EI = max(best - xi - mu, 0):
     * mu 0.3, best 0.5, xi 0.05 gives 0.15; mu 0.7 (worse than best) gives 0. */
    double e1 = expected_improvement(0.3, -1e-3, 0.5, 0.05), e2 = expected_improvement(0.7, -1e-3, 0.5, 0);
    cr_assert(fabs(e1 - 0.15) < 1e-12 && e2 == 0, "s = -1e-3: expected max(best - xi - mu, 0) = 0.15 and 0, got %g "
              "and %g. Hint: the certain case is s <= 0, not only s == 0 (a negative s divides gain by a negative "
              "number).", e1, e2);
}

Test(ex06_8, matches_numerical_integration)
{
    const double cases[4][4] = {{0.2, 0.1, 0.25, 0.01}, {0.5, 0.3, 0.2, 0}, {-1, 2, 0.5, 0.1}, {0.3, 0.05, 0.1, 0}};
    for (int c = 0; c < 4; c++) {
        double got = expected_improvement(cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
        double want = ei_numeric(cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
        /* Simpson with 20000 panels: error far below 1e-7 */
        cr_assert(fabs(got - want) < 1e-6 + 1e-6 * want, "mu %g, s %g, best %g, xi %g: expected %.8g (numerical "
                  "integral), got %.8g. Hint: for a MINIMIZATION the improvement is best - xi - f; check the sign of "
                  "gamma.", cases[c][0], cases[c][1], cases[c][2], cases[c][3], want, got);
    }
}

/* --- chapter checks without points -------------------------------------------------------------- */

typedef struct {
    float z[6 * 3], p[6 * 3];
    int y[6];
} f1_ctx;

static double f1_loss(void *a)
{
    f1_ctx *c = a;
    return soft_f1_loss(NULL, c->p, c->z, c->y, 6, 3);
}

Test(ch06, soft_f1_gradient_matches_centered_differences)
{
    f1_ctx c = {.y = {0, 1, 2, 0, 1, 1}};
    rng_t rng;
    rng_seed(&rng, 4);
    for (int i = 0; i < 18; i++)
        c.z[i] = rng_normal(&rng);
    float dz[18];
    soft_f1_loss(dz, c.p, c.z, c.y, 6, 3);
    double e = gradcheck_max_rel_error(f1_loss, &c, c.z, dz, 18, 1e-2f);
    cr_assert(e < 1e-2, "soft-F1 gradient: relative error %.3g vs centered differences (bound 1e-2). Hint: the soft-F1 loss is differentiable; its gradient is in the chapter above.", e);
    /* perfect, confident predictions: soft F1 -> 1, loss -> 0 */
    for (int b = 0; b < 6; b++)
        for (int k = 0; k < 3; k++)
            c.z[b * 3 + k] = k == c.y[b] ? 30 : 0;
    cr_assert(f1_loss(&c) < 1e-6, "confident correct predictions: soft-F1 loss %g, expected ~0 Hint: soft F1 is 1 for confident correct predictions, so the loss 1 - F1 is 0.", f1_loss(&c));
}

typedef struct {
    mlp_t *m;
    const float *x;
    float r[8 * 10];
} net_ctx;

static double net_loss(void *a)
{
    net_ctx *c = a;
    return gradcheck_dot(mlp_forward(c->m, c->x, 8), c->r, 8 * 10);
}

Test(ch06, whole_network_with_batch_norm_matches_centered_differences)
{
    const int sizes[4] = {12, 16, 8, 10};
    rng_t rng;
    rng_seed(&rng, 6);
    mlp_t m = net_new(sizes, 1, 0, 8, &rng);
    for (int l = 0; l < m.L - 1; l++) /* gamma, beta away from 1, 0 */
        for (int j = 0; j < sizes[l + 1]; j++)
            m.gamma[l][j] = 1 + 0.3f * rng_normal(&rng), m.beta[l][j] = 0.3f * rng_normal(&rng);
    float x[8 * 12];
    for (int i = 0; i < 8 * 12; i++)
        x[i] = rng_normal(&rng);
    net_ctx c = {&m, x, {0}};
    gradcheck_random_upstream(c.r, 80, &rng);
    m.training = 1;
    mlp_forward(&m, x, 8);
    mlp_backward(&m, x, c.r, 8);
    /* relu kinks are detected and excluded by gradcheck (see gradcheck.h); bound 1e-2 */
    double e = gradcheck_max_rel_error(net_loss, &c, m.params, m.grads, m.n_train, 1e-2f);
    cr_assert(e < 1e-2, "gradient of the whole network (batch norm, relu, 3 layers): relative error %.3g, bound 1e-2 Hint: 06.2 and 06.3 pass their own checks? Then see how net_new plugs them into the network.", e);
    mlp_free(&m);
}

Test(ch06, eval_mode_ignores_the_batch_and_checkpoints_round_trip)
{
    const int sizes[4] = {6, 8, 8, 3};
    rng_t rng;
    rng_seed(&rng, 7);
    mlp_t m = net_new(sizes, 1, 0.5f, 4, &rng);
    float x[4 * 6], z1[3], z4[4 * 3];
    for (int i = 0; i < 24; i++)
        x[i] = rng_normal(&rng);
    m.training = 0;
    memcpy(z4, mlp_forward(&m, x, 4), sizeof z4);
    memcpy(z1, mlp_forward(&m, x, 1), sizeof z1);
    for (int k = 0; k < 3; k++) /* equal up to the rounding of different BLAS kernels */
        cr_assert(fabsf(z1[k] - z4[k]) < 1e-5f, "in evaluation mode an example's logits must not depend on its batch: "
                  "logit %d is %g alone and %g in a batch of 4 Hint: in evaluation mode batch norm uses the running statistics, not the batch's.", k, z1[k], z4[k]);
    char path[128], tag[64];
    snprintf(path, sizeof path, "/tmp/nn_ch06_test_%d.ckpt", (int)getpid());
    cr_assert(checkpoint_save(path, mlp_tag(&m, tag, sizeof tag), m.params, m.n_params) == 0, "checkpoint_save failed. Hint: see the error printed above (a directory that cannot be written?).");
    float *saved = nn_malloc(m.n_params * sizeof(float));
    memcpy(saved, m.params, m.n_params * sizeof(float));
    mlp_init(&m, &rng);
    cr_assert(checkpoint_load(m.params, m.n_params, path, mlp_tag(&m, tag, sizeof tag)) == 0, "checkpoint_load failed. Hint: see the error printed above; the tag must match the one saved.");
    cr_assert(memcmp(saved, m.params, m.n_params * sizeof(float)) == 0, "the restored parameters differ. Hint: checkpoint_load must restore exactly what checkpoint_save wrote.");
    remove(path);
    free(saved);
    mlp_free(&m);
}

static void bn_single_example(void *arg)
{
    (void)arg;
    float x[3] = {1, 2, 3}, y[3], mean[3], rstd[3], rm[3], rv[3], g[3] = {1, 1, 1}, b[3] = {0};
    bn_forward_train(y, mean, rstd, rm, rv, x, g, b, 1, 3, 0.1f, 1e-5f);
}

Test(ch06, bad_input_is_reported)
{
    /* (the network's own bad batches are common/tests/test_mlp.c's) */
    char err[2048];
    int st = capture_stderr(bn_single_example, NULL, err, sizeof err);
    cr_assert(st == 1 && strstr(err, "batch of 1") && strstr(err, "hint"), "batch norm on one example: expected exit 1 "
              "and a message, got %d: %s", st, err);
}

/* --- hints (make hint EX=NN.K shows one more level each time) and the teacher's notes (shown
 * by the report once the exercise passes) ------------------------------------------------- */

/*hint 06.1
1. Inverted dropout zeroes a unit with probability p. What must the kept ones be multiplied by so that
   the expected output equals x?
2. For each i draw rng_uniform: below p the mask is 0, else 1/(1-p); y_i = mask_i x_i. Keep the mask
   for the backward.
3. mask_i = (u_i < p) ? 0 : 1/(1-p); y = mask * x, so E[y] = x.
*/
/*note 06.1
Scaling at training time means inference needs no change at all. The backward is the same mask
times dy.
*/

/*forbid 06.1
-- its twins in common/dropout.h: the exercise writes its own
dropout_forward dropout_mask
*/

/*hint 06.2
1. Batch norm standardizes each feature over the batch. Which statistics per feature, and what else
   must training mode update?
2. Per column j: mean and biased variance over the B rows; rstd = 1/sqrt(var + eps); y = gamma zhat +
   beta. Update the running mean and the running unbiased variance (var * B/(B-1)) with momentum
   mom.
3. mu_j = mean_b x_bj; var_j = mean_b (x_bj - mu_j)^2; zhat = (x - mu) rstd; y = gamma zhat + beta;
   run_mean = (1-mom) run_mean + mom mu; run_var = (1-mom) run_var + mom var B/(B-1).
*/
/*note 06.2
Evaluation uses the running statistics, so a model's output does not depend on the rest of its
batch. The running variance uses the unbiased estimate (divided by B - 1), as PyTorch's does,
which the hand-computed running-variance check tests.
*/

/*forbid 06.2
-- its twins in common/norm.h: the exercise writes its own
batchnorm_forward_train
*/

/*hint 06.3
1. dbeta and dgamma are sums over the batch. dx is harder: every x_bj affects the mean and variance of
   its column, so every output of that column.
2. dbeta_j = sum_b dy; dgamma_j = sum_b dy zhat; then dx = gamma rstd / B (B dy - dbeta - zhat dgamma)
   elementwise per column.
3. dx_bj = (gamma_j rstd_j / B) (B dy_bj - sum_b dy_bj - zhat_bj sum_b dy_bj zhat_bj).
*/
/*note 06.3
The two subtracted terms remove the components of dy along the directions the normalization takes
away (the mean and the scale), which is why batch norm also conditions the gradients.
*/

/*forbid 06.3
-- its twins in common/norm.h: the exercise writes its own
batchnorm_backward
*/

/*hint 06.4
1. Mixup trains on a blend of two examples with the blend of their labels. What is the target
   distribution for row b?
2. log_softmax_forward gives log p. Loss -= lam log p[ya] + (1-lam) log p[yb]; gradient = p - target
   with target lam at ya and 1-lam at yb, divided by B.
3. L = -(sum_b (lam log p_b[ya_b] + (1-lam) log p_b[yb_b])) / B; dz_b = (p_b - lam e_ya - (1-lam)
   e_yb)/B.
*/
/*note 06.4
Mixup is cross-entropy against a soft target, exactly as label smoothing (02.6) is; both keep the
network from becoming over-confident.
*/

/*forbid 06.4
-- its twins in common/loss.h: the exercise writes its own
softmax_cross_entropy softmax_cross_entropy_smooth
*/

/*hint 06.5
1. Improvement must beat the best loss by more than min_delta. What happens to the counter otherwise?
2. If val_loss < best - min_delta: record best, best_epoch, reset bad_epochs, return ES_IMPROVED. Else
   count a bad epoch and return ES_STOP once bad_epochs reaches patience, else ES_CONTINUE.
3. improved iff val < best - min_delta (false for NaN); stop iff ++bad >= patience.
*/
/*note 06.5
Early stopping is regularization by limiting training time; keep the checkpoint of best_epoch
(common/checkpoint) and restore it when stopping.
*/

/*hint 06.6
1. In the confusion matrix, rows are true classes and columns predictions. Where are the true
   positives, false positives and false negatives of class k?
2. tp = cm[k * K + k]; the column sum is tp + FP (precision's denominator), the row sum is tp + FN
   (recall's). Guard zero denominators with 0. Macro F1 is the plain mean of the K F1 scores.
3. P_k = (double)tp / col_k, R_k = (double)tp / row_k, F1_k = 2.0 * tp / (row_k + col_k); macro =
   (sum_k F1_k) / K. The counts are long: divide in double, or tp / col is 0.
*/
/*note 06.6
Macro F1 weighs every class equally, so a classifier that ignores a rare class is punished, unlike
accuracy. Section 6.9 uses it to compare training on imbalanced classes: plain cross-entropy finds
half of the rare shirts (macro F1 0.74), class-balanced sampling 70% of them (0.82).
*/

/*forbid 06.6
-- its twins in common/metrics.h: the exercise writes its own
metrics_per_class metrics_summarize
*/

/*hint 06.7
1. AUC is the probability that a random positive scores above a random negative. How do the ranks of
   the positives tell you that?
2. Count positives and negatives and sum the ranks of the positives (ranks from 1, ties averaged:
   given). Subtract the smallest possible sum pos(pos+1)/2 and divide by pos*neg; NaN if either
   class is empty.
3. AUC = (sum of positive ranks - P(P+1)/2) / (P N), with P and N counted in double (P N passes
   INT_MAX from 46,341 of each).
*/
/*note 06.7
This is the Mann-Whitney U statistic: one sort instead of drawing the ROC curve. AUC does not
depend on the threshold or on the class balance.
*/

/*forbid 06.7
-- its twins in common/metrics.h: the exercise writes its own
metrics_roc_auc metrics_roc_curve
*/

/*hint 06.8
1. Expected improvement asks how much below best - xi the unknown loss is expected to fall, given a
   normal prediction (mu, s).
2. gain = best - xi - mu. With s <= 0 the prediction is certain: max(gain, 0). Otherwise g = gain/s
   and EI = gain Phi(g) + s phi(g).
3. EI = gain * stats_normal_cdf(g) + s * stats_normal_pdf(g) with g = gain / s, gain = best - xi -
   mu; for s <= 0 return fmax(gain, 0).
*/
/*note 06.8
EI balances exploitation (low mu) and exploration (large s); the hyperparameter search in the prose
picks the next trial by maximizing it.
*/
