/* test_12_transformer.c — the grader of chapter 12.
 *
 * One suite per exercise (ex12_K); the suite ch12 checks the tokenizer and bad input (no points).
 * References: the library (common/norm.c's layernorm_backward, common/gpt.c's gpt_backward,
 * common/attention.c's causal attention, all checked against PyTorch and centered differences in
 * common/tests), centered differences with the bound stated, and values worked out by hand in the
 * comments.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "12_transformer.c"
#endif
#include CHAPTER_SOURCE

#include "gradcheck.h"
#include "tests/capture.h" /* capture_stderr: a function's stderr and exit status */

#include <criterion/criterion.h>

TestSuite(ex12_1, .timeout = 10);
TestSuite(ex12_2, .timeout = 10);
TestSuite(ex12_3, .timeout = 10);
TestSuite(ex12_4, .timeout = 10);
TestSuite(ex12_5, .timeout = 10);
TestSuite(ex12_6, .timeout = 10);
TestSuite(ex12_7, .timeout = 10);
TestSuite(ch12, .timeout = 30);

static void fill(float *v, int n, float scale, float shift, rng_t *rng)
{
    for (int i = 0; i < n; i++)
        v[i] = shift + scale * rng_normal(rng);
}

/* --- 12.1: layer norm backward ------------------------------------------------------------------ */

/*hint 12.1
1. Every xhat_j of a row depends on every x_i of that row, through the mean and through rstd. Which two sums does that leave in dx_i?
2. With ghat_i = dy_i gamma_i: dx_i = rstd / D * (D ghat_i - sum_j ghat_j - xhat_i sum_j ghat_j xhat_j). dgamma and dbeta are sums over the rows.
3. Check: the entries of dx in one row add up to 0 (shifting the whole row changes nothing after the mean is subtracted). If yours do not, the sum_j ghat_j term is missing.
*/
/*note 12.1
The two sums are the mean's and the variance's share of the gradient; without them layer norm's
backward would be that of a fixed affine map, and training would push the stream in directions
the normalization then throws away. In a transformer, layer norm's backward is memory-bound (a few
operations per number read): chapter 13 (section 13.10) does each row in one kernel from two sums.
*/

/*forbid 12.1
-- its twins in common/norm.h: the exercise writes its own
layernorm_backward
*/

typedef struct {
    float x[3 * 6], gamma[6], beta[6], R[3 * 6], y[3 * 6], mean[3], rstd[3];
} lnctx_t;

static double ln_loss(void *p)
{
    lnctx_t *c = p;
    layernorm_forward(c->y, c->mean, c->rstd, c->x, c->gamma, c->beta, 3, 6, 1e-5f);
    return gradcheck_dot(c->y, c->R, 18);
}

Test(ex12_1, matches_centered_differences)
{
    static lnctx_t c;
    rng_t rng;
    rng_seed(&rng, 21);
    fill(c.x, 18, 2.0f, 1.0f, &rng), fill(c.gamma, 6, 0.5f, 1.0f, &rng), fill(c.beta, 6, 1.0f, 0, &rng);
    gradcheck_random_upstream(c.R, 18, &rng);
    ln_loss(&c);
    float dx[18], dg[6], db[6];
    layer_norm_backward(dx, dg, db, c.R, c.x, c.mean, c.rstd, c.gamma, 3, 6);
    /* float32 forward, h = 1e-2 on inputs of size ~2: relative error <= 1e-2 */
    double ex = gradcheck_max_rel_error(ln_loss, &c, c.x, dx, 18, 1e-2f);
    double eg = gradcheck_max_rel_error(ln_loss, &c, c.gamma, dg, 6, 1e-2f);
    double eb = gradcheck_max_rel_error(ln_loss, &c, c.beta, db, 6, 1e-2f);
    cr_assert(ex <= 1e-2, "dx: relative error %.3g against centered differences, bound 1e-2. Hint: dx_i = rstd/D "
              "(D ghat_i - sum ghat - xhat_i sum ghat xhat): are both sums there?", ex);
    cr_assert(eg <= 1e-2 && eb <= 1e-2, "dgamma %.3g, dbeta %.3g relative error, bound 1e-2. Hint: dgamma = sum over "
              "rows of dy * xhat, dbeta = sum of dy", eg, eb);
}

Test(ex12_1, rows_of_dx_sum_to_zero_and_match_the_library)
{
    enum { N = 4, D = 8 };
    rng_t rng;
    rng_seed(&rng, 22);
    float x[N * D], dy[N * D], g[D], b[D], y[N * D], mean[N], rstd[N];
    float dx[N * D], dg[D], db[D], dxl[N * D], dgl[D], dbl[D];
    fill(x, N * D, 3.0f, -1.0f, &rng), fill(dy, N * D, 1.0f, 0.5f, &rng), fill(g, D, 0.3f, 1.0f, &rng);
    fill(b, D, 1.0f, 0, &rng);
    layernorm_forward(y, mean, rstd, x, g, b, N, D, 1e-5f);
    /* all three are overwritten, not accumulated: fill them with 0x7f7f7f7f = 3.4e38 first */
    memset(dx, 0x7f, sizeof dx), memset(dg, 0x7f, sizeof dg), memset(db, 0x7f, sizeof db);
    layer_norm_backward(dx, dg, db, dy, x, mean, rstd, g, N, D);
    layernorm_backward(dxl, dgl, dbl, dy, x, mean, rstd, g, N, D);
    int stale = 0;
    for (int i = 0; i < N * D; i++)
        stale += !(fabsf(dx[i]) < 1e30f);
    for (int i = 0; i < D; i++)
        stale += !(fabsf(dg[i]) < 1e30f) + !(fabsf(db[i]) < 1e30f);
    cr_assert_eq(stale, 0, "%d entries of dx, dgamma, dbeta still hold (about) the 3.4e38 the buffers held before the "
                 "call. Hint: all three are overwritten: dx[i] = ..., not +=, and dgamma, dbeta are set to 0 before "
                 "the sum over the rows", stale);
    for (int n = 0; n < N; n++) {
        double s = 0;
        for (int i = 0; i < D; i++)
            s += dx[n * D + i];
        cr_assert(fabs(s) < 1e-4, "row %d of dx sums to %.5g, expected 0. Hint: the -sum_j ghat_j term (the mean's "
                  "share, with ghat_j = dy_j gamma_j) makes every row sum to zero", n, s);
    }
    for (int i = 0; i < N * D; i++)
        cr_assert(fabsf(dx[i] - dxl[i]) < 1e-4f, "dx[%d]: expected %.6g (common/norm.c), got %.6g. Hint: the "
                  "-xhat_i sum_j ghat_j xhat_j term is the variance's share", i, (double)dxl[i], (double)dx[i]);
    for (int i = 0; i < D; i++)
        cr_assert(fabsf(dg[i] - dgl[i]) < 1e-4f && fabsf(db[i] - dbl[i]) < 1e-4f, "dgamma[%d] %.6g (expected %.6g), "
                  "dbeta[%d] %.6g (expected %.6g). Hint: dgamma = sum over the rows of dy * xhat (dy, not ghat = "
                  "dy gamma), dbeta = sum of dy: zero them, then sum over every row", i, (double)dg[i],
                  (double)dgl[i], i, (double)db[i], (double)dbl[i]);
}

