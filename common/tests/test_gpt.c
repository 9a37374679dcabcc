/* Tests of gpt.h: the whole model against PyTorch (golden/make_gpt_golden.py, output
 * golden/gpt_golden.h) and against centered differences (random upstream gradient R on the logits,
 * L = sum(logits * R)); the KV cache's logits against the full forward's; checkpoints saved and
 * loaded back, and a checkpoint of another shape or version refused; bad ids and lengths refused. */
#include "checkpoint.h"
#include "gpt.h"
#include "capture.h"
#include "gradcheck.h"
#include "parallel.h"
#include "rng.h"

#include "golden/gpt_golden.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const gpt_config_t GG_CFG = {GG_V, GG_TMAX, GG_L, GG_H, GG_C};

Test(gpt, matches_pytorch)
{
    rng_t rng;
    rng_seed(&rng, 1);
    gpt_t m;
    cr_assert_eq(gpt_init(&m, &GG_CFG, &rng), 0);
    cr_assert_eq(m.n, sizeof GG_PARAMS / sizeof *GG_PARAMS, "parameter count: expected %zu (PyTorch), got %zu",
                 sizeof GG_PARAMS / sizeof *GG_PARAMS, m.n);
    memcpy(m.params, GG_PARAMS, sizeof GG_PARAMS);
    gpt_acts_t a;
    cr_assert_eq(gpt_acts_new(&a, &m.cfg, GG_B, GG_T), 0);
    cr_assert_eq(gpt_forward(&a, &m, GG_IDS, GG_B, GG_T), 0);
    for (int i = 0; i < GG_B * GG_T * GG_V; i++)
        cr_assert(fabsf(a.logits[i] - GG_LOGITS[i]) <= 1e-4f * (1 + fabsf(GG_LOGITS[i])),
                  "logits[%d]: expected %.7g (PyTorch), got %.7g. Hint: see the forward in gpt.h", i,
                  (double)GG_LOGITS[i], (double)a.logits[i]);
    float loss = gpt_loss(&a, &m, GG_TARGETS);
    cr_assert(fabsf(loss - GG_LOSS) <= 1e-5f * (1 + GG_LOSS), "loss: expected %.7g (PyTorch), got %.7g. "
              "Hint: the mean cross-entropy over B T tokens", (double)GG_LOSS, (double)loss);
    gpt_backward(&m, &a, a.dlogits, GG_IDS);
    for (size_t i = 0; i < m.n; i++)
        cr_assert(fabsf(m.grads[i] - GG_GRADS[i]) <= 1e-4f * (1 + fabsf(GG_GRADS[i])),
                  "grads[%zu]: expected %.7g (PyTorch), got %.7g. Hint: the layout is wte wpe ln1w ln1b qkvw ...",
                  i, (double)GG_GRADS[i], (double)m.grads[i]);
    gpt_acts_free(&a);
    gpt_free(&m);
}

typedef struct {
    gpt_t m;
    gpt_acts_t a;
    int ids[2 * 5];
    float R[2 * 5 * 7];
} gc_t;

static double gc_loss(void *ctx)
{
    gc_t *s = ctx;
    gpt_forward(&s->a, &s->m, s->ids, 2, 5);
    return gradcheck_dot(s->a.logits, s->R, 2 * 5 * 7);
}

/* Every parameter of a 2-block model (V 7, T 5, H 2, C 8), random upstream gradient on the logits:
 * relative error <= 1e-2 with h = 1e-2 in float32 (the forward rounds at about 1e-7 of the logits,
 * which is 1e-5 of a difference over 2h; 1e-2 leaves room for the curvature of GELU and softmax). */
