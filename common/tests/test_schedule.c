/* Tests of schedule.h and clip.h: PyTorch's schedulers and clip_grad_norm_ (golden values from
 * chapters/05_optimization/golden/make_golden.py), the other schedules in closed form. */
#include "clip.h"
#include "schedule.h"

#include "../../chapters/05_optimization/golden/golden_05.h"
#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>

static int close6(double got, double want) { return fabs(got - want) <= 1e-6 * fmax(fabs(want), 1e-3); }

static void against(schedule_t s, const float *want, const char *what)
{
    for (int t = 0; t < G_S; t++) {
        float lr = schedule_lr(&s, t);
        cr_assert(close6(lr, want[t]), "%s, step %d: PyTorch %.9g, got %.9g", what, t, want[t], lr);
    }
}

Test(schedule, cosine_matches_pytorch)
{
    schedule_t s = schedule_new(SCHEDULE_COSINE, 0.5f, G_S);
    s.lr_min = 0.01f;
    against(s, G_COSINE, "cosine");
}

Test(schedule, onecycle_matches_pytorch) { against(schedule_new(SCHEDULE_ONECYCLE, 0.5f, G_S), G_ONECYCLE, "1cycle"); }

Test(schedule, step_matches_pytorch)
{
    schedule_t s = schedule_new(SCHEDULE_STEP, 0.5f, G_S);
    s.step_size = 6;
    against(s, G_STEP, "step");
}

Test(schedule, exponential_matches_pytorch)
{
    schedule_t s = schedule_new(SCHEDULE_EXPONENTIAL, 0.5f, G_S);
    s.gamma = 0.9f;
    against(s, G_EXPONENTIAL, "exponential");
}

Test(schedule, closed_forms)
{
    /* time decay, k = 10/100 = 0.1: lr(10) = 1 / (1 + 1) = 0.5 */
    schedule_t s = schedule_new(SCHEDULE_TIME_DECAY, 1.0f, 100);
    cr_assert(close6(schedule_lr(&s, 10), 0.5), "time decay at t = 10: got %g", schedule_lr(&s, 10));
    /* warmup over W = 10 steps: 0.1, ..., 1.0 at t = 9, then 1 */
    s = schedule_new(SCHEDULE_WARMUP, 1.0f, 100);
    cr_assert(close6(schedule_lr(&s, 0), 0.1) && close6(schedule_lr(&s, 9), 1) && close6(schedule_lr(&s, 50), 1),
              "warmup: got %g %g %g", schedule_lr(&s, 0), schedule_lr(&s, 9), schedule_lr(&s, 50));
    /* warmup + cosine: at t = W + (T - W)/2 = 55 the cosine is half way: 0.5 */
    s = schedule_new(SCHEDULE_WARMUP_COSINE, 1.0f, 100);
    cr_assert(close6(schedule_lr(&s, 55), 0.5) && close6(schedule_lr(&s, 10), 1),
              "warmup-cosine: got %g at 55, %g at 10", schedule_lr(&s, 55), schedule_lr(&s, 10));
    /* flat + cosine: flat for 50 steps, half way down at 75 */
    s = schedule_new(SCHEDULE_FLAT_COSINE, 1.0f, 100);
    cr_assert(close6(schedule_lr(&s, 49), 1) && close6(schedule_lr(&s, 75), 0.5), "flat-cosine: got %g, %g",
              schedule_lr(&s, 49), schedule_lr(&s, 75));
    /* exponential by default: down 100x over the run, so 10x at half way */
    s = schedule_new(SCHEDULE_EXPONENTIAL, 1.0f, 100);
    cr_assert(fabs(schedule_lr(&s, 50) - 0.1) < 1e-5, "exponential default: got %g", schedule_lr(&s, 50));
    /* linear over T = 100: 1 at t = 0, 0.75 at 25, 1/100 at the last step 99 (never 0), clamped after */
    s = schedule_new(SCHEDULE_LINEAR, 1.0f, 100);
    cr_assert(close6(schedule_lr(&s, 0), 1) && close6(schedule_lr(&s, 25), 0.75) && close6(schedule_lr(&s, 99), 0.01) &&
                  close6(schedule_lr(&s, 500), 0.01),
              "linear: got %g %g %g %g", schedule_lr(&s, 0), schedule_lr(&s, 25), schedule_lr(&s, 99),
              schedule_lr(&s, 500));
    cr_assert_str_eq(schedule_name(SCHEDULE_LINEAR), "linear");
}

Test(schedule, finder_sweep_and_suggestion)
{
    cr_assert(close6(schedule_range_lr(1e-4f, 1.0f, 0, 5), 1e-4) && close6(schedule_range_lr(1e-4f, 1.0f, 2, 5), 1e-2) &&
                  close6(schedule_range_lr(1e-4f, 1.0f, 4, 5), 1.0),
              "the sweep is geometric from lo to hi");
    /* a loss that falls until lr = 0.1 and then blows up: the suggestion is near 0.1 / 10 */
    enum { N = 101 };
    float lrs[N], loss[N], sm[N];
    for (int i = 0; i < N; i++) {
        lrs[i] = schedule_range_lr(1e-4f, 10, i, N);
        double x = log10(lrs[i]);
        loss[i] = (float)(x < -1 ? 2.3 - 0.5 * (x + 4) : 0.8 + 3 * (x + 1) * (x + 1));
    }
    loss[N - 1] = NAN;
    float s = schedule_finder_suggest(sm, lrs, loss, N);
    cr_assert(s > 0.003f && s < 0.02f, "suggested %g, expected about 0.01 (a tenth of the minimum's rate)", s);
}

Test(clip, norm_matches_pytorch)
{
    float a[5], b[3];
    memcpy(a, G_CLIP_A, sizeof a), memcpy(b, G_CLIP_B, sizeof b);
    double n = clip_grad_norm((float *[]){a, b}, (size_t[]){5, 3}, 2, 1.5f);
    cr_assert(close6(n, G_CLIP_NORM), "norm: PyTorch %.9g, got %.9g", G_CLIP_NORM, n);
    for (int i = 0; i < 5; i++)
        cr_assert(close6(a[i], G_CLIP_A1[i]), "a[%d]: PyTorch %.9g, got %.9g", i, G_CLIP_A1[i], a[i]);
    for (int i = 0; i < 3; i++)
        cr_assert(close6(b[i], G_CLIP_B1[i]), "b[%d]: PyTorch %.9g, got %.9g", i, G_CLIP_B1[i], b[i]);
}

Test(clip, small_gradients_and_values)
{
    float g[3] = {0.3f, -0.4f, 0};
    double n = clip_grad_norm_flat(g, 3, 1.0f);
    cr_assert(close6(n, 0.5) && g[0] == 0.3f && g[1] == -0.4f, "a norm below max_norm leaves g alone");
    float h[4] = {2, -3, 0.5f, -0.5f};
    size_t k = clip_grad_value(h, 4, 1.0f);
    cr_assert(k == 2 && h[0] == 1 && h[1] == -1 && h[2] == 0.5f && h[3] == -0.5f, "clamp to [-1, 1]");
}

static void bad_clip(void *arg)
{
    (void)arg;
    float g[1] = {1};
    clip_grad_norm_flat(g, 1, 0);
}

Test(clip, nonpositive_max_norm_is_reported)
{
    char buf[1024];
    int st = capture_stderr(bad_clip, NULL, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "max_norm = 0") && strstr(buf, "hint"), "status %d: %s", st, buf);
}