/* --- 12.2: the tied table's gradient ------------------------------------------------------------ */

/*hint 12.2
1. wte is used twice in the forward pass. What does the chain rule do with the gradients of two uses of one variable?
2. The output's share is dlogits^T h, a (V, C) product; the embedding's share adds row n of dx0 into row ids[n], for every n.
3. dwte = dlogits^T h (matmul_blas(1, 0, V, C, N, 1, dlogits, h, 0, dwte)), then dwte[ids[n]] += dx0[n] for n = 0..N-1 (+=: a token may occur several times).
*/
/*note 12.2
Forgetting one of the two terms still trains (each alone is a gradient of something), which is why
this bug survives in real code: the loss just ends a little higher. The check against the
library's whole backward pass is what catches it. Tying saves V C parameters: for GPT-2 small,
38 million of its 124 million.
*/

/*forbid 12.2
-- its twins in common/embedding.h: the exercise writes its own
embedding_backward
*/

Test(ex12_2, equals_the_whole_backward_pass)
{
    const gpt_config_t cfg = {9, 7, 2, 2, 8};
    rng_t rng;
    rng_seed(&rng, 31);
    gpt_t m;
    gpt_acts_t a;
    cr_assert_eq(gpt_init(&m, &cfg, &rng), 0);
    for (size_t i = 0; i < m.n; i++)
        m.params[i] += 0.2f * rng_normal(&rng);
    cr_assert_eq(gpt_acts_new(&a, &cfg, 2, 7), 0);
    int ids[14], tg[14];
    for (int i = 0; i < 14; i++)
        ids[i] = i % 3, tg[i] = (int)rng_below(&rng, 9); /* tokens 0, 1, 2 repeated */
    gpt_forward(&a, &m, ids, 2, 7);
    gpt_loss(&a, &m, tg);
    gpt_backward(&m, &a, a.dlogits, ids);
    float dwte[9 * 8];
    tied_embedding_backward(dwte, a.dlogits, a.lnf, a.dres, ids, 14, 9, 8);
    for (int i = 0; i < 9 * 8; i++)
        cr_assert(fabsf(dwte[i] - m.g.wte[i]) <= 1e-5f * (1 + fabsf(m.g.wte[i])),
                  "dwte[%d] (token %d): expected %.6g (gpt_backward), got %.6g. Hint: %s", i, i / 8,
                  (double)m.g.wte[i], (double)dwte[i],
                  i / 8 < 3 ? "this token occurs several times: are its rows of dx0 added (+=)?"
                            : "this token never occurs in the input: only the output product reaches it");
    gpt_acts_free(&a);
    gpt_free(&m);
}

Test(ex12_2, worked_by_hand)
{
    /* N = 2 rows, V = 2, C = 1: dlogits = [[1, 0], [0, 2]], h = [3, 5]: dlogits^T h = [3, 10];
     * dx0 = [7, 11] at ids [1, 1]: row 1 gets 18. dwte = [3, 28]. */
    const float dl[4] = {1, 0, 0, 2}, h[2] = {3, 5}, dx0[2] = {7, 11};
    const int ids[2] = {1, 1};
    float dwte[2] = {-1, -1};
    tied_embedding_backward(dwte, dl, h, dx0, ids, 2, 2, 1);
    cr_assert(fabsf(dwte[0] - 3) < 1e-6f && fabsf(dwte[1] - 28) < 1e-6f, "expected dwte = [3, 28], got [%g, %g]. "
              "Hint: 28 = 10 from the output product + 7 + 11 from the two uses of token 1 as input; and dwte is "
              "overwritten (it held -1 before the call: beta = 0 in the product)",
              (double)dwte[0], (double)dwte[1]);
}

/* --- 12.3: top-k -------------------------------------------------------------------------------- */

/*hint 12.3
1. Which entries of p survive? How do you know whether p_i is among the k largest without sorting?
2. p_i survives when fewer than k entries rank before it (larger, or equal with a lower index); the rest become 0, then divide by the kept mass.
3. q_i = p_i / sum_{kept} p_j for the k kept, 0 otherwise; with k = 2 and p = (0.1, 0.4, 0.2, 0.3): q = (0, 4/7, 0, 3/7).
*/
/*note 12.3
Top-k is what GPT-2's first public samples used (k = 40). Its weakness is that k ignores how sure
the model is; top-p, the next exercise, adapts. Filters compose: temperature first (it changes
which tokens are likely), then top-k, then top-p, as the program does.
*/

Test(ex12_3, worked_by_hand)
{
    const float p[4] = {0.1f, 0.4f, 0.2f, 0.3f};
    float q[4] = {9, 9, 9, 9}; /* every q is written: 9 must not survive */
    top_k_filter(q, p, 4, 2);
    const float want[4] = {0, 4.0f / 7, 0, 3.0f / 7};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want[i]) < 1e-6f, "k = 2, p = (0.1, 0.4, 0.2, 0.3): q[%d] expected %.5g, got %.5g. "
                  "Hint: keep exactly the 2 largest, then renormalize; a dropped symbol's q is set to 0 (q held 9 "
                  "before the call)", i, (double)want[i], (double)q[i]);
    const float u[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    for (int i = 0; i < 4; i++)
        q[i] = 9;
    top_k_filter(q, u, 4, 3);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - (i < 3 ? 1.0f / 3 : 0)) < 1e-6f, "ties, k = 3: q[%d] = %.5g, expected %.5g. Hint: "
                  "on ties the lower index ranks first, and exactly k survive", i, (double)q[i], i < 3 ? 1.0 / 3 : 0.0);
    top_k_filter(q, p, 4, 4);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - p[i]) < 1e-6f, "k = V keeps p unchanged: q[%d] = %.5g, p = %.5g", i, (double)q[i],
                  (double)p[i]);
}

Test(ex12_3, k_above_v_keeps_everything)
{
    /* k >= V keeps everything (the task says so), and k = V is tested above; k = 6 > V = 4 must also give q = p
     * (p sums to 1 exactly: 0.125 + 0.5 + 0.25 + 0.125), each symbol kept once. */
    const float p[4] = {0.125f, 0.5f, 0.25f, 0.125f};
    float q[4] = {9, 9, 9, 9};
    top_k_filter(q, p, 4, 6);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - p[i]) < 1e-6f, "k = 6 > V = 4 keeps every symbol, q = p: q[%d] expected %.5g, got "
                  "%.5g. Hint: k >= V keeps everything, each symbol once: a loop of k rounds has nothing left to "
                  "pick after V of them", i, (double)p[i], (double)q[i]);
}

