/* Tests of charlm.h: the whole model's backward pass (LSTM and GRU, with dropout, AR and TAR, from
 * a carried state) against centered differences on sampled parameters, carrying the state
 * between windows against one long window and against a reset, the hooks, the tag, and bad sizes
 * and ids reported by an error return, not an exit. */
#include "capture.h"
#include "charlm.h"
#include "gradcheck.h"
#include "rng.h"
#include "text.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

enum { V = 5, H = 4, T = 3, B = 2, N = T * B, SAMPLES = 40 };

/* L = sum(logits * R) + AR + TAR with a fixed dropout mask (the rng is reseeded) and a fixed
 * starting state: smooth in the parameters, and dL/dlogits = R (gradcheck.h's upstream trick). */
typedef struct {
    charlm_t m;
    rng_t rng;
    int in[N];
    float r[N * V], h0[B * H], c0[B * H];
} lm_ctx;

static double upstream_loss(void *p)
{
    lm_ctx *k = p;
    rng_seed(&k->rng, 77);
    memcpy(k->m.h, k->h0, sizeof k->h0), memcpy(k->m.c, k->c0, sizeof k->c0);
    const float *z = charlm_forward(&k->m, k->in);
    return gradcheck_dot(z, k->r, N * V) + charlm_penalty(&k->m, NULL);
}

static void check_gradient(charlm_cell_t cell)
{
    lm_ctx *k = calloc(1, sizeof *k);
    cr_assert(charlm_new(&k->m, cell, V, H, T, B) == 0, "charlm_new refused valid sizes");
    rng_t rng;
    rng_seed(&rng, 5 + cell);
    charlm_init(&k->m, &rng);
    for (size_t i = 0; i < k->m.n_params; i++) /* nonzero biases, no symmetric units */
        k->m.params[i] += 0.3f * rng_normal(&rng);
    for (int i = 0; i < B * H; i++) /* a state carried from an earlier window: its gradient stops here */
        k->h0[i] = 0.5f * rng_normal(&rng), k->c0[i] = 0.5f * rng_normal(&rng);
    for (int i = 0; i < N; i++)
        k->in[i] = (int)rng_below(&rng, V);
    gradcheck_random_upstream(k->r, N * V, &rng);
    k->m.dropout = 0.25f, k->m.ar = 0.5f, k->m.tar = 0.7f, k->m.rng = &k->rng, k->m.training = 1;
    upstream_loss(k);
    memcpy(k->m.dlogits, k->r, sizeof k->r);
    cr_assert(charlm_backward(&k->m) == 0);
    /* Centered differences on SAMPLES parameters drawn from the whole block (every tensor is
     * hit: Wx and Wh hold most of it), each loss accumulated in double, step h = 1e-2 on float32
     * parameters: a correct gradient is within ~1e-4 relative (the float forward's rounding over
     * 2h, plus h^2 curvature); a wrong factor or a missed term is off by 1e-1 or more. Bound 1e-2,
     * relative to |a| + |n| with gradcheck.h's floor 1e-3. */
    const float h = 1e-2f;
    double worst = 0;
    size_t at = 0;
    double wa = 0, wn = 0;
    for (int s = 0; s < SAMPLES; s++) {
        size_t i = s < 6 ? (size_t)(k->m.by - k->m.params) + (size_t)s % V /* the read-out's bias too */
                         : (size_t)rng_below(&rng, (uint32_t)k->m.n_params);
        float p = k->m.params[i];
        k->m.params[i] = p + h;
        double up = upstream_loss(k);
        k->m.params[i] = p - h;
        double down = upstream_loss(k);
        k->m.params[i] = p;
        double num = (up - down) / (2.0 * (double)h), a = k->m.grads[i];
        double rel = fabs(a - num) / fmax(fabs(a) + fabs(num), GRADCHECK_FLOOR);
        if (rel > worst)
            worst = rel, at = i, wa = a, wn = num;
    }
    cr_assert(worst < 1e-2, "char-%s: parameter %zu: backward %.6g, centered difference %.6g (relative error %.2g, "
              "bound 1e-2)", charlm_cell_name(cell), at, wa, wn, worst);
    charlm_free(&k->m);
    free(k);
}

