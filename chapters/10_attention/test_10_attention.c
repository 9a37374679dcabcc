/* test_10_attention.c — the grader of chapter 10.
 *
 * One suite per exercise (ex10_K); the suite ch10 checks bad input and carries no points. Golden
 * values come from PyTorch (common/tests/golden/make_attention_golden.py wrote
 * attention_golden.h, shared with the library's tests; PyTorch is not needed here), from the
 * library (common/attention.c, itself checked against PyTorch and centered differences), from
 * values worked out by hand in the comments, or from centered differences with the bound stated.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "10_attention.c"
#endif
#include CHAPTER_SOURCE

#include "gradcheck.h"
#include "tests/capture.h" /* capture_stderr: a function's stderr and exit status */
#include "tests/golden/attention_golden.h"

#include <criterion/criterion.h>

TestSuite(ex10_1, .timeout = 10);
TestSuite(ex10_2, .timeout = 10);
TestSuite(ex10_3, .timeout = 10);
TestSuite(ex10_4, .timeout = 10);
TestSuite(ex10_5, .timeout = 10);
TestSuite(ex10_6, .timeout = 10);
TestSuite(ch10, .timeout = 30);

static void random_fill(float *v, int n, float scale, rng_t *rng)
{
    for (int i = 0; i < n; i++)
        v[i] = scale * rng_normal(rng);
}

/* --- 10.1: scores --------------------------------------------------------------------------- */

/*hint 10.1
1. Which two rows does S[i][j] compare? Which axis of Q and of K does the dot product run over?
2. S[i * Tk + j] = sum over d of Q[i * D + d] * K[j * D + d], and then one more factor.
3. S = Q K^T / sqrt(D): divide by the square root of the key width D (section 10.1 derives why).
*/
/*note 10.1
Without the 1/sqrt(D) the scores have variance D, and with D = 64 the softmax is nearly one-hot
from the first step: its Jacobian p_j (delta_jk - p_k) is then nearly zero and nothing learns.
The library computes all heads' scores with one cblas_sgemm per head (attn_forward); chapter 13's
fused attention (section 13.11) never writes S to memory at all.
*/

Test(ex10_1, worked_by_hand)
{
    /* q = (1, 2, 3, 4); keys (1, 0, 0, 0), (1, 1, 1, 1), (0, 0, 0, -2): dots 1, 10, -8; sqrt(4) = 2 */
    const float Q[4] = {1, 2, 3, 4}, K[12] = {1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, -2};
    float S[3];
    attention_scores(S, Q, K, 1, 3, 4);
    const float want[3] = {0.5f, 5.0f, -4.0f};
    for (int j = 0; j < 3; j++)
        cr_assert_float_eq(S[j], want[j], 1e-6, "S[0][%d]: expected %g, got %g. Hint: the dot product divided by "
                           "sqrt(D) = 2", j, (double)want[j], (double)S[j]);
}

Test(ex10_1, two_queries_three_keys_row_major)
{
    /* Tq = 2 != Tk = 3, D = 1: S[i][j] = q_i k_j / sqrt(1) = q_i k_j, with q = (1, 2), k = (1, 10, 100).
     * S is (Tq, Tk) row-major: row i starts at i * Tk. S starts as NaN, so every entry must be written. */
    const float Q[2] = {1, 2}, K[3] = {1, 10, 100};
    float S[6];
    for (int i = 0; i < 6; i++)
        S[i] = NAN;
    attention_scores(S, Q, K, 2, 3, 1);
    const float want[6] = {1, 10, 100, 2, 20, 200};
    for (int i = 0; i < 6; i++)
        cr_assert(S[i] == want[i], "S[%d][%d] (2 queries, 3 keys, D = 1): expected %g, got %g. Hint: S is (Tq, Tk) "
                  "row-major, S[i][j] is S[i * Tk + j] (the row length is the number of KEYS)", i / 3, i % 3,
                  (double)want[i], (double)S[i]);
}