/* --- 12.4: top-p -------------------------------------------------------------------------------- */

/*hint 12.4
1. Sort the symbols from most to least probable. Where do you stop adding them?
2. Stop at the first symbol whose addition makes the running sum reach top_p, and keep that symbol: the kept mass must be at least top_p.
3. p = (0.15, 0.5, 0.05, 0.3), top_p = 0.7: 0.5, then 0.5 + 0.3 = 0.8 >= 0.7, stop: q = (0, 0.625, 0, 0.375).
*/
/*note 12.4
The nucleus is small when the model is confident ("the LOR" -> "D" alone) and wide when many
continuations are plausible: the adaptive cut top-k lacks. Holtzman et al. (2020) showed that
pure sampling's tail, not its head, is what makes long samples degenerate; p = 0.9 to 0.95 is usual.
*/

Test(ex12_4, keeps_the_crossing_symbol)
{
    const float p[4] = {0.15f, 0.5f, 0.05f, 0.3f};
    float q[4] = {9, 9, 9, 9}; /* every q is written: 9 must not survive */
    int order[4];
    top_p_filter(q, order, p, 4, 0.7f);
    const float want[4] = {0, 0.625f, 0, 0.375f};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want[i]) < 1e-6f, "top_p 0.7 on p = (0.15, 0.5, 0.05, 0.3): q[%d] expected %.5g, got "
                  "%.5g. Hint: %s", i, (double)want[i], (double)q[i],
                  q[i] == 9 ? "q held 9 before the call: every symbol outside the nucleus is set to 0"
                            : "0.5 alone is below 0.7; 0.5 + 0.3 crosses it, and the crossing symbol stays");
    top_p_filter(q, order, p, 4, 0.95f);
    const float want2[4] = {0.15f / 0.95f, 0.5f / 0.95f, 0, 0.3f / 0.95f};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want2[i]) < 1e-6f, "top_p 0.95: q[%d] expected %.5g, got %.5g. Hint: 0.5 + 0.3 + 0.15 "
                  "= 0.95 reaches 0.95: three symbols, renormalized", i, (double)want2[i], (double)q[i]);
}

Test(ex12_4, one_symbol_when_sure_all_when_p_is_one)
{
    const float p[5] = {0.02f, 0.9f, 0.03f, 0.04f, 0.01f};
    float q[5] = {9, 9, 9, 9, 9}; /* every q is written: 9 must not survive */
    int order[5];
    top_p_filter(q, order, p, 5, 0.5f);
    for (int i = 0; i < 5; i++)
        cr_assert(fabsf(q[i] - (i == 1 ? 1.0f : 0.0f)) < 1e-6f, "top_p 0.5 with one symbol at 0.9: q[%d] = %.5g, "
                  "expected %g. Hint: %s", i, (double)q[i], i == 1 ? 1.0 : 0.0,
                  q[i] == 9 ? "q held 9 before the call: every symbol outside the nucleus is set to 0"
                            : "the first symbol already crosses 0.5; keep it and renormalize");
    top_p_filter(q, order, p, 5, 1.0f);
    double s = 0;
    for (int i = 0; i < 5; i++)
        s += q[i];
    cr_assert(fabs(s - 1) < 1e-5 && q[4] > 0, "top_p 1 keeps every symbol (sum %.6g, q[4] = %.3g). Hint: stop only "
              "when the sum reaches top_p", s, (double)q[4]);
}

Test(ex12_4, a_sum_just_below_one_stops_after_v_symbols)
{
    /* p = (0.02, 0.9, 0.03, 0.04, 0.01) in float sums (in double, largest first) to 0.99999997 < 1: with
     * top_p = 1 the running sum never reaches top_p, and the loop must end because all V symbols are kept.
     * The buffers have a sixth entry past V: order[5] = 5 (an index past p), p[5] = 0.25 and q[5] = -7.
     * A loop bounded only by the sum reads order[5] and p[5], keeps a sixth "symbol" (the sum becomes 1.25)
     * and writes q[5]. */
    const float p[6] = {0.02f, 0.9f, 0.03f, 0.04f, 0.01f, 0.25f};
    float q[6] = {9, 9, 9, 9, 9, -7};
    int order[6] = {5, 5, 5, 5, 5, 5};
    double sum = 0;
    for (int i = 0; i < 5; i++)
        sum += p[i];
    top_p_filter(q, order, p, 5, 1.0f);
    for (int i = 0; i < 5; i++)
        cr_assert(fabs(q[i] - p[i] / sum) < 1e-6, "top_p 1 on p = (0.02, 0.9, 0.03, 0.04, 0.01), which sums to "
                  "0.99999997 in float: q[%d] expected %.6g, got %.6g. Hint: %s", i, p[i] / sum, (double)q[i],
                  q[5] != -7.0f ? "the sum of the V probabilities can stay just below top_p = 1: stop after the "
                                  "V-th symbol (kept < V), or the loop reads order[V] and p beyond the end"
                                : "top_p >= 1 keeps every symbol");
    cr_assert(q[5] == -7.0f, "top_p 1 on 5 symbols wrote q[5] (= %g), past the end of q. Hint: the sum of the V "
              "probabilities can stay just below top_p = 1: stop after the V-th symbol (kept < V)", (double)q[5]);
}

Test(ex12_4, stops_on_reaching_top_p_and_breaks_ties_by_index)
{
    /* Powers of two, so the sums are exact. p = (0.25, 0.5, 0.125, 0.125), top_p = 0.75: 0.5 + 0.25 = 0.75
     * reaches top_p exactly, so the nucleus is {1, 0}: q = (1/3, 2/3, 0, 0). Going on while the sum is
     * <= top_p would add a third symbol. */
    const float p[4] = {0.25f, 0.5f, 0.125f, 0.125f};
    float q[4];
    int order[4];
    top_p_filter(q, order, p, 4, 0.75f);
    const float want[4] = {1.0f / 3, 2.0f / 3, 0, 0};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want[i]) < 1e-6f, "top_p 0.75 on p = (0.25, 0.5, 0.125, 0.125): q[%d] expected %.5g, "
                  "got %.5g. Hint: 0.5 + 0.25 = 0.75 is AT LEAST 0.75: stop there (keep adding only while the sum "
                  "is < top_p)", i, (double)want[i], (double)q[i]);
    /* p = (0.25, 0.5, 0.25, 0): 0.5, then one of the two 0.25 crosses 0.6: the lower index, 0 */
    const float t[4] = {0.25f, 0.5f, 0.25f, 0.0f};
    top_p_filter(q, order, t, 4, 0.6f);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want[i]) < 1e-6f, "top_p 0.6 on p = (0.25, 0.5, 0.25, 0): q[%d] expected %.5g, got "
                  "%.5g. Hint: symbols 0 and 2 tie at 0.25 and only one is needed: on ties the lower index comes "
                  "first in the order (a stable sort: move an entry only past strictly smaller ones)", i,
                  (double)want[i], (double)q[i]);
}

