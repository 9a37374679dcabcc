/* Tests of attention.h: scaled dot-product attention and multi-head self-attention against
 * PyTorch (golden/make_attention_golden.py, output golden/attention_golden.h) and against
 * centered differences (random upstream gradient R, L = sum(y * R)); the softmax's stability;
 * masks and positional tables of the wrong size rejected with an error, not a crash. */
#include "attention.h"
#include "capture.h"
#include "gradcheck.h"
#include "matmul.h"
#include "rng.h"

#include "golden/attention_golden.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void expect_close(const float *got, const float *want, int n, float tol, const char *what)
{
    for (int i = 0; i < n; i++)
        cr_assert(fabsf(got[i] - want[i]) <= tol * (1 + fabsf(want[i])),
                  "%s[%d]: expected %.7g (PyTorch), got %.7g. Hint: see the equations in attention.h", what, i,
                  (double)want[i], (double)got[i]);
}

Test(attention, sdpa_matches_pytorch_with_padding_mask)
{
    enum { NQ = GA_B * GA_H * GA_TQ, NK = GA_B * GA_H * GA_TK };
    attn_cache_t c = attn_cache_new(GA_B, GA_H, GA_TQ, GA_TK, GA_D, GA_DV);
    unsigned char keep[GA_B * GA_TQ * GA_TK];
    attn_mask_padding(keep, GA_LENGTHS, GA_B, GA_TQ, GA_TK);
    attn_mask_t mask = {keep, GA_B, GA_TQ, GA_TK};
    float O[NQ * GA_DV], dQ[NQ * GA_D], dK[NK * GA_D], dV[NK * GA_DV];
    cr_assert_eq(attn_forward(O, &c, GA_Q, GA_K, GA_V, &mask, 0), 0);
    expect_close(O, GA_O, NQ * GA_DV, 1e-5f, "O");
    attn_backward(dQ, dK, dV, &c, GA_R, GA_Q, GA_K, GA_V);
    expect_close(dQ, GA_DQ, NQ * GA_D, 1e-4f, "dQ");
    expect_close(dK, GA_DK, NK * GA_D, 1e-4f, "dK");
    expect_close(dV, GA_DV_, NK * GA_DV, 1e-4f, "dV");
    /* the padded key (sequence 1, key 3) gets no weight and no gradient */
    for (int h = 0; h < GA_H; h++)
        for (int d = 0; d < GA_D; d++)
            cr_assert_eq(dK[((1 * GA_H + h) * GA_TK + 3) * GA_D + d], 0.0f);
    attn_cache_free(&c);
}

Test(attention, mha_matches_pytorch_causal)
{
    enum { N = GM_B * GM_T * GM_E };
    rng_t rng;
    rng_seed(&rng, 1);
    mha_t m;
    cr_assert_eq(mha_init(&m, GM_E, GM_H, &rng), 0);
    cr_assert_eq(mha_param_count(GM_E), (long)(sizeof GM_PARAMS / sizeof *GM_PARAMS));
    memcpy(m.params, GM_PARAMS, sizeof GM_PARAMS);
    mha_cache_t c = mha_cache_new(GM_B, GM_T, GM_E, GM_H);
    float y[N], dx[N];
    cr_assert_eq(mha_forward(y, &c, &m, GM_X, NULL, 1), 0);
    expect_close(y, GM_Y, N, 1e-5f, "y");
    mha_backward(dx, &m, &c, GM_R, GM_X);
    expect_close(m.grads, GM_GRADS, (int)mha_param_count(GM_E), 1e-4f, "grads (Wq Wk Wv Wo bq bk bv bo)");
    expect_close(dx, GM_DX, N, 1e-4f, "dx");
    mha_cache_free(&c);
    mha_free(&m);
}

Test(attention, sinusoidal_table_matches_pytorch)
{
    float table[GP_T * GP_E];
    posenc_sinusoidal(table, GP_T, GP_E);
    expect_close(table, GP_TABLE, GP_T * GP_E, 1e-6f, "table");
}

/* --- centered differences ------------------------------------------------------------------ */

enum { B = 2, H = 2, TQ = 3, TK = 4, D = 3, DV = 2, NQ = B * H * TQ * D, NK = B * H * TK * D, NV = B * H * TK * DV,
       NO = B * H * TQ * DV };