Test(ex10_1, unit_variance_for_any_width)
{
    /* unit-variance q and k: Var(q . k / sqrt(D)) = 1 for D = 4 and for D = 256 (section 10.1) */
    rng_t rng;
    rng_seed(&rng, 101);
    for (int D = 4; D <= 256; D *= 8) {
        enum { TQ = 40, TK = 50 };
        float *Q = malloc(sizeof(float) * TQ * D), *K = malloc(sizeof(float) * TK * D), S[TQ * TK];
        random_fill(Q, TQ * D, 1, &rng), random_fill(K, TK * D, 1, &rng);
        attention_scores(S, Q, K, TQ, TK, D);
        double v = 0;
        for (int i = 0; i < TQ * TK; i++)
            v += (double)S[i] * S[i];
        v /= TQ * TK;
        cr_assert(v > 0.8 && v < 1.25, "D = %d: the scores' variance should be about 1, got %.3g. Hint: S = Q K^T / "
                  "sqrt(D)", D, v);
        free(Q), free(K);
    }
}

/* --- 10.2: causal mask ---------------------------------------------------------------------- */

/*hint 10.2
1. May position 3 look at itself? At position 2? At position 4?
2. keep[i][j] = 1 when key j is not in query i's future.
3. keep[i * T + j] = (j <= i): the diagonal is kept.
*/
/*note 10.2
The same rule in a batched library is attn_mask_causal (with an offset when there are more keys
than queries, as in chapter 12's generation with a cache of past keys). The diagonal matters:
without it the first position has no key at all, and a GPT could not use the current token.
*/

/*forbid 10.2
-- its twins in common/attention.h: the exercise writes its own
attn_mask_causal
*/

Test(ex10_2, matches_the_library)
{
    for (int T = 1; T <= 6; T++) {
        unsigned char got[36], want[36];
        memset(got, 0xAA, sizeof got); /* neither 0 nor 1: every entry must be written */
        causal_mask(got, T);
        attn_mask_causal(want, T, T);
        for (int i = 0; i < T * T; i++)
            cr_assert_eq(got[i], want[i], "T = %d, query %d key %d: expected %d, got %d. Hint: query i sees keys "
                         "j <= i, itself included; and every entry is written, 0 where the key is in the future", T,
                         i / T, i % T, want[i], got[i]);
    }
}

/* --- 10.3: softmax over rows ---------------------------------------------------------------- */

/*hint 10.3
1. Which index is the key? Each query's weights must sum to one over what?
2. For each row i: m = max_j S[i][j]; P[i][j] = exp(S[i][j] - m) / sum_k exp(S[i][k] - m).
3. A row that is all -INFINITY has m = -INFINITY: S - m is NaN there, so give that row zeros.
*/
/*note 10.3
Subtracting the maximum changes nothing mathematically and everything numerically: the largest
term becomes exp(0) = 1. The same trick, kept as a running maximum updated block by block, is what
lets chapter 13's fused ("flash") attention compute the softmax without ever holding a whole row.
*/

/*forbid 10.3
-- its twins in common/attention.h, common/loss.h, common/sample.h: the exercise writes its own
attn_softmax_rows softmax_forward sample_softmax
*/

Test(ex10_3, matches_the_library_on_a_wide_matrix)
{
    enum { TQ = 3, TK = 5 };
    rng_t rng;
    rng_seed(&rng, 103);
    float S[TQ * TK], got[TQ * TK], want[TQ * TK];
    random_fill(S, TQ * TK, 3, &rng);
    S[7] = -INFINITY; /* a masked entry */
    softmax_rows(got, S, TQ, TK);
    attn_softmax_rows(want, S, TQ, TK);
    for (int i = 0; i < TQ * TK; i++)
        cr_assert_float_eq(got[i], want[i], 1e-6, "P[%d][%d]: expected %g, got %g. Hint: each ROW (one query, "
                           "all keys) sums to 1", i / TK, i % TK, (double)want[i], (double)got[i]);
}

Test(ex10_3, in_place_when_p_is_s)
{
    /* attention_head (10.4) calls softmax_rows(P, P, ...): the result must not depend on P being a separate buffer */
    enum { TQ = 3, TK = 4 };
    rng_t rng;
    rng_seed(&rng, 108);
    float S[TQ * TK], want[TQ * TK];
    random_fill(S, TQ * TK, 2, &rng);
    S[5] = -INFINITY;
    attn_softmax_rows(want, S, TQ, TK);
    softmax_rows(S, S, TQ, TK);
    for (int i = 0; i < TQ * TK; i++)
        cr_assert(fabsf(S[i] - want[i]) < 1e-6f, "in place (P == S), P[%d][%d]: expected %g, got %g. Hint: P may be S "
                  "itself: read each score before writing over it, and do not clear P first", i / TK, i % TK,
                  (double)want[i], (double)S[i]);
}