/* --- 12.5: cached attention --------------------------------------------------------------------- */

/*hint 12.5
1. Which rows of the cache may the new query look at, and which of them did this call write?
2. Write row pos of K and V first; then scores over j = 0..pos (pos + 1 of them, the new one included), softmax, sum of the rows of V.
3. scores_j = q . K_j / sqrt(Dh) for j <= pos; out = sum_j softmax(scores)_j V_j. At pos = 0, out = v_new exactly.
*/
/*note 12.5
With the cache, a new token costs one row of every product and attention over t cached rows:
O(t C) instead of a full forward on t tokens. The price is memory: 2 L T C floats per sequence,
which for long contexts and many users is what limits a server (section 12.9: one cache per sequence).
*/

/*forbid 12.5
-- its twins in common/gpt.h: the exercise writes its own
gpt_attend_one gpt_kv_step
*/

Test(ex12_5, step_by_step_equals_full_causal_attention)
{
    enum { T = 7, DH = 4 };
    rng_t rng;
    rng_seed(&rng, 51);
    float Q[T * DH], K[T * DH], V[T * DH], O[T * DH], Kc[T * DH], Vc[T * DH], out[DH], sc[T];
    fill(Q, T * DH, 2.0f, 0, &rng), fill(K, T * DH, 2.0f, 0, &rng), fill(V, T * DH, 1.0f, 0, &rng);
    for (int i = 0; i < T * DH; i++)
        Kc[i] = 5.0f, Vc[i] = 100.0f; /* stale rows from an earlier prompt */
    attn_cache_t c = attn_cache_new(1, 1, T, T, DH, DH);
    attn_forward(O, &c, Q, K, V, NULL, 1);
    attn_cache_free(&c);
    for (int t = 0; t < T; t++) {
        kv_attend(out, sc, Kc, Vc, Q + t * DH, K + t * DH, V + t * DH, t, DH);
        for (int d = 0; d < DH; d++)
            cr_assert(fabsf(out[d] - O[t * DH + d]) < 1e-5f, "position %d, out[%d]: expected %.6g (full causal "
                      "attention), got %.6g. Hint: %s", t, d, (double)O[t * DH + d], (double)out[d],
                      fabsf(out[d]) > 20 ? "a stale value of 100 got in: write row pos of V and attend only rows 0..pos"
                                         : "rows 0..pos, the new one included, scores divided by sqrt(Dh)");
    }
}

Test(ex12_5, worked_by_hand)
{
    /* Dh = 4, pos = 1: K_0 = 0 (score 0), K_1 = (2, 0, 0, 0) with q = (1, 0, 0, 0): score 2 / sqrt(4) = 1.
     * softmax(0, 1) = (1, e) / (1 + e); V_0 = (1, 0, 0, 0), V_1 = (0, 1, 0, 0). */
    float K[3 * 4] = {0}, V[3 * 4] = {1, 0, 0, 0}, out[4] = {7, 7, 7, 7}, sc[3]; /* out is overwritten */
    const float q[4] = {1, 0, 0, 0}, k1[4] = {2, 0, 0, 0}, v1[4] = {0, 1, 0, 0};
    K[8] = 9, V[9] = 9; /* row 2: stale */
    kv_attend(out, sc, K, V, q, k1, v1, 1, 4);
    const float e = expf(1.0f), w0 = 1 / (1 + e), w1 = e / (1 + e);
    cr_assert(fabsf(out[0] - w0) < 1e-6f && fabsf(out[1] - w1) < 1e-6f && fabsf(out[2]) < 1e-6f,
              "expected out = (%.5f, %.5f, 0, 0), got (%.5f, %.5f, %.5f, %.5f). Hint: the score of key 1 is "
              "q.k / sqrt(Dh) = 2 / 2 = 1, only rows 0 and 1 count, row 1 of V must now hold v_new, and out is "
              "overwritten (it held 7 before the call: set it to 0 before the weighted sum)", (double)w0, (double)w1,
              (double)out[0], (double)out[1], (double)out[2], (double)out[3]);
}

Test(ex12_5, large_scores_need_the_stable_softmax)
{
    /* Dh = 4, q = (100, 0, 0, 0), K_0 = (2, 0, 0, 0), k_new = (1, 0, 0, 0) at pos = 1: scores 200 / 2 = 100
     * and 100 / 2 = 50. expf(100) overflows a float (its largest is about 3.4e38 = e^88.7), so a softmax
     * without the maximum subtracted gives inf / inf = NaN. The weights are 1 / (1 + e^-50) and
     * e^-50 / (1 + e^-50) = 2e-22: out = V_0 = (1, 0, 0, 0) to float precision. */
    float K[2 * 4] = {2, 0, 0, 0}, V[2 * 4] = {1, 0, 0, 0}, out[4], sc[2];
    const float q[4] = {100, 0, 0, 0}, k1[4] = {1, 0, 0, 0}, v1[4] = {0, 1, 0, 0};
    kv_attend(out, sc, K, V, q, k1, v1, 1, 4);
    cr_assert(fabsf(out[0] - 1) < 1e-6f && fabsf(out[1]) < 1e-6f && fabsf(out[2]) < 1e-6f && fabsf(out[3]) < 1e-6f,
              "scores 100 and 50: expected out = (1, 0, 0, 0), got (%g, %g, %g, %g). Hint: expf(100) overflows a "
              "float; subtract the largest score before expf (a stable softmax: the weights do not change)",
              (double)out[0], (double)out[1], (double)out[2], (double)out[3]);
}

Test(ex12_5, the_largest_score_may_be_the_new_key)
{
    /* Dh = 4, q = (100, 0, 0, 0), K_0 = 0 (score 0) and k_new = (2, 0, 0, 0) at pos = 1 (score 200 / 2 = 100): the
     * largest score is the NEW key's. The weights are e^-100 / (1 + e^-100) and 1 / (1 + e^-100): out = v_new =
     * (0, 1, 0, 0) to float precision. A maximum over the cached rows alone is 0, and expf(100 - 0) overflows
     * (inf / inf = NaN). */
    float K[2 * 4] = {0}, V[2 * 4] = {1, 0, 0, 0}, out[4], sc[2];
    const float q[4] = {100, 0, 0, 0}, k1[4] = {2, 0, 0, 0}, v1[4] = {0, 1, 0, 0};
    kv_attend(out, sc, K, V, q, k1, v1, 1, 4);
    cr_assert(fabsf(out[0]) < 1e-6f && fabsf(out[1] - 1) < 1e-6f && fabsf(out[2]) < 1e-6f && fabsf(out[3]) < 1e-6f,
              "scores 0 (cached row 0) and 100 (the new key): expected out = v_new = (0, 1, 0, 0), got (%g, %g, %g, "
              "%g). Hint: the maximum runs over all pos + 1 scores, the new key's included (it is often the "
              "largest): expf(100 - 0) overflows a float", (double)out[0], (double)out[1], (double)out[2],
              (double)out[3]);
}