Test(gpt, gradient_check_whole_model)
{
    static gc_t s;
    rng_t rng;
    rng_seed(&rng, 3);
    cr_assert_eq(gpt_init(&s.m, &GG_CFG, &rng), 0);
    for (size_t i = 0; i < s.m.n; i++) /* larger than GPT-2's init, so that every path matters */
        s.m.params[i] += 0.3f * rng_normal(&rng);
    cr_assert_eq(gpt_acts_new(&s.a, &s.m.cfg, 2, 5), 0);
    for (int i = 0; i < 10; i++)
        s.ids[i] = (int)rng_below(&rng, 7);
    s.ids[7] = s.ids[2]; /* a repeated token: wte's scatter-add must add */
    gradcheck_random_upstream(s.R, 2 * 5 * 7, &rng);
    gc_loss(&s);
    gpt_backward(&s.m, &s.a, s.R, s.ids);
    float *g = malloc(s.m.n * sizeof(float));
    memcpy(g, s.m.grads, s.m.n * sizeof(float));
    gradcheck_result_t r = gradcheck_run(gc_loss, &s, s.m.params, g, s.m.n, 1e-2f);
    cr_assert(r.max_rel_error <= 1e-2, "worst relative error %.3g at parameter %zu (analytic %.6g, numeric %.6g), "
              "bound 1e-2. Hint: which tensor holds that index in gpt.h's layout?", r.max_rel_error, r.worst,
              r.analytic, r.numeric);
    free(g);
    gpt_acts_free(&s.a);
    gpt_free(&s.m);
}

/* Cached generation: feeding tokens one at a time through the KV cache gives, at every position,
 * the logits the full forward gives on the whole prefix (to 1e-5: only the order of float sums
 * differs). */
Test(gpt, kv_cache_matches_full_forward)
{
    const gpt_config_t cfg = {11, 9, 2, 2, 16};
    rng_t rng;
    rng_seed(&rng, 4);
    gpt_t m;
    cr_assert_eq(gpt_init(&m, &cfg, &rng), 0);
    for (size_t i = 0; i < m.n; i++)
        m.params[i] += 0.2f * rng_normal(&rng);
    gpt_acts_t a;
    gpt_kv_t kv;
    cr_assert_eq(gpt_acts_new(&a, &cfg, 1, cfg.Tmax), 0);
    cr_assert_eq(gpt_kv_new(&kv, &cfg), 0);
    int ids[9];
    float logits[11];
    for (int t = 0; t < cfg.Tmax; t++)
        ids[t] = (int)rng_below(&rng, cfg.V);
    for (int t = 0; t < cfg.Tmax; t++) {
        cr_assert_eq(gpt_kv_step(logits, &kv, &m, ids[t]), 0);
        cr_assert_eq(gpt_forward(&a, &m, ids, 1, t + 1), 0);
        for (int v = 0; v < cfg.V; v++) {
            float want = a.logits[(size_t)t * cfg.V + v];
            cr_assert(fabsf(logits[v] - want) <= 1e-5f * (1 + fabsf(want)),
                      "position %d, logit %d: full forward %.8g, KV cache %.8g. Hint: does the cached step see "
                      "positions 0..t, the new one included?", t, v, (double)want, (double)logits[v]);
        }
    }
    cr_assert_eq(kv.len, cfg.Tmax);
    gpt_acts_free(&a);
    gpt_kv_free(&kv);
    gpt_free(&m);
}

static gpt_t bad_model;

static void kv_past_context(void *arg)
{
    (void)arg;
    gpt_kv_t kv;
    float logits[11];
    if (gpt_kv_new(&kv, &bad_model.cfg))
        exit(9);
    for (int t = 0; t < bad_model.cfg.Tmax; t++)
        if (gpt_kv_step(logits, &kv, &bad_model, 1))
            exit(8);
    exit(gpt_kv_step(logits, &kv, &bad_model, 1) == -1 && kv.len == bad_model.cfg.Tmax ? 1 : 0);
}