Test(ex10_3, large_scores_and_fully_masked_rows)
{
    const float S[6] = {1000, 1001, 999, -INFINITY, -INFINITY, -INFINITY};
    float P[6];
    softmax_rows(P, S, 2, 3);
    const double e = exp(1.0), z = 1 + e + 1 / e;
    const double want[3] = {1 / z, e / z, 1 / (e * z)};
    for (int j = 0; j < 3; j++)
        cr_assert(fabs(P[j] - want[j]) < 1e-6, "scores (1000, 1001, 999): P[%d] expected %.6g, got %g. Hint: "
                  "subtract the row's maximum before exp (exp(1000) overflows)", j, want[j], (double)P[j]);
    for (int j = 3; j < 6; j++)
        cr_assert_eq(P[j], 0.0f, "a row with every key masked: expected 0, got %g. Hint: m = -INFINITY there", (double)P[j]);
}

Test(ex10_3, very_negative_rows_and_a_wide_spread)
{
    /* Row 0: (-1000, -999, -1001) is (-1, 0, -2) after subtracting its maximum -999, so
     *   P = (1/e, 1, 1/e^2) / (1 + 1/e + 1/e^2); subtracting 0 instead underflows every exp to 0.
     * Row 1: (0, 200, -50), maximum 200: P = (e^-200, 1, e^-250) / (1 + ...) = (0, 1, 0) to float
     *   precision; subtracting another score than the maximum (the first, 0) leaves exp(200), which
     *   overflows a float (above 88.7). */
    const float S[6] = {-1000, -999, -1001, 0, 200, -50};
    float P[6];
    softmax_rows(P, S, 2, 3);
    const double e = exp(1.0), z = 1 + 1 / e + 1 / (e * e);
    const double want[6] = {1 / (e * z), 1 / z, 1 / (e * e * z), 0, 1, 0};
    for (int j = 0; j < 3; j++)
        cr_assert(fabs(P[j] - want[j]) < 1e-6, "scores (-1000, -999, -1001): P[%d] expected %.6g, got %g. Hint: "
                  "subtract the row's maximum, -999 here: a running maximum started at 0 instead of -INFINITY (or "
                  "no subtraction) leaves exp(-1000), which underflows to 0",
                  j, want[j], (double)P[j]);
    for (int j = 3; j < 6; j++)
        cr_assert(fabs(P[j] - want[j]) < 1e-6, "scores (0, 200, -50): P[%d] expected %.6g, got %g. Hint: subtract "
                  "the row's MAXIMUM (200 here), not another score: exp(200 - 0) overflows", j - 3, want[j],
                  (double)P[j]);
}

Test(ex10_3, the_maximum_in_the_first_or_the_last_column)
{
    /* The other tests' large maxima all sit in column 1. Here: row 0 (200, 0, -50), its maximum in the first
     * column; row 1 (-50, 0, 200), in the last; row 2 (-inf, -inf, 3), only the last key allowed. Each row is
     * (1, 0, 0), (0, 0, 1), (0, 0, 1) to float precision (the others are e^-200 and e^-250 of the maximum's
     * weight). A maximum loop that skips the first or the last key subtracts 0 and exp(200) overflows (inf / inf
     * = NaN), or finds -inf in row 2 and takes it for a fully masked row. */
    const float S[9] = {200, 0, -50, -50, 0, 200, -INFINITY, -INFINITY, 3};
    const float want[9] = {1, 0, 0, 0, 0, 1, 0, 0, 1};
    float P[9];
    softmax_rows(P, S, 3, 3);
    for (int i = 0; i < 9; i++)
        cr_assert(fabsf(P[i] - want[i]) < 1e-6f, "rows (200, 0, -50), (-50, 0, 200), (-inf, -inf, 3): P[%d][%d] "
                  "expected %g, got %g. Hint: the row's maximum runs over EVERY key, j = 0 .. Tk - 1: the first and "
                  "the last included", i / 3, i % 3, (double)want[i], (double)P[i]);
}

/* --- 10.4: one head ------------------------------------------------------------------------- */

/*hint 10.4
1. The four steps of sections 10.1-10.2: scores, mask, softmax, mix. In which order do mask and softmax go?
2. Set the forbidden scores to -INFINITY, then call softmax_rows, then O[i] = sum_j P[i][j] V[j].
3. P = softmax(S with S_ij = -inf where !keep), O = P V. P must be the weights, not the scores.
*/
/*note 10.4
The library's attn_forward is this function for B x H slices at once, with the two products done
by cblas_sgemm. Masking after the softmax would leave rows that no longer sum to one: the query
would silently lose part of its output.
*/

