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
operations per number read): chapter 13 fuses it with the residual addition.
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
    memset(dg, 0x7f, sizeof dg); /* overwritten, not accumulated */
    layer_norm_backward(dx, dg, db, dy, x, mean, rstd, g, N, D);
    layernorm_backward(dxl, dgl, dbl, dy, x, mean, rstd, g, N, D);
    for (int n = 0; n < N; n++) {
        double s = 0;
        for (int i = 0; i < D; i++)
            s += dx[n * D + i];
        cr_assert(fabs(s) < 1e-4, "row %d of dx sums to %.5g, expected 0. Hint: the -sum_j ghat_j term (the mean's "
                  "share) makes every row sum to zero", n, s);
    }
    for (int i = 0; i < N * D; i++)
        cr_assert(fabsf(dx[i] - dxl[i]) < 1e-4f, "dx[%d]: expected %.6g (common/norm.c), got %.6g. Hint: the "
                  "-xhat_i sum_j ghat_j xhat_j term is the variance's share", i, (double)dxl[i], (double)dx[i]);
    for (int i = 0; i < D; i++)
        cr_assert(fabsf(dg[i] - dgl[i]) < 1e-4f && fabsf(db[i] - dbl[i]) < 1e-4f, "dgamma[%d] %.6g (expected %.6g), "
                  "dbeta[%d] %.6g (expected %.6g). Hint: zero them, then sum over every row", i, (double)dg[i],
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
              "Hint: 28 = 10 from the output product + 7 + 11 from the two uses of token 1 as input",
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
    float q[4];
    top_k_filter(q, p, 4, 2);
    const float want[4] = {0, 4.0f / 7, 0, 3.0f / 7};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want[i]) < 1e-6f, "k = 2, p = (0.1, 0.4, 0.2, 0.3): q[%d] expected %.5g, got %.5g. "
                  "Hint: keep exactly the 2 largest, then renormalize", i, (double)want[i], (double)q[i]);
    const float u[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    top_k_filter(q, u, 4, 3);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - (i < 3 ? 1.0f / 3 : 0)) < 1e-6f, "ties, k = 3: q[%d] = %.5g, expected %.5g. Hint: "
                  "on ties the lower index ranks first, and exactly k survive", i, (double)q[i], i < 3 ? 1.0 / 3 : 0.0);
    top_k_filter(q, p, 4, 4);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - p[i]) < 1e-6f, "k = V keeps p unchanged: q[%d] = %.5g, p = %.5g", i, (double)q[i],
                  (double)p[i]);
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
    float q[4];
    int order[4];
    top_p_filter(q, order, p, 4, 0.7f);
    const float want[4] = {0, 0.625f, 0, 0.375f};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want[i]) < 1e-6f, "top_p 0.7 on p = (0.15, 0.5, 0.05, 0.3): q[%d] expected %.5g, got "
                  "%.5g. Hint: 0.5 alone is below 0.7; 0.5 + 0.3 crosses it, and the crossing symbol stays",
                  i, (double)want[i], (double)q[i]);
    top_p_filter(q, order, p, 4, 0.95f);
    const float want2[4] = {0.15f / 0.95f, 0.5f / 0.95f, 0, 0.3f / 0.95f};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(q[i] - want2[i]) < 1e-6f, "top_p 0.95: q[%d] expected %.5g, got %.5g. Hint: 0.5 + 0.3 + 0.15 "
                  "= 0.95 reaches 0.95: three symbols, renormalized", i, (double)want2[i], (double)q[i]);
}

Test(ex12_4, one_symbol_when_sure_all_when_p_is_one)
{
    const float p[5] = {0.02f, 0.9f, 0.03f, 0.04f, 0.01f};
    float q[5];
    int order[5];
    top_p_filter(q, order, p, 5, 0.5f);
    for (int i = 0; i < 5; i++)
        cr_assert(fabsf(q[i] - (i == 1 ? 1.0f : 0.0f)) < 1e-6f, "top_p 0.5 with one symbol at 0.9: q[%d] = %.5g, "
                  "expected %g. Hint: the first symbol already crosses 0.5; keep it and renormalize", i, (double)q[i],
                  i == 1 ? 1.0 : 0.0);
    top_p_filter(q, order, p, 5, 1.0f);
    double s = 0;
    for (int i = 0; i < 5; i++)
        s += q[i];
    cr_assert(fabs(s - 1) < 1e-5 && q[4] > 0, "top_p 1 keeps every symbol (sum %.6g, q[4] = %.3g). Hint: stop only "
              "when the sum reaches top_p", s, (double)q[4]);
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
which for long contexts and many users is what limits a server (chapter 13's paged caches).
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
    float K[3 * 4] = {0}, V[3 * 4] = {1, 0, 0, 0}, out[4], sc[3];
    const float q[4] = {1, 0, 0, 0}, k1[4] = {2, 0, 0, 0}, v1[4] = {0, 1, 0, 0};
    K[8] = 9, V[9] = 9; /* row 2: stale */
    kv_attend(out, sc, K, V, q, k1, v1, 1, 4);
    const float e = expf(1.0f), w0 = 1 / (1 + e), w1 = e / (1 + e);
    cr_assert(fabsf(out[0] - w0) < 1e-6f && fabsf(out[1] - w1) < 1e-6f && fabsf(out[2]) < 1e-6f,
              "expected out = (%.5f, %.5f, 0, 0), got (%.5f, %.5f, %.5f, %.5f). Hint: the score of key 1 is "
              "q.k / sqrt(Dh) = 2 / 2 = 1, only rows 0 and 1 count, and row 1 of V must now hold v_new", (double)w0, (double)w1, (double)out[0],
              (double)out[1], (double)out[2], (double)out[3]);
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
and start from all 256 bytes so that no input is unencodable.
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
              "Hint: the pair may end at the last position", n, a[0], a[1]);
    int b[4] = {3, 5, 4, 3};
    n = bpe_merge(b, 4, 3, 4, 7);
    cr_assert(n == 4 && b[0] == 3 && b[1] == 5 && b[2] == 4 && b[3] == 3, "[3 5 4 3] has no pair (3, 4): expected it "
              "unchanged, got %d tokens. Hint: copy every token that is not the start of a pair, the last included", n);
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