Test(charlm, lstm_gradient_with_dropout_ar_tar_from_a_carried_state) { check_gradient(CHARLM_LSTM); }
Test(charlm, gru_gradient_with_dropout_ar_tar_from_a_carried_state) { check_gradient(CHARLM_GRU); }

/* Two windows of T with the state carried = one window of 2T; with carry 0 the second window
 * forgets the first (as after charlm_reset_state). */
static void check_state(charlm_cell_t cell)
{
    charlm_t half, whole;
    cr_assert(charlm_new(&half, cell, V, H, T, B) == 0 && charlm_new(&whole, cell, V, H, 2 * T, B) == 0);
    rng_t rng;
    rng_seed(&rng, 3);
    charlm_init(&half, &rng);
    memcpy(whole.params, half.params, half.n_params * sizeof(float));
    int in[2 * N];
    for (int i = 0; i < 2 * N; i++)
        in[i] = (int)rng_below(&rng, V);
    const float *zw = charlm_forward(&whole, in);
    charlm_forward(&half, in);
    const float *zh = charlm_forward(&half, in + N);
    double d = 0;
    for (int i = 0; i < N * V; i++)
        d = fmax(d, fabs(zh[i] - zw[N * V + i]));
    /* the same arithmetic but for the products' shapes (BLAS may block them otherwise) */
    cr_assert(d < 1e-5, "char-%s: the second window with the state carried differs from steps T+1..2T of one "
              "long window by %.2g (bound 1e-5)", charlm_cell_name(cell), d);
    float fresh[N * V], forgot[N * V];
    charlm_reset_state(&half);
    memcpy(fresh, charlm_forward(&half, in + N), sizeof fresh);
    half.carry = 0;
    float kept = half.h[0];
    memcpy(forgot, charlm_forward(&half, in + N), sizeof forgot);
    cr_assert(memcmp(fresh, forgot, sizeof fresh) == 0,
              "char-%s: with carry 0 a window must start from zeros, as after charlm_reset_state",
              charlm_cell_name(cell));
    cr_assert(half.h[0] == kept, "char-%s: with carry 0 the state must be left alone", charlm_cell_name(cell));
    charlm_free(&half), charlm_free(&whole);
}

Test(charlm, lstm_state_carried_between_windows_or_reset) { check_state(CHARLM_LSTM); }
Test(charlm, gru_state_carried_between_windows_or_reset) { check_state(CHARLM_GRU); }

static int sampled;
static int first_symbol(float *p, const float *z, int n, float tau, rng_t *rng)
{
    (void)p, (void)z, (void)n, (void)tau, (void)rng;
    sampled++;
    return 0;
}

static double constant_bits(const float *z, const int *t, int n, int v)
{
    (void)z, (void)t, (void)n, (void)v;
    return 42;
}