/*forbid 10.4
-- its twins in common/attention.h, common/gpt.h: the exercise writes its own
attn_forward attn_forward_views mha_forward gpt_attend_one
*/

Test(ex10_4, matches_pytorch_with_padding)
{
    /* golden: B=2, H=2 slices; sequence 1 has 3 valid keys out of 4 */
    unsigned char keep[GA_B * GA_TQ * GA_TK];
    attn_mask_padding(keep, GA_LENGTHS, GA_B, GA_TQ, GA_TK);
    for (int n = 0; n < GA_B * GA_H; n++) {
        float O[GA_TQ * GA_DV], P[GA_TQ * GA_TK];
        for (int i = 0; i < GA_TQ * GA_DV; i++)
            O[i] = NAN; /* O is an output: overwritten, never accumulated into */
        attention_head(O, P, GA_Q + n * GA_TQ * GA_D, GA_K + n * GA_TK * GA_D, GA_V + n * GA_TK * GA_DV,
                       keep + (n / GA_H) * GA_TQ * GA_TK, GA_TQ, GA_TK, GA_D, GA_DV);
        for (int i = 0; i < GA_TQ * GA_DV; i++) {
            const float want = GA_O[n * GA_TQ * GA_DV + i];
            cr_assert(fabsf(O[i] - want) < 1e-5f, "slice %d (sequence %d, %s), O[%d][%d]: expected %.6g (PyTorch), got "
                      "%.6g. Hint: -inf on the masked scores BEFORE the softmax; O = P V, each entry written (=), "
                      "not added to (+=) a buffer that holds anything", n, n / GA_H,
                      n / GA_H ? "last key padded" : "no padding", i / GA_DV, i % GA_DV, (double)want, (double)O[i]);
        }
        for (int i = 0; i < GA_TQ; i++) {
            double s = 0;
            for (int j = 0; j < GA_TK; j++)
                s += P[i * GA_TK + j];
            cr_assert(fabs(s - 1) < 1e-5, "slice %d: row %d of P sums to %.6g, expected 1", n, i, s);
        }
    }
}

Test(ex10_4, causal_matches_the_library)
{
    enum { T = 5, D = 3, DV = 2 };
    rng_t rng;
    rng_seed(&rng, 104);
    float Q[T * D], K[T * D], V[T * DV], O[T * DV], P[T * T], want[T * DV];
    random_fill(Q, T * D, 1, &rng), random_fill(K, T * D, 1, &rng), random_fill(V, T * DV, 1, &rng);
    unsigned char keep[T * T];
    attn_mask_causal(keep, T, T);
    for (int i = 0; i < T * DV; i++)
        O[i] = NAN; /* O is an output: overwritten, never accumulated into */
    attention_head(O, P, Q, K, V, keep, T, T, D, DV);
    attn_cache_t c = attn_cache_new(1, 1, T, T, D, DV);
    attn_forward(want, &c, Q, K, V, NULL, 1);
    attn_cache_free(&c);
    for (int i = 0; i < T * DV; i++)
        cr_assert(fabsf(O[i] - want[i]) < 1e-5f, "causal, O[%d][%d]: expected %.6g, got %.6g. Hint: query 0 sees "
                  "key 0 only, so O[0] = V[0]; O is written (=), not added to (+=)", i / DV, i % DV, (double)want[i],
                  (double)O[i]);
}

enum { NM_TQ = 3, NM_TK = 4, NM_D = 3, NM_DV = 2 };
typedef struct {
    float Q[NM_TQ * NM_D], K[NM_TK * NM_D], V[NM_TK * NM_DV], O[NM_TQ * NM_DV], P[NM_TQ * NM_TK];
} no_mask_case;

static void no_mask_run(void *p)
{
    no_mask_case *c = p;
    attention_head(c->O, c->P, c->Q, c->K, c->V, NULL, NM_TQ, NM_TK, NM_D, NM_DV);
}

