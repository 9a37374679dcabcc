/* schedule.h — learning-rate schedules, and the learning-rate finder's sweep.
 *
 * A schedule says which learning rate step t (0, 1, ..., total - 1) uses. With eta0 = lr0 the
 * starting (or peak) rate, eta_min the final one and T = total steps (chapter 5 motivates each):
 *
 *   CONSTANT      eta0
 *   TIME_DECAY    eta0 / (1 + k t)                                   k = decay
 *   STEP          eta0 gamma^floor(t / step_size)                    (PyTorch StepLR)
 *   EXPONENTIAL   eta0 gamma^t                                       (ExponentialLR)
 *   COSINE        eta_min + (eta0 - eta_min) (1 + cos(pi t / T)) / 2 (CosineAnnealingLR, T_max = T)
 *   WARMUP        eta0 min(1, (t + 1) / W)                           linear warmup, then constant
 *   WARMUP_COSINE eta0 (t + 1) / W for t < W, then COSINE over the remaining T - W steps
 *   ONECYCLE      Smith's 1cycle as PyTorch's OneCycleLR (anneal "cos"): from eta0 / div up to
 *                 eta0 over the first pct T - 1 steps, then down to eta0 / (div final_div) at the
 *                 last step, each phase a half cosine  cos_anneal(a, b, x) = b + (a - b)(1 + cos(pi x)) / 2
 *   FLAT_COSINE   eta0 for the first flat T steps, then COSINE over the rest (to eta_min)
 *   LINEAR        eta0 (1 - t / T)                                   straight down: eta0 at the first
 *                                                                    step, eta0 / T at the last
 *
 * The learning-rate finder (Smith 2017, popularized by fast.ai) trains for a few hundred steps
 * while the rate grows geometrically from lo to hi, and plots the loss against it:
 * schedule_range_lr() gives the sweep's rates, schedule_finder_suggest() reads the plot.
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: schedule_, SCHEDULE_
 */
#ifndef NN_SCHEDULE_H
#define NN_SCHEDULE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SCHEDULE_CONSTANT, SCHEDULE_TIME_DECAY, SCHEDULE_STEP, SCHEDULE_EXPONENTIAL, SCHEDULE_COSINE, SCHEDULE_WARMUP,
    SCHEDULE_WARMUP_COSINE, SCHEDULE_ONECYCLE, SCHEDULE_FLAT_COSINE, SCHEDULE_LINEAR, SCHEDULE_KIND_COUNT
} schedule_kind_t;

typedef struct {
    schedule_kind_t kind;
    float lr0;       /* starting rate (the peak for ONECYCLE and the warmups) */
    float lr_min;    /* final rate of COSINE, WARMUP_COSINE, FLAT_COSINE; default 0 */
    long total;      /* T: steps in the run */
    long warmup;     /* W: warmup steps (WARMUP, WARMUP_COSINE) */
    float decay;     /* k of TIME_DECAY */
    float gamma;     /* STEP and EXPONENTIAL factor */
    long step_size;  /* STEP: steps between drops */
    float pct;       /* ONECYCLE: fraction of steps going up (0.3); FLAT_COSINE: fraction flat */
    float div, final_div; /* ONECYCLE: 25 and 1e4, as in PyTorch */
} schedule_t;

/* A schedule of the given kind with lr0 and total, everything else at a sensible default:
 * lr_min 0, warmup total/10 (at least 1), decay 10 / total, gamma 0.5 (STEP, step_size total/4)
 * or 0.01^(1/total) (EXPONENTIAL: down by 100x over the run), pct 0.3 (ONECYCLE) or 0.5
 * (FLAT_COSINE), div 25, final_div 1e4. */
schedule_t schedule_new(schedule_kind_t kind, float lr0, long total);

/* The learning rate of step t (t < 0 counts as 0, t >= total as total - 1). */
float schedule_lr(const schedule_t *s, long t);

/* "constant", "time", "step", "exponential", "cosine", "warmup", "warmup-cosine", "1cycle",
 * "flat-cosine", "linear". */
const char *schedule_name(schedule_kind_t kind);

/* The finder's rate at sweep step i of n (n >= 2): lo (hi / lo)^(i / (n - 1)), lo > 0. */
float schedule_range_lr(float lo, float hi, int i, int n);

/* Read the finder's curve: lrs (n) and losses (n) as recorded (raw). Smooths the losses with a
 * bias-corrected exponential moving average (beta 0.9), finds the step with the smallest smoothed
 * loss and returns a tenth of its rate, the usual rule of thumb (steepest descent is typically
 * near it). Writes the smoothed losses into smoothed (n) when it is not NULL. Returns NAN
 * (reported) when n < 2 or every loss is non-finite. */
float schedule_finder_suggest(float *smoothed, const float *lrs, const float *losses, int n);

#ifdef __cplusplus
}
#endif

#endif