typedef struct {
    float Q[NQ], K[NK], V[NV], R[NO], O[NO];
    attn_cache_t c;
    attn_mask_t *mask;
    int causal;
} sdpa_ctx_t;

static double sdpa_loss(void *p)
{
    sdpa_ctx_t *s = p;
    attn_forward(s->O, &s->c, s->Q, s->K, s->V, s->mask, s->causal);
    return gradcheck_dot(s->O, s->R, NO);
}

/* float32 forward, h = 1e-2: the softmax is smooth, truncation ~h^2 |L'''| / 6 and rounding
 * ~1e-7 |L| / h keep a correct gradient below 1e-3 relative here; the bound is 1e-2 (a missing
 * term of the softmax's Jacobian or a missing 1/sqrt(D) gives errors of order 0.1 to 1). */
Test(attention, sdpa_gradients_match_centered_differences)
{
    for (int variant = 0; variant < 3; variant++) {
        sdpa_ctx_t *s = calloc(1, sizeof *s);
        rng_t rng;
        rng_seed(&rng, 20 + variant);
        gradcheck_random_upstream(s->Q, NQ, &rng);
        gradcheck_random_upstream(s->K, NK, &rng);
        gradcheck_random_upstream(s->V, NV, &rng);
        gradcheck_random_upstream(s->R, NO, &rng);
        s->c = attn_cache_new(B, H, TQ, TK, D, DV);
        unsigned char keep[B * TQ * TK];
        const int lengths[B] = {4, 2};
        attn_mask_padding(keep, lengths, B, TQ, TK);
        attn_mask_t mask = {keep, B, TQ, TK};
        s->mask = variant == 1 ? &mask : NULL;
        s->causal = variant == 2;
        float dQ[NQ], dK[NK], dV[NV];
        sdpa_loss(s);
        attn_backward(dQ, dK, dV, &s->c, s->R, s->Q, s->K, s->V);
        double eq = gradcheck_max_rel_error(sdpa_loss, s, s->Q, dQ, NQ, 1e-2f);
        double ek = gradcheck_max_rel_error(sdpa_loss, s, s->K, dK, NK, 1e-2f);
        double ev = gradcheck_max_rel_error(sdpa_loss, s, s->V, dV, NV, 1e-2f);
        cr_assert(eq <= 1e-2 && ek <= 1e-2 && ev <= 1e-2,
                  "variant %d (0 none, 1 padding, 2 causal): relative errors dQ %.3g dK %.3g dV %.3g, bound 1e-2. "
                  "Hint: dS = P * (dP - rowsum(P * dP)), and dQ, dK carry the 1/sqrt(D)",
                  variant, eq, ek, ev);
        attn_cache_free(&s->c);
        free(s);
    }
}

enum { MB = 2, MT = 4, ME = 6, MH = 3, MN = MB * MT * ME };

typedef struct {
    mha_t m;
    mha_cache_t c;
    float x[MN], R[MN], y[MN];
} mha_ctx_t;

static double mha_loss(void *p)
{
    mha_ctx_t *s = p;
    mha_forward(s->y, &s->c, &s->m, s->x, NULL, 1);
    return gradcheck_dot(s->y, s->R, MN);
}

/* Same step and bound as above. */
Test(attention, mha_gradients_match_centered_differences)
{
    mha_ctx_t *s = calloc(1, sizeof *s);
    rng_t rng;
    rng_seed(&rng, 30);
    cr_assert_eq(mha_init(&s->m, ME, MH, &rng), 0);
    const long np = mha_param_count(ME);
    for (long i = 4L * ME * ME; i < np; i++) /* nonzero biases, so their paths are exercised */
        s->m.params[i] = 0.3f * rng_normal(&rng);
    gradcheck_random_upstream(s->x, MN, &rng);
    gradcheck_random_upstream(s->R, MN, &rng);
    s->c = mha_cache_new(MB, MT, ME, MH);
    float dx[MN];
    mha_loss(s);
    mha_backward(dx, &s->m, &s->c, s->R, s->x);
    float *g = malloc(np * sizeof(float));
    memcpy(g, s->m.grads, np * sizeof(float));
    double ep = gradcheck_max_rel_error(mha_loss, s, s->m.params, g, np, 1e-2f);
    double ex = gradcheck_max_rel_error(mha_loss, s, s->x, dx, MN, 1e-2f);
    cr_assert(ep <= 1e-2 && ex <= 1e-2, "relative errors: parameters %.3g, x %.3g; bound 1e-2. Hint: dx sums "
              "the three paths, dQ Wq^T + dK Wk^T + dV Wv^T", ep, ex);
    free(g);
    mha_cache_free(&s->c);
    mha_free(&s->m);
    free(s);
}