Test(ex10_4, no_mask_when_keep_is_null)
{
    /* keep = NULL means every key is allowed: the library's attn_forward without a mask, on a non-square head.
     * A first run in a child process, so that reading keep[i] through NULL fails with a hint, not a crash. */
    enum { TQ = NM_TQ, TK = NM_TK, D = NM_D, DV = NM_DV };
    rng_t rng;
    rng_seed(&rng, 107);
    no_mask_case nm;
    float *Q = nm.Q, *K = nm.K, *V = nm.V, *O = nm.O, *P = nm.P, want[TQ * DV];
    random_fill(Q, TQ * D, 1, &rng), random_fill(K, TK * D, 1, &rng), random_fill(V, TK * DV, 1, &rng);
    char err[1024];
    int st = capture_stderr(no_mask_run, &nm, err, sizeof err);
    if (st == 3) /* the stub's TODO (status 3): run it here, so that it reports the exercise as not written */
        no_mask_run(&nm);
    cr_assert_eq(st, 0, "attention_head with keep = NULL stopped with status %d (139 is a crash). Hint: keep may be "
                 "NULL, meaning no mask: test it before reading keep[i]. stderr: %s", st, err);
    for (int i = 0; i < TQ * DV; i++)
        O[i] = NAN;
    attention_head(O, P, Q, K, V, NULL, TQ, TK, D, DV);
    attn_cache_t c = attn_cache_new(1, 1, TQ, TK, D, DV);
    attn_forward(want, &c, Q, K, V, NULL, 0);
    attn_cache_free(&c);
    for (int i = 0; i < TQ * DV; i++)
        cr_assert(fabsf(O[i] - want[i]) < 1e-5f, "keep = NULL (no mask), O[%d][%d]: expected %.6g, got %.6g. Hint: "
                  "keep may be NULL, and then no score is masked", i / DV, i % DV, (double)want[i], (double)O[i]);
}

/* --- 10.5: the softmax's backward ------------------------------------------------------------ */

/*hint 10.5
1. Raising score k raises p_k and lowers every other p_j. Which term of your gradient accounts for
   the others?
2. The Jacobian of one row is dp_j/ds_k = p_j (delta_jk - p_k). Multiply by dP and sum over j.
3. dS[i][k] = P[i][k] * (dP[i][k] - sum_j P[i][j] dP[i][j]).
*/
/*note 10.5
The same expression is softmax_backward in common/loss.c (chapter 2's classifier) and the middle
step of attn_backward. The sum is a dot product per row: FlashAttention's fused backward computes
it once per row, before the blocks, from O and dO (sum_j P_ij dP_ij = O_i . dO_i); chapter 13
fuses the forward pass only (section 13.11).
*/

/*forbid 10.5
-- its twins in common/attention.h, common/loss.h: the exercise writes its own
attn_backward attn_backward_views softmax_backward
*/

typedef struct {
    float S[12], P[12], R[12];
} sm_ctx_t;

static double sm_loss(void *p)
{
    sm_ctx_t *c = p;
    attn_softmax_rows(c->P, c->S, 3, 4);
    return gradcheck_dot(c->P, c->R, 12);
}

Test(ex10_5, matches_centered_differences)
{
    sm_ctx_t c;
    rng_t rng;
    rng_seed(&rng, 105);
    random_fill(c.S, 12, 1.5f, &rng);
    gradcheck_random_upstream(c.R, 12, &rng);
    sm_loss(&c);
    float dS[12];
    softmax_rows_backward(dS, c.P, c.R, 3, 4);
    /* smooth, float32, h = 1e-2: a correct gradient is below 1e-3 relative; the bound is 1e-2 */
    double err = gradcheck_max_rel_error(sm_loss, &c, c.S, dS, 12, 1e-2f);
    cr_assert(err <= 1e-2, "relative error %.3g against centered differences of L = sum(P * R), bound 1e-2. "
              "Hint: dS = P * (dP - rowsum(P * dP))", err);
}

Test(ex10_5, matches_the_library)
{
    enum { TQ = 4, TK = 6 };
    rng_t rng;
    rng_seed(&rng, 106);
    float S[TQ * TK], P[TQ * TK], dP[TQ * TK], got[TQ * TK], want[TQ * TK];
    random_fill(S, TQ * TK, 2, &rng), random_fill(dP, TQ * TK, 1, &rng);
    attn_softmax_rows(P, S, TQ, TK);
    softmax_rows_backward(got, P, dP, TQ, TK);
    softmax_backward(want, dP, P, TQ, TK);
    for (int i = 0; i < TQ * TK; i++)
        cr_assert(fabsf(got[i] - want[i]) < 1e-5f, "dS[%d][%d]: expected %.6g, got %.6g. Hint: the subtracted term "
                  "is the P-weighted sum of dP over the row", i / TK, i % TK, (double)want[i], (double)got[i]);
}