/* --- 12.6: a BPE merge -------------------------------------------------------------------------- */

/*hint 12.6
1. Read ids left to right with one index and write the result with another. What happens to the read index after a pair is merged?
2. On a match at r (ids[r] == a and ids[r + 1] == b), write id and skip both; otherwise copy ids[r]. The last element has no partner but must be copied.
3. [1, 1, 1, 2, 1, 1] with (1, 1) -> 9 gives [9, 1, 2, 9]: after a merge the scan resumes two positions later, so the merged pairs never overlap.
*/
/*note 12.6
Training a tokenizer is this merge applied once per new token, after counting every pair: for
192 merges over 2 MB of text that is a few hundred passes over the ids. Real tokenizers
(GPT-2's, SentencePiece) also split the text into words first so that merges never cross a space,
and GPT-2's starts from all 256 bytes so that no input is unencodable (section 12.7).
*/

Test(ex12_6, merges_left_to_right_without_overlap)
{
    int a[6] = {1, 1, 1, 2, 1, 1};
    int n = bpe_merge(a, 6, 1, 1, 9);
    const int want[4] = {9, 1, 2, 9};
    cr_assert_eq(n, 4, "[1 1 1 2 1 1] merging (1, 1): expected 4 tokens, got %d. Hint: after a merge, skip both "
                 "tokens (no overlaps), and copy the last one", n);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(a[i], want[i], "token %d: expected %d, got %d (expected [9 1 2 9]). Hint: the scan resumes after "
                     "the pair it merged", i, want[i], a[i]);
}

Test(ex12_6, pair_at_the_end_and_no_pair)
{
    int a[3] = {5, 3, 4};
    int n = bpe_merge(a, 3, 3, 4, 7);
    cr_assert(n == 2 && a[0] == 5 && a[1] == 7, "[5 3 4] merging (3, 4): expected [5 7], got %d tokens [%d %d]. "
              "Hint: the pair (a, b) = (3, 4), a first, may end at the last position", n, a[0], a[1]);
    int b[4] = {3, 5, 4, 3};
    n = bpe_merge(b, 4, 3, 4, 7);
    cr_assert(n == 4 && b[0] == 3 && b[1] == 5 && b[2] == 4 && b[3] == 3, "[3 5 4 3] has no pair (3, 4): expected it "
              "unchanged, got %d tokens. Hint: copy every token that is not the start of a pair, the last included", n);
}

Test(ex12_6, the_last_token_has_no_partner)
{
    /* [5 3 4 3] merging (3, 4) gives [5 7 3]: the last 3 starts no pair, since nothing follows it. The buffer has a
     * fifth int, 4, after the n = 4 tokens: a pair test that does not check r + 1 < n reads it and merges the
     * last 3 with it. */
    int c[5] = {5, 3, 4, 3, 4};
    const int n = bpe_merge(c, 4, 3, 4, 7);
    cr_assert(n == 3 && c[0] == 5 && c[1] == 7 && c[2] == 3, "[5 3 4 3] (followed in memory by a 4) merging (3, 4): "
              "expected 3 tokens [5 7 3], got %d tokens [%d %d %d]. Hint: the last token (r = n - 1) has no partner: "
              "test r + 1 < n before reading ids[r + 1], which is past the end of the n tokens", n, c[0], c[1], c[2]);
}

/* --- 12.7: LoRA's gradients ---------------------------------------------------------------------- */

/*hint 12.7
1. The loss sees A and B only through W' = W + (alpha / r) A B. Which entries of W' does A[i][k] touch, and with which factor?
2. A[i][k] appears in row i of W', multiplied by s B[k][j] in entry (i, j); so dA[i][k] = s sum_j G[i][j] B[k][j]. Do the same for B[k][j] (column j of W').
3. dA = s G B^T (nin, r) and dB = s A^T G (r, nout) with s = alpha / r (not alpha, not alpha r): matmul_blas(0, 1, nin, r, nout, s, G, B, 0, dA) and matmul_blas(1, 0, r, nout, nin, s, A, G, 0, dB).
*/
/*note 12.7
The adapter's gradient is the full weight gradient G projected onto the two thin factors: LoRA does
not change what the backward pass computes, only what the optimizer keeps. A LoRA-aware layer
never builds G: dB = s (xA)^T dy and dA = s x^T (dy B^T) cost O(N r (nin + nout)) instead of
O(N nin nout), which is what makes LoRA cheap on a GPU too (the second test checks the two forms
agree). QLoRA (Dettmers et al. 2023) goes further and keeps the frozen W in 4 bits (chapter 11).
*/

/* L = sum_ij c_ij W'_ij^2 / 2 with W' = W + s A B: G = c * W' (elementwise); in double. */
static double lora_test_loss(const float *W, const float *A, const float *B, const float *c, int nin, int nout, int r,
                             float s, float *G)
{
    double L = 0;
    for (int i = 0; i < nin; i++)
        for (int j = 0; j < nout; j++) {
            double w = W[i * nout + j];
            for (int k = 0; k < r; k++)
                w += (double)s * A[i * r + k] * B[k * nout + j];
            L += 0.5 * c[i * nout + j] * w * w;
            if (G)
                G[i * nout + j] = (float)(c[i * nout + j] * w);
        }
    return L;
}