Test(charlm, loss_bits_hooks_generate_and_tag)
{
    const char text[] = "abcde";
    text_vocab_t vocab;
    cr_assert(text_vocab_build(&vocab, text, 5, TEXT_BYTES) == 0 && vocab.size == V);
    charlm_t m;
    cr_assert(charlm_new(&m, CHARLM_LSTM, V, H, T, B) == 0);
    cr_assert(m.n_params == charlm_size(CHARLM_LSTM, V, H) && m.n_params == 5 * 16 + 4 * 16 + 16 + 4 * 5 + 5,
              "n_params %zu: Wx (5, 16), Wh (4, 16), b (16), Wy (4, 5), by (5)", m.n_params);
    rng_t rng;
    rng_seed(&rng, 1);
    charlm_init(&m, &rng);
    cr_assert(m.b[H] == 1.0f && m.b[0] == 0.0f, "the LSTM's forget-gate bias starts at 1, the others at 0");
    int in[N] = {0, 1, 2, 3, 4, 0}, tg[N] = {1, 2, 3, 4, 0, 1};
    charlm_reset_state(&m);
    float nats = charlm_loss(&m, in, tg);
    charlm_reset_state(&m);
    double bits = charlm_bits(&m, in, tg);
    cr_assert(fabs(bits - nats / log(2.0)) < 1e-6, "charlm_bits %.7g, charlm_loss %.7g nats = %.7g bits", bits, nats,
              nats / log(2.0));
    m.hooks.bits = constant_bits, m.hooks.sample = first_symbol;
    cr_assert(charlm_bits(&m, in, tg) == 42, "charlm_bits must score with hooks.bits when it is set");
    char out[8];
    sampled = 0;
    cr_assert(charlm_generate(&m, out, &vocab, "bad", 7, 1.0f, &rng) == 0);
    cr_assert(sampled == 7 && strcmp(out, "aaaaaaa") == 0, "generate must draw each character with hooks.sample: "
              "%d draws, text '%s'", sampled, out);
    char tag[64];
    cr_assert(strncmp(charlm_tag(&m, tag, sizeof tag, &vocab), "charlm lstm V=5 H=4 vocab=", 26) == 0 &&
                  strlen(tag) == 34, "tag '%s'", tag);
    charlm_free(&m), text_vocab_free(&vocab);
}

/* Each runs in a child (capture_stderr): returning with the error value is status 0, and an
 * exit or a crash would show as another status. */
static void bad_sizes(void *arg)
{
    (void)arg;
    charlm_t m;
    if (charlm_new(&m, CHARLM_LSTM, 0, 4, 3, 2) != -1 || charlm_new(&m, CHARLM_GRU, 5, 4, 3, 0) != -1 ||
        charlm_new(&m, (charlm_cell_t)7, 5, 4, 3, 2) != -1)
        abort();
    charlm_free(&m); /* safe after a refusal */
}

static void bad_ids(void *arg)
{
    (void)arg;
    charlm_t m;
    text_vocab_t vocab;
    if (charlm_new(&m, CHARLM_GRU, V, H, 1, 2) != 0 || text_vocab_build(&vocab, "abc", 3, TEXT_BYTES) != 0)
        abort();
    adam_t opt = adam_new(m.n_params, 1e-3f);
    char out[4];
    if (charlm_backward(&m) != -1 || charlm_forward(&m, (int[]){0, 5}) != NULL ||
        !isnan(charlm_loss(&m, (int[]){0, 1}, (int[]){-1, 0})) ||
        !isnan(charlm_train_step(&m, &opt, NULL, (int[]){9, 1}, (int[]){0, 0}, 1.0f)) ||
        !isnan(charlm_bits(&m, (int[]){0, -2}, (int[]){0, 0})) || charlm_generate(&m, out, &vocab, "", 3, 1, NULL) != -1)
        abort();
    adam_free(&opt), charlm_free(&m), text_vocab_free(&vocab);
}

Test(charlm, bad_sizes_and_ids_return_an_error)
{
    char err[8192];
    int st = capture_stderr(bad_sizes, NULL, err, sizeof err);
    cr_assert(st == 0 && strstr(err, "V = 0") && strstr(err, "B = 0") && strstr(err, "cell 7") && strstr(err, "hint"),
              "bad sizes: expected three reports and -1 each (status 0), got status %d:\n%s", st, err);
    st = capture_stderr(bad_ids, NULL, err, sizeof err);
    cr_assert(st == 0 && strstr(err, "no forward pass") && strstr(err, "id 5 at position 1") &&
                  strstr(err, "target -1") && strstr(err, "id 9") && strstr(err, "id -2") &&
                  strstr(err, "vocabulary of 3 bytes") && strstr(err, "hint"),
              "bad ids: expected reports and error returns (status 0), got status %d:\n%s", st, err);
}