/* --- 10.6: the sinusoidal table -------------------------------------------------------------- */

/*hint 10.6
1. Feature 2i and feature 2i+1 share one frequency. Which of the two is the sine?
2. angle = t / 10000^(2i / E), for i = 0 .. E/2 - 1; in C 2.0 * i / E (2 * i / E is an int, 0).
3. table[t][2i] = sin(angle), table[t][2i+1] = cos(angle); at t = 0 the row is 0, 1, 0, 1, ...
*/
/*note 10.6
Because sin and cos of (t + k) w are a rotation of those of t w, "k positions back" is one linear
map for every t. Learned tables (what this chapter's model and chapter 12's GPT train) do as well
in-range but have nothing to say beyond their last row; rotary encodings build the rotation into
the queries and keys directly.
*/

/*forbid 10.6
-- its twins in common/attention.h: the exercise writes its own
posenc_sinusoidal
*/

Test(ex10_6, matches_pytorch)
{
    float table[GP_T * GP_E];
    sinusoidal_table(table, GP_T, GP_E);
    for (int i = 0; i < GP_T * GP_E; i++)
        cr_assert(fabsf(table[i] - GP_TABLE[i]) < 1e-6f, "table[%d][%d]: expected %.6g (PyTorch), got %.6g. Hint: "
                  "sin on even features, cos on odd ones, angle t / 10000^(2i/E)", i / GP_E, i % GP_E,
                  (double)GP_TABLE[i], (double)table[i]);
}

Test(ex10_6, wide_table_matches_the_library)
{
    enum { T = 40, E = 64 };
    static float got[T * E + E], want[T * E]; /* one guard row after the table: nothing may be written there */
    for (int i = T * E; i < T * E + E; i++)
        got[i] = -7;
    sinusoidal_table(got, T, E);
    posenc_sinusoidal(want, T, E);
    int past = -1;
    for (int i = T * E; i < T * E + E && past < 0; i++)
        past = got[i] != -7 ? i - T * E : -1;
    cr_assert(past < 0, "a table of %d x %d: the float at offset %d past its end was overwritten. Hint: E "
              "features are E/2 pairs (2i, 2i + 1), so i runs while 2i < E, not up to E", T, E, past);
    for (int i = 0; i < T * E; i++)
        cr_assert(fabsf(got[i] - want[i]) < 1e-5f, "table[%d][%d]: expected %.6g, got %.6g. Hint: even features "
                  "sin, odd ones cos, of t / 10000^(2i/E) (row 0 is 0, 1, 0, 1, ...)", i / E, i % E,
                  (double)want[i], (double)got[i]);
}

/* --- bad input (no points) ------------------------------------------------------------------- */

static void too_long(void *arg)
{
    (void)arg;
    rng_t rng;
    rng_seed(&rng, 1);
    attn_model_t m;
    if (attn_model_init(&m, 8, 4, &rng) != 0) /* sequences of 8, a table of 4 positions */
        exit(1);
    int ids[BATCH * 8] = {0};
    exit(isnan(attn_model_forward(&m, ids, ids, 1)) ? 7 : 0);
}

Test(ch10, a_sequence_longer_than_the_positional_table_is_an_error)
{
    char err[2048];
    int st = capture_stderr(too_long, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "8 positions with a table of 4: expected an error, status %d; stderr: %s", st, err);
    cr_assert(strstr(err, "longer than the positional table") && strstr(err, "T <= 4") && strstr(err, "T = 8"),
              "message: %s", err);
}

static void bad_mask(void *arg)
{
    (void)arg;
    attn_cache_t c = attn_cache_new(1, 2, 4, 4, 3, 3);
    unsigned char keep[3 * 3] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    attn_mask_t mask = {keep, 1, 3, 3}; /* 3 x 3 for 4 queries and 4 keys */
    float Q[2 * 4 * 3] = {0}, O[2 * 4 * 3];
    exit(attn_forward(O, &c, Q, Q, Q, &mask, 0) == -1 ? 7 : 0);
}

Test(ch10, a_mask_of_the_wrong_shape_is_an_error)
{
    char err[2048];
    int st = capture_stderr(bad_mask, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "a 3x3 mask for 4 queries and 4 keys: expected -1, status %d; stderr: %s", st, err);
    cr_assert(strstr(err, "wrong shape") && strstr(err, "(1, 3, 3)"), "message: %s", err);
}