Test(ex12_7, matches_centered_differences)
{
    enum { NIN = 5, NOUT = 7, R = 3 };
    const float alpha = 6.0f, s = alpha / R; /* s = 2; alpha = 6 and alpha r = 18 would be the wrong scales */
    rng_t rng;
    rng_seed(&rng, 57);
    float W[NIN * NOUT], A[NIN * R], B[R * NOUT], c[NIN * NOUT], G[NIN * NOUT], dA[NIN * R], dB[R * NOUT];
    fill(W, NIN * NOUT, 1.0f, 0, &rng), fill(A, NIN * R, 0.5f, 0, &rng), fill(B, R * NOUT, 0.5f, 0, &rng);
    fill(c, NIN * NOUT, 0.5f, 1.0f, &rng);
    lora_test_loss(W, A, B, c, NIN, NOUT, R, s, G);
    for (int i = 0; i < NIN * R; i++)
        dA[i] = 1e9f;
    for (int i = 0; i < R * NOUT; i++)
        dB[i] = 1e9f;
    lora_backward(dA, dB, G, A, B, NIN, NOUT, R, alpha);
    /* centered differences, h = 1e-3 in float inputs, loss in double: error about h^2 * |third derivative| */
    const float h = 1e-3f;
    float *param[2] = {A, B}, *grad[2] = {dA, dB};
    const int count[2] = {NIN * R, R * NOUT};
    const char *name[2] = {"dA", "dB"};
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < count[p]; i++) {
            const float keep = param[p][i];
            param[p][i] = keep + h;
            const double lp = lora_test_loss(W, A, B, c, NIN, NOUT, R, s, NULL);
            param[p][i] = keep - h;
            const double lm = lora_test_loss(W, A, B, c, NIN, NOUT, R, s, NULL);
            param[p][i] = keep;
            const double num = (lp - lm) / (2.0 * ((double)(keep + h) - (double)(keep - h)) / 2.0);
            const double got = grad[p][i];
            cr_assert(fabs(got - num) <= 2e-3 * (1 + fabs(num)), "%s[%d]: centered differences give %.6g, got %.6g "
                      "(ratio %.3g). Hint: %s", name[p], i, num, got, got / num,
                      fabs(got / num - 1.0 / s) < 1e-2   ? "the scale alpha / r is missing"
                      : fabs(got / num - R) < 1e-2       ? "the scale is alpha r; it must be alpha / r"
                      : fabs(got) < 1e-12 && p == 0      ? "dA is zero: A is trained too, dA = (alpha / r) G B^T"
                      : fabs(got) > 1e8                  ? "dA and dB are overwritten (beta = 0): they held 1e9 "
                                                           "before the call"
                                                         : "dA = (alpha / r) G B^T, dB = (alpha / r) A^T G");
        }
}

Test(ex12_7, equals_the_activation_form)
{
    /* a layer y = x W + s (x A) B on N rows: G = x^T dy, and dB = s (x A)^T dy, dA = s x^T (dy B^T) */
    enum { N = 4, NIN = 6, NOUT = 3, R = 2 };
    const float alpha = 5.0f;
    const double s = alpha / R;
    rng_t rng;
    rng_seed(&rng, 59);
    float x[N * NIN], dy[N * NOUT], A[NIN * R], B[R * NOUT], G[NIN * NOUT], dA[NIN * R], dB[R * NOUT];
    fill(x, N * NIN, 1.0f, 0, &rng), fill(dy, N * NOUT, 1.0f, 0, &rng);
    fill(A, NIN * R, 0.4f, 0, &rng), fill(B, R * NOUT, 0.7f, 0, &rng);
    for (int i = 0; i < NIN; i++)
        for (int j = 0; j < NOUT; j++) {
            double g = 0;
            for (int n = 0; n < N; n++)
                g += (double)x[n * NIN + i] * dy[n * NOUT + j];
            G[i * NOUT + j] = (float)g;
        }
    lora_backward(dA, dB, G, A, B, NIN, NOUT, R, alpha);
    for (int k = 0; k < R; k++)
        for (int j = 0; j < NOUT; j++) {
            double want = 0; /* s sum_n (x A)[n][k] dy[n][j] */
            for (int n = 0; n < N; n++) {
                double u = 0;
                for (int i = 0; i < NIN; i++)
                    u += (double)x[n * NIN + i] * A[i * R + k];
                want += s * u * dy[n * NOUT + j];
            }
            cr_assert(fabs(dB[k * NOUT + j] - want) < 1e-4 * (1 + fabs(want)), "dB[%d][%d]: expected s (xA)^T dy = %.6g, "
                      "got %.6g. Hint: dB = (alpha / r) A^T G, shape (r, nout)", k, j, want, (double)dB[k * NOUT + j]);
        }
    for (int i = 0; i < NIN; i++)
        for (int k = 0; k < R; k++) {
            double want = 0; /* s sum_n x[n][i] (dy B^T)[n][k] */
            for (int n = 0; n < N; n++) {
                double v = 0;
                for (int j = 0; j < NOUT; j++)
                    v += (double)dy[n * NOUT + j] * B[k * NOUT + j];
                want += s * x[n * NIN + i] * v;
            }
            cr_assert(fabs(dA[i * R + k] - want) < 1e-4 * (1 + fabs(want)), "dA[%d][%d]: expected s x^T (dy B^T) = %.6g, "
                      "got %.6g. Hint: dA = (alpha / r) G B^T, shape (nin, r)", i, k, want, (double)dA[i * R + k]);
        }
}

/* --- ch12: the tokenizer, the prompt, training ---------------------------------------------------- */

static text_t sample_corpus(void)
{
    text_t t;
    cr_assert_eq(text_read(&t, DATASETS "/kjv-sample/kjv.txt", 1000), 0);
    return t;
}

Test(ch12, bpe_round_trip_and_compression)
{
    text_t t = sample_corpus();
    bpe_t bpe;
    int *ids;
    long n;
    cr_assert_eq(bpe_train(&bpe, &ids, &n, t.data, t.len, 40), 0);
    cr_assert_eq(bpe.n, bpe.nbase + 40, "40 merges expected on 20 kB of text, got %d", bpe.n - bpe.nbase);
    cr_assert(n < (long)t.len * 3 / 4, "40 merges should shorten the text by a quarter: %zu bytes -> %ld tokens",
              t.len, n);
    int *again = nn_malloc(t.len * sizeof(int));
    long m = bpe_encode(again, &bpe, t.data, t.len);
    cr_assert(m == n && memcmp(again, ids, (size_t)n * sizeof(int)) == 0, "encoding the training text again must give "
              "the ids training produced (%ld vs %ld tokens)", m, n);
    char *back = nn_malloc(t.len + 1);
    long k = bpe_decode(back, t.len + 1, &bpe, ids, n);
    cr_assert(k == (long)t.len && memcmp(back, t.data, t.len) == 0, "decode(encode(text)) must be the text");
    const char *s = "And the LORD said unto Moses,";
    long ks = bpe_encode(again, &bpe, s, strlen(s));
    cr_assert(ks > 0 && ks < (long)strlen(s), "a KJV sentence should take fewer tokens than bytes, got %ld", ks);
    k = bpe_decode(back, t.len + 1, &bpe, again, ks);
    cr_assert(k == (long)strlen(s) && strcmp(back, s) == 0, "round trip of \"%s\" gave \"%s\"", s, back);
    free(again), free(back), free(ids);
    bpe_free(&bpe);
    text_free(&t);
}

static bpe_t unseen_bpe;

static void encode_unseen(void *arg)
{
    int ids[32];
    exit(bpe_encode(ids, &unseen_bpe, (const char *)arg, strlen(arg)) == -1 ? 1 : 0);
}

Test(ch12, bytes_the_tokenizer_never_saw_are_refused)
{
    text_t t = sample_corpus();
    int *ids;
    long n;
    cr_assert_eq(bpe_train(&unseen_bpe, &ids, &n, t.data, t.len, 10), 0);
    char buf[2048];
    int st = capture_stderr(encode_unseen, "God said {", buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "1:10") && strstr(buf, "U+007B"), "'{' is not in the KJV: expected -1 and a message with its "
              "position, got status %d and \"%s\"", st, buf);
    free(ids);
    bpe_free(&unseen_bpe);
    text_free(&t);
}