static void forward_bad_input(void *arg)
{
    int which = *(int *)arg;
    gpt_acts_t a;
    if (gpt_acts_new(&a, &bad_model.cfg, 1, bad_model.cfg.Tmax))
        exit(9);
    int ids[16] = {0};
    if (which == 0)
        exit(gpt_forward(&a, &bad_model, ids, 1, bad_model.cfg.Tmax + 1) == -1 ? 1 : 0);
    ids[2] = bad_model.cfg.V;
    exit(gpt_forward(&a, &bad_model, ids, 1, 4) == -1 ? 1 : 0);
}

Test(gpt, refuses_generation_past_the_context_and_bad_ids)
{
    const gpt_config_t cfg = {11, 4, 1, 2, 8};
    rng_t rng;
    rng_seed(&rng, 5);
    cr_assert_eq(gpt_init(&bad_model, &cfg, &rng), 0);
    char buf[2048];
    int st = capture_stderr(kv_past_context, NULL, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "Tmax = 4") && strstr(buf, "hint"),
              "a 5th token in a cache of 4 positions: expected -1 and a message naming Tmax = 4, got status %d and "
              "\"%s\". Hint: gpt_kv_step checks kv->len < Tmax first", st, buf);
    int which = 0;
    st = capture_stderr(forward_bad_input, &which, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "T=5"), "T = 5 > Tmax = 4: expected -1 and a message, got %d \"%s\". Hint: "
              "check the shape before reading ids", st, buf);
    which = 1;
    st = capture_stderr(forward_bad_input, &which, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "is 11, expected 0..10"), "id 11 with V = 11: expected -1 and a message, got "
              "%d \"%s\". Hint: every id must lie in 0..V-1", st, buf);
    gpt_config_t bad = {11, 4, 1, 3, 8};
    cr_assert_eq(gpt_config_check(&bad), -1, "C = 8 with H = 3 heads must be refused. Hint: C %% H == 0");
    gpt_free(&bad_model);
}

static char ck_path[256];

static void load_other(void *arg)
{
    const gpt_config_t *cfg = arg;
    rng_t rng;
    rng_seed(&rng, 1);
    gpt_t m;
    if (gpt_init(&m, cfg, &rng))
        exit(9);
    float first = m.params[0];
    int rc = gpt_load(&m, ck_path);
    exit(rc == -1 && m.params[0] == first ? 1 : 0);
}

Test(gpt, checkpoint_round_trip_and_refusals)
{
    const gpt_config_t cfg = {13, 8, 2, 2, 8}, other = {13, 8, 2, 2, 16};
    snprintf(ck_path, sizeof ck_path, "/tmp/nn-test-gpt-%d/model.ckpt", (int)getpid());
    rng_t rng;
    rng_seed(&rng, 6);
    gpt_t m, back;
    cr_assert_eq(gpt_init(&m, &cfg, &rng), 0);
    cr_assert_eq(gpt_init(&back, &cfg, &rng), 0);
    cr_assert_eq(gpt_save(&m, ck_path), 0);
    cr_assert_eq(gpt_load(&back, ck_path), 0);
    cr_assert(memcmp(m.params, back.params, m.n * sizeof(float)) == 0, "a checkpoint loaded back must give the "
              "same parameters, bit for bit. Hint: params are written as float32");
    char buf[4096];
    int st = capture_stderr(load_other, (void *)&other, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "C=16") && strstr(buf, "C=8"), "loading a C=8 checkpoint into a C=16 model: "
              "expected -1 naming both shapes, got %d \"%s\". Hint: the tag holds the config", st, buf);
    /* another version: the same shape under the tag of a version 0 */
    char tag[96];
    gpt_tag(tag, &cfg);
    tag[3] = '0';
    cr_assert_eq(checkpoint_save(ck_path, tag, m.params, m.n), 0);
    st = capture_stderr(load_other, (void *)&cfg, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "gpt0") && strstr(buf, "gpt1"), "a gpt0 checkpoint: expected -1 naming both "
              "versions, got %d \"%s\". Hint: the tag begins with the version", st, buf);
    unlink(ck_path);
    gpt_free(&m);
    gpt_free(&back);
}