/* --- softmax, masks, tables ---------------------------------------------------------------- */

Test(attention, softmax_is_stable_and_handles_fully_masked_rows)
{
    const float s[6] = {1000, 1001, 999, -INFINITY, -INFINITY, -INFINITY};
    float p[6];
    attn_softmax_rows(p, s, 2, 3);
    const double e = exp(1.0), z = 1 + e + 1 / e;
    cr_assert_float_eq(p[0], 1 / z, 1e-6, "expected %.6g, got %.6g. Hint: subtract the row's max before exp",
                       1 / z, (double)p[0]);
    cr_assert_float_eq(p[1], e / z, 1e-6);
    for (int j = 3; j < 6; j++)
        cr_assert_eq(p[j], 0.0f, "a row with every key masked: expected 0, got %g", (double)p[j]);
}

Test(attention, causal_mask_lets_query_i_see_keys_up_to_i)
{
    unsigned char keep[3 * 3], want[9] = {1, 0, 0, 1, 1, 0, 1, 1, 1};
    attn_mask_causal(keep, 3, 3);
    cr_assert_arr_eq(keep, want, 9);
    /* causal flag: the first query sees only the first key, so its output is V's first row */
    attn_cache_t c = attn_cache_new(1, 1, 3, 3, 2, 1);
    const float Q[6] = {1, 2, 3, 4, 5, 6}, K[6] = {6, 5, 4, 3, 2, 1}, V[3] = {7, 8, 9};
    float O[3];
    attn_forward(O, &c, Q, K, V, NULL, 1);
    cr_assert_float_eq(O[0], 7.0f, 1e-6);
    attn_cache_free(&c);
}

static void sdpa_bad_mask(void *arg)
{
    (void)arg;
    attn_cache_t c = attn_cache_new(2, 1, 3, 3, 2, 2);
    unsigned char keep[2 * 3 * 4] = {0};
    attn_mask_t mask = {keep, 2, 3, 4}; /* 4 keys, the call has 3 */
    float Q[12] = {0}, O[12];
    exit(attn_forward(O, &c, Q, Q, Q, &mask, 0) == -1 ? 7 : 0);
}

Test(attention, mask_of_wrong_shape_is_an_error)
{
    char buf[1024];
    int status = capture_stderr(sdpa_bad_mask, NULL, buf, sizeof buf);
    cr_assert_eq(status, 7, "expected attn_forward to return -1, status %d; stderr: %s", status, buf);
    cr_assert(strstr(buf, "wrong shape") && strstr(buf, "(2 or 1, 3, 3)") && strstr(buf, "(2, 3, 4)"),
              "the message should give expected and got shapes: %s", buf);
    /* mha too */
    rng_t rng;
    rng_seed(&rng, 2);
    mha_t m;
    mha_init(&m, 4, 2, &rng);
    mha_cache_t c = mha_cache_new(1, 3, 4, 2);
    unsigned char keep[2 * 2] = {1, 1, 1, 1};
    attn_mask_t mask = {keep, 1, 2, 2};
    float x[12] = {0}, y[12];
    cr_assert_eq(mha_forward(y, &c, &m, x, &mask, 0), -1);
    mha_cache_free(&c);
    mha_free(&m);
}

Test(attention, heads_must_divide_the_width)
{
    rng_t rng;
    rng_seed(&rng, 3);
    mha_t m;
    cr_assert_eq(mha_init(&m, 6, 4, &rng), -1);
}

static void too_long(void *arg)
{
    (void)arg;
    float table[4 * 2] = {0}, x[5 * 2] = {0};
    exit(posenc_add(x, table, 1, 5, 2, 4) == -1 ? 7 : 0);
}

Test(attention, sequence_longer_than_the_table_is_an_error)
{
    char buf[1024];
    int status = capture_stderr(too_long, NULL, buf, sizeof buf);
    cr_assert_eq(status, 7, "expected posenc_add to return -1, status %d; stderr: %s", status, buf);
    cr_assert(strstr(buf, "T <= 4") && strstr(buf, "T = 5"), "expected and got lengths in: %s", buf);
}