Test(ch12, training_lowers_the_loss)
{
    text_t t = sample_corpus();
    text_vocab_t v;
    cr_assert_eq(text_vocab_build(&v, t.data, t.len, TEXT_BYTES), 0);
    int *ids = nn_malloc(t.len * sizeof(int));
    long n = text_encode(ids, t.len, &v, t.data, t.len);
    const gpt_config_t cfg = {v.size, 32, 1, 2, 32};
    rng_t rng;
    rng_seed(&rng, 61);
    trainer_t tr;
    cr_assert_eq(trainer_init(&tr, &cfg, 4, 3e-3f, 60, &rng), 0);
    long nt;
    double before = evaluate(&tr, ids, n, 16, &nt);
    for (long s = 0; s < 60; s++)
        train_step(&tr, ids, n, s, &rng);
    double after = evaluate(&tr, ids, n, 16, &nt);
    cr_assert(before > 3.9 && after < before - 1.0, "60 steps of AdamW on the sample: loss %.3f -> %.3f nats, expected "
              "from about ln 60 = 4.1 to at least 1 nat lower", before, after);
    trainer_free(&tr);
    text_vocab_free(&v);
    free(ids);
    text_free(&t);
}

Test(ch12, biases_and_layer_norms_do_not_decay)
{
    /* zero gradients: Adam's step is 0, only the decoupled decay moves a parameter, by a factor 1 - lr wd */
    const gpt_config_t cfg = {11, 12, 2, 2, 16};
    rng_t rng;
    rng_seed(&rng, 91);
    trainer_t tr;
    cr_assert_eq(trainer_init(&tr, &cfg, 1, 1e-2f, 10, &rng), 0);
    for (size_t i = 0; i < tr.m.n; i++)
        tr.m.params[i] = 1.0f, tr.m.grads[i] = 0.0f;
    trainer_update(&tr, 5);
    const float shrunk = 1.0f - tr.opt.lr * tr.opt.weight_decay;
    cr_assert(tr.opt.lr > 0 && shrunk < 1.0f);
    const float *decayed[] = {tr.m.w.wte, tr.m.w.wpe, tr.m.w.qkvw, tr.m.w.attprojw, tr.m.w.fcw, tr.m.w.fcprojw};
    const float *kept[] = {tr.m.w.ln1w, tr.m.w.ln1b, tr.m.w.qkvb, tr.m.w.attprojb, tr.m.w.ln2w,
                           tr.m.w.ln2b, tr.m.w.fcb, tr.m.w.fcprojb, tr.m.w.lnfw, tr.m.w.lnfb};
    for (int i = 0; i < 6; i++)
        cr_assert(fabsf(decayed[i][0] - shrunk) < 1e-6f, "weight matrix or embedding %d: expected 1 - lr wd = %.6f after "
                  "a step with zero gradient, got %.6f. Hint: only biases and layer norms are in the no-decay group",
                  i, (double)shrunk, (double)decayed[i][0]);
    for (int i = 0; i < 10; i++)
        cr_assert(kept[i][0] == 1.0f, "bias or layer norm tensor %d decayed to %.6f; expected 1 (no decay). Hint: "
                  "set opt.no_decay and step with optim_step_tensors", i, (double)kept[i][0]);
    trainer_free(&tr);
}

/* A small model trained `steps` steps on the first half of the sample. */
typedef struct {
    text_t t;
    text_vocab_t v;
    int *ids;
    long n;
    trainer_t tr;
} lora_fixture_t;

static void lora_fixture(lora_fixture_t *f, int width, uint64_t seed, long steps)
{
    f->t = sample_corpus();
    cr_assert_eq(text_vocab_build(&f->v, f->t.data, f->t.len, TEXT_BYTES), 0);
    f->ids = nn_malloc(f->t.len * sizeof(int));
    f->n = text_encode(f->ids, f->t.len, &f->v, f->t.data, f->t.len);
    const gpt_config_t cfg = {f->v.size, 32, 1, 2, width};
    rng_t rng;
    rng_seed(&rng, seed);
    cr_assert_eq(trainer_init(&f->tr, &cfg, 4, 1e-2f, steps, &rng), 0);
    for (long s = 0; s < steps; s++)
        train_step(&f->tr, f->ids, f->n / 2, s, &rng); /* the base: the first half of the sample */
}

static void lora_fixture_free(lora_fixture_t *f)
{
    trainer_free(&f->tr);
    text_vocab_free(&f->v);
    free(f->ids);
    text_free(&f->t);
}

Test(ch12, lora_starts_as_the_base_and_keeps_it_frozen)
{
    lora_fixture_t f;
    lora_fixture(&f, 32, 101, 300);
    trainer_t *tr = &f.tr;
    const int *other = f.ids + f.n / 2; /* fine-tune on one window of the second half (T + 2 symbols: */
    const long n2 = tr->T + 2;          /* every batch is that window), which the adapter must learn */
    const size_t NL = (size_t)tr->T * tr->cfg.V;
    float *before = nn_malloc(NL * sizeof(float));
    gpt_forward(&tr->a, &tr->m, other, 1, tr->T);
    memcpy(before, tr->a.logits, NL * sizeof(float));
    lora_t l;
    rng_t rng;
    rng_seed(&rng, 103);
    cr_assert_eq(lora_new(&l, &tr->m, 4, 8.0f, &rng), 0);
    cr_assert_eq(l.n, (size_t)16 * 4 * 32, "rank 4 on the 4 matrices of 1 block of width 32: 16 r C = 2048 "
                 "parameters expected, got %zu", l.n);
    lora_merge(&tr->m, &l);
    gpt_forward(&tr->a, &tr->m, other, 1, tr->T);
    for (size_t i = 0; i < NL; i++)
        cr_assert(tr->a.logits[i] == before[i], "B = 0: the adapted model must give the base's logits exactly; logit "
                  "%zu is %.7g, was %.7g", i, (double)tr->a.logits[i], (double)before[i]);
    optim_t o = optim_new(OPTIM_ADAM, l.n, 1e-1f);
    schedule_t sc = schedule_new(SCHEDULE_WARMUP_COSINE, 1e-1f, 40);
    long nt;
    const double l0 = evaluate(tr, other, n2, 8, &nt);
    float *base = nn_malloc(tr->m.n * sizeof(float));
    memcpy(base, l.base, tr->m.n * sizeof(float));
    for (long s = 0; s < 40; s++)
        lora_step(tr, &l, &o, &sc, other, n2, s, &rng);
    const double l1 = evaluate(tr, other, n2, 8, &nt);
    cr_assert(l1 < l0 - 0.3, "40 LoRA steps on one window: loss %.3f -> %.3f nats, expected at least 0.3 lower. Hint: "
              "check lora_backward (exercise 12.7)", l0, l1);
    cr_assert(memcmp(base, l.base, tr->m.n * sizeof(float)) == 0, "the base model must stay frozen");
    for (size_t i = 0; i < tr->m.n; i++) { /* every parameter outside the adapted matrices is the base's */
        int adapted = 0;
        for (int k = 0; k < l.k; k++)
            adapted |= i >= l.at[k] && i < l.at[k] + (size_t)l.nin[k] * l.nout[k];
        if (!adapted)
            cr_assert(tr->m.params[i] == base[i], "parameter %zu is not adapted and must stay frozen: %.7g, base %.7g",
                      i, (double)tr->m.params[i], (double)base[i]);
    }
    free(base), free(before);
    optim_free(&o), lora_free(&l);
    lora_fixture_free(&f);
}