/* GELU and its derivative against double precision, on a grid over [-12, 12] (both sides of the
 * tanh's clamp) not a multiple of 16 long (the last block is partial): within 1e-6 * (1 + |u|);
 * and the same bits on any split of the array (a part of parallel_for). */
Test(gpt, gelu_against_double)
{
    enum { N = 24001 };
    static float x[N], y[N], dy[N], dx[N], y2[N];
    for (int i = 0; i < N; i++)
        x[i] = -12.0f + 24.0f * i / (N - 1), dy[i] = 1.0f;
    gpt_gelu_forward(y, x, N);
    gpt_gelu_backward(dx, dy, x, N);
    const double s = sqrt(2.0 / M_PI), a = 0.044715;
    double worst = 0, worst_d = 0;
    for (int i = 0; i < N; i++) {
        const double u = x[i], t = tanh(s * (u + a * u * u * u));
        const double ref = 0.5 * u * (1 + t), dref = 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * s * (1 + 3 * a * u * u);
        worst = fmax(worst, fabs(y[i] - ref) / (1 + fabs(u)));
        worst_d = fmax(worst_d, fabs(dx[i] - dref) / (1 + fabs(u)));
    }
    cr_assert(worst <= 1e-6 && worst_d <= 1e-6, "GELU: worst error %.3g, derivative %.3g, expected <= 1e-6 "
              "(relative to 1 + |u|). Hint: the rational tanh in gpt.c", worst, worst_d);
    for (int b = 0; b < N; b += 7919) /* pieces of odd lengths */
        gpt_gelu_forward(y2 + b, x + b, N - b < 7919 ? (size_t)(N - b) : 7919);
    cr_assert(memcmp(y, y2, sizeof y) == 0, "GELU on pieces differs from GELU on the whole array");
}

/* One forward, loss and backward of a model large enough that every pass between the products is
 * split over the threads (GELU, layer norm, softmax rows, heads, biases): its loss and gradients. */
enum { TT_B = 16, TT_T = 64 };
static const gpt_config_t TT_CFG = {40, TT_T, 1, 4, 128};

static void threads_run(float *out, size_t n)
{
    rng_t rng;
    rng_seed(&rng, 11);
    gpt_t m;
    gpt_acts_t a;
    int ids[TT_B * TT_T], targets[TT_B * TT_T];
    gpt_init(&m, &TT_CFG, &rng);
    gpt_acts_new(&a, &TT_CFG, TT_B, TT_T);
    for (int i = 0; i < TT_B * TT_T; i++)
        ids[i] = (int)rng_below(&rng, TT_CFG.V), targets[i] = (int)rng_below(&rng, TT_CFG.V);
    gpt_forward(&a, &m, ids, TT_B, TT_T);
    out[0] = gpt_loss(&a, &m, targets);
    gpt_backward(&m, &a, a.dlogits, ids);
    memcpy(out + 1, m.grads, (n - 1) * sizeof(float));
    gpt_acts_free(&a);
    gpt_free(&m);
}

Test(gpt, same_bits_on_one_thread_and_on_all)
{
    const size_t n = 1 + gpt_param_count(&TT_CFG);
    float *all = malloc(n * sizeof(float)), *one = malloc(n * sizeof(float));
    cr_assert_eq(capture_one_thread(threads_run, one, n), 0, "the one-thread run (a child with NN_THREADS=1) failed");
    threads_run(all, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(memcmp(&all[i], &one[i], sizeof(float)) == 0, "%s on %d threads: %.9g, on one thread: %.9g. "
                  "Hint: a pass split over threads must compute each element alone", i ? "a gradient" : "the loss",
                  parallel_threads(), (double)all[i], (double)one[i]);
    free(all), free(one);
}