Test(attention, learned_table_gradient_sums_over_the_batch)
{
    const float dx[2 * 2 * 1] = {1, 2, 10, 20}; /* B=2, T=2, E=1 */
    float dtable[3] = {9, 9, 9};
    posenc_backward(dtable, dx, 2, 2, 1, 3);
    const float want[3] = {11, 22, 0};
    cr_assert_arr_eq(dtable, want, sizeof want);
    float x[4] = {0}, table[3] = {1, 2, 3};
    cr_assert_eq(posenc_add(x, table, 2, 2, 1, 3), 0);
    const float wantx[4] = {1, 2, 1, 2};
    cr_assert_arr_eq(x, wantx, sizeof wantx);
}

/* Attention over 15 slices (B = 3, H = 5: not a multiple of ATTN_PARTS, so the parts are uneven),
 * causal and with a padding mask, forward and backward: O, dQ, dK, dV in one array. */
enum { PT_B = 3, PT_H = 5, PT_T = 24, PT_D = 8, PT_N = PT_B * PT_H * PT_T * PT_D };

static void parts_run(float *out, size_t n)
{
    (void)n;
    rng_t rng;
    rng_seed(&rng, 5);
    static float Q[PT_N], K[PT_N], V[PT_N], dO[PT_N];
    for (int i = 0; i < PT_N; i++)
        Q[i] = rng_normal(&rng), K[i] = rng_normal(&rng), V[i] = rng_normal(&rng), dO[i] = rng_normal(&rng);
    static unsigned char keep[PT_B * PT_T * PT_T];
    const int lengths[PT_B] = {24, 17, 5};
    attn_mask_padding(keep, lengths, PT_B, PT_T, PT_T);
    attn_mask_t mask = {keep, PT_B, PT_T, PT_T};
    attn_cache_t c = attn_cache_new(PT_B, PT_H, PT_T, PT_T, PT_D, PT_D);
    attn_forward(out, &c, Q, K, V, &mask, 1);
    attn_backward(out + PT_N, out + 2 * PT_N, out + 3 * PT_N, &c, dO, Q, K, V);
    attn_cache_free(&c);
}