static char adapter_path[64];
static lora_fixture_t wrong_fx;
static int wrong_rank;

static void load_wrong_adapter(void *arg)
{
    (void)arg;
    lora_t l;
    rng_t rng;
    rng_seed(&rng, 5);
    if (lora_new(&l, &wrong_fx.tr.m, wrong_rank, 2.0f * wrong_rank, &rng) != 0)
        exit(3);
    exit(lora_load(&l, &wrong_fx.tr.m, adapter_path) == 0 ? 0 : 1); /* as main does: non-zero exit */
}

Test(ch12, adapter_saved_and_loaded_gives_identical_logits)
{
    lora_fixture_t f;
    lora_fixture(&f, 16, 107, 10);
    trainer_t *tr = &f.tr;
    lora_t l, back;
    rng_t rng;
    rng_seed(&rng, 109);
    cr_assert_eq(lora_new(&l, &tr->m, 4, 8.0f, &rng), 0);
    float *base = nn_malloc(tr->m.n * sizeof(float));
    memcpy(base, l.base, tr->m.n * sizeof(float));
    optim_t o = optim_new(OPTIM_ADAM, l.n, 1e-2f);
    schedule_t sc = schedule_new(SCHEDULE_WARMUP_COSINE, 1e-2f, 10);
    for (long s = 0; s < 10; s++)
        lora_step(tr, &l, &o, &sc, f.ids, f.n, s, &rng);
    snprintf(adapter_path, sizeof adapter_path, "/tmp/nn_ch12_adapter_%d.ckpt", (int)getpid());
    cr_assert_eq(lora_save(&l, &tr->cfg, adapter_path), 0);
    const size_t NL = (size_t)tr->T * tr->cfg.V;
    float *want = nn_malloc(NL * sizeof(float));
    gpt_forward(&tr->a, &tr->m, f.ids, 1, tr->T);
    memcpy(want, tr->a.logits, NL * sizeof(float));
    memcpy(tr->m.params, base, tr->m.n * sizeof(float)); /* the base model again, and a fresh adapter */
    cr_assert_eq(lora_new(&back, &tr->m, 4, 8.0f, &rng), 0);
    cr_assert_eq(lora_load(&back, &tr->m, adapter_path), 0);
    gpt_forward(&tr->a, &tr->m, f.ids, 1, tr->T);
    for (size_t i = 0; i < NL; i++)
        cr_assert(tr->a.logits[i] == want[i], "after save and load, logit %zu is %.7g, expected %.7g (identical)", i,
                  (double)tr->a.logits[i], (double)want[i]);
    lora_free(&back);
    /* an adapter for another model: another rank, then another width */
    char buf[4096];
    wrong_fx = f, wrong_rank = 2;
    int st = capture_stderr(load_wrong_adapter, NULL, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "lora1 r=4") && strstr(buf, "lora1 r=2"), "an adapter of rank 4 loaded as rank "
              "2: expected exit status 1 and a message naming both tags, got %d and \"%s\"", st, buf);
    lora_fixture_t g;
    lora_fixture(&g, 8, 113, 1);
    wrong_fx = g, wrong_rank = 4;
    st = capture_stderr(load_wrong_adapter, NULL, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "C=16") && strstr(buf, "C=8"), "an adapter for width 16 loaded onto a model of "
              "width 8: expected exit status 1 and a message naming both models, got %d and \"%s\"", st, buf);
    lora_fixture_free(&g);
    remove(adapter_path);
    free(want), free(base);
    optim_free(&o), lora_free(&l);
    lora_fixture_free(&f);
}

Test(ch12, top_k_of_one_is_greedy)
{
    const float z[5] = {0.3f, 2.0f, 1.9f, -1.0f, 0.0f};
    float scratch[10];
    int order[5];
    rng_t rng;
    rng_seed(&rng, 71);
    const sampler_t s = {1.0f, 1, 0.9f};
    for (int i = 0; i < 20; i++) {
        int v = sample_next(z, 5, &s, scratch, order, &rng);
        cr_assert_eq(v, 1, "top-k 1 must always draw the largest logit (index 1), drew %d", v);
    }
}

Test(ch12, a_batched_step_equals_single_steps)
{
    const gpt_config_t cfg = {11, 12, 2, 2, 16};
    rng_t rng;
    rng_seed(&rng, 81);
    trainer_t tr;
    cr_assert_eq(trainer_init(&tr, &cfg, 1, 1e-3f, 10, &rng), 0);
    for (size_t i = 0; i < tr.m.n; i++)
        tr.m.params[i] += 0.2f * rng_normal(&rng);
    gpt_kv_t single[3], batched[3];
    for (int i = 0; i < 3; i++)
        gpt_kv_new(&single[i], &cfg), gpt_kv_new(&batched[i], &cfg);
    serve_t sv;
    serve_init(&sv, &cfg, 3);
    float lb[3 * 11], ls[11];
    for (int step = 0; step < 6; step++) {
        /* sequence i starts at step i: three different positions in one batch */
        int ids[3], n = 0;
        gpt_kv_t *act[3];
        int which[3];
        for (int i = 0; i < 3; i++)
            if (step >= i)
                ids[n] = (step * 7 + i * 3) % 11, act[n] = &batched[i], which[n++] = i;
        cr_assert_eq(serve_step(lb, &sv, act, &tr.m, ids, n), 0);
        for (int k = 0; k < n; k++) {
            cr_assert_eq(gpt_kv_step(ls, &single[which[k]], &tr.m, ids[k]), 0);
            for (int v = 0; v < 11; v++)
                cr_assert(fabsf(lb[k * 11 + v] - ls[v]) <= 1e-5f * (1 + fabsf(ls[v])), "step %d, sequence %d, logit "
                          "%d: batched %.7g, alone %.7g", step, which[k], v, (double)lb[k * 11 + v], (double)ls[v]);
        }
    }
    serve_free(&sv);
    for (int i = 0; i < 3; i++)
        gpt_kv_free(&single[i]), gpt_kv_free(&batched[i]);
    trainer_free(&tr);
}