Test(attention, same_bits_on_one_thread_and_on_all)
{
    const size_t n = 4 * PT_N;
    float *all = malloc(n * sizeof(float)), *one = malloc(n * sizeof(float));
    cr_assert_eq(capture_one_thread(parts_run, one, n), 0, "the one-thread run (a child with NN_THREADS=1) failed");
    parts_run(all, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(memcmp(&all[i], &one[i], sizeof(float)) == 0,
                  "element %zu of (O, dQ, dK, dV): %.9g on all threads, %.9g on one. Hint: a slice's products "
                  "and rows must be computed the same whichever part (thread) holds it", i, (double)all[i],
                  (double)one[i]);
    free(all), free(one);
}

/* attn_products_only: the same products as forward and backward, without softmax or dS: so O is
 * (Q K^T / sqrt(D)) V and, backward, dV = P^T dO with P as it stands, dQ = (dO V^T) K / sqrt(D). */
Test(attention, products_only_are_the_products_alone)
{
    enum { B = 2, H = 3, T = 5, D = 4, N = B * H * T * D };
    rng_t rng;
    rng_seed(&rng, 9);
    float Q[N], K[N], V[N], dO[N], O[N], dQ[N], dK[N], dV[N], S[T * T], want[T * D], dP[T * T];
    for (int i = 0; i < N; i++)
        Q[i] = rng_normal(&rng), K[i] = rng_normal(&rng), V[i] = rng_normal(&rng), dO[i] = rng_normal(&rng);
    attn_cache_t c = attn_cache_new(B, H, T, T, D, D);
    const float scale = 1.0f / sqrtf((float)D);
    const attn_view_t none = {0};
    attn_view_t vO = attn_view_contiguous(O, H, T, D), vQ = attn_view_contiguous(Q, H, T, D),
                vK = attn_view_contiguous(K, H, T, D), vV = attn_view_contiguous(V, H, T, D);
    attn_products_only(&c, 0, vO, none, none, none, none, vQ, vK, vV);
    attn_products_only(&c, 1, none, attn_view_contiguous(dQ, H, T, D), attn_view_contiguous(dK, H, T, D),
                       attn_view_contiguous(dV, H, T, D), attn_view_contiguous(dO, H, T, D), vQ, vK, vV);
    for (int s = 0; s < B * H; s++) {
        const size_t o = (size_t)s * T * D;
        matmul_naive(0, 1, T, T, D, scale, Q + o, K + o, 0.0f, S);
        matmul_naive(0, 0, T, D, T, 1.0f, S, V + o, 0.0f, want);
        expect_close(O + o, want, T * D, 1e-5f, "O = (Q K^T / sqrt(D)) V");
        matmul_naive(1, 0, T, D, T, 1.0f, S, dO + o, 0.0f, want); /* P is still the raw scores */
        expect_close(dV + o, want, T * D, 1e-5f, "dV = P^T dO");
        matmul_naive(0, 1, T, T, D, 1.0f, dO + o, V + o, 0.0f, dP);
        matmul_naive(0, 0, T, D, T, scale, dP, K + o, 0.0f, want);
        expect_close(dQ + o, want, T * D, 1e-5f, "dQ = (dO V^T) K / sqrt(D)");
    }
    attn_cache_free(&c);
}

/* Views: the heads of a (B T, 3E) matrix of [q | k | v] rows, read in place, and the output and
 * gradients written into (B T, E) and (B T, 3E) rows, give the numbers of the contiguous
 * (B, H, T, D) call on copies, bit for bit (a GPT's attention uses the views). */
Test(attention, row_views_match_contiguous_heads)
{
    enum { B = 2, H = 3, T = 7, D = 4, E = H * D, N = B * T * E };
    rng_t rng;
    rng_seed(&rng, 13);
    static float qkv[B * T * 3 * E], dOr[N], Or[N], dqkv[B * T * 3 * E];
    static float q[N], k[N], v[N], dO[N], O[N], dq[N], dk[N], dv[N];
    for (int i = 0; i < B * T * 3 * E; i++)
        qkv[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++)
        dOr[i] = rng_normal(&rng);
    /* the contiguous copies: element (b, h, t, d) of tensor j is qkv[(b T + t) 3E + j E + h D + d] */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int t = 0; t < T; t++)
                for (int d = 0; d < D; d++) {
                    const size_t c = (((size_t)b * H + h) * T + t) * D + d, r = ((size_t)b * T + t) * 3 * E + h * D + d;
                    q[c] = qkv[r], k[c] = qkv[r + E], v[c] = qkv[r + 2 * E];
                    dO[c] = dOr[((size_t)b * T + t) * E + h * D + d];
                }
    attn_cache_t c1 = attn_cache_new(B, H, T, T, D, D), c2 = attn_cache_new(B, H, T, T, D, D);
    cr_assert_eq(attn_forward(O, &c1, q, k, v, NULL, 1), 0);
    attn_backward(dq, dk, dv, &c1, dO, q, k, v);
    attn_view_t rq = {qkv, (size_t)T * 3 * E, D, 3 * E}, rk = rq, rv = rq, ro = {Or, (size_t)T * E, D, E},
                rdo = {dOr, (size_t)T * E, D, E}, rdq = {dqkv, (size_t)T * 3 * E, D, 3 * E}, rdk = rdq, rdv = rdq;
    rk.data += E, rv.data += 2 * E, rdk.data += E, rdv.data += 2 * E;
    cr_assert_eq(attn_forward_views(ro, &c2, rq, rk, rv, NULL, 1), 0);
    attn_backward_views(rdq, rdk, rdv, &c2, rdo, rq, rk, rv);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int t = 0; t < T; t++)
                for (int d = 0; d < D; d++) {
                    const size_t c = (((size_t)b * H + h) * T + t) * D + d, r = ((size_t)b * T + t) * 3 * E + h * D + d;
                    cr_assert(O[c] == Or[((size_t)b * T + t) * E + h * D + d], "O (b %d, h %d, t %d, d %d): %.9g "
                              "contiguous, %.9g through the views. Hint: slice n = b H + h starts at b sb + h sh",
                              b, h, t, d, (double)O[c], (double)Or[((size_t)b * T + t) * E + h * D + d]);
                    cr_assert(dq[c] == dqkv[r] && dk[c] == dqkv[r + E] && dv[c] == dqkv[r + 2 * E],
                              "dQ/dK/dV (b %d, h %d, t %d, d %d) differ between the contiguous call and the views",
                              b, h, t, d);
                }
    attn_cache_free(&c1), attn_cache_free(&c2);
}
