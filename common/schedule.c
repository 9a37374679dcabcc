/* schedule.c — see schedule.h. */
#include "schedule.h"

#include "error.h"

#include <math.h>

static const char *const SCHEDULE_NAMES[SCHEDULE_KIND_COUNT] = {"constant", "time",          "step",   "exponential", "cosine",
                                                           "warmup",   "warmup-cosine", "1cycle", "flat-cosine", "linear"};

const char *schedule_name(schedule_kind_t kind)
{
    return kind >= 0 && kind < SCHEDULE_KIND_COUNT ? SCHEDULE_NAMES[kind] : "?";
}

schedule_t schedule_new(schedule_kind_t kind, float lr0, long total)
{
    if (kind < 0 || kind >= SCHEDULE_KIND_COUNT || total < 1)
        nn_fatal("use a SCHED_* kind of schedule.h and at least one step",
                 "schedule_new: kind %d, total %ld steps", (int)kind, total);
    schedule_t s = {.kind = kind, .lr0 = lr0, .lr_min = 0, .total = total, .warmup = total / 10 > 0 ? total / 10 : 1,
                    .decay = 10.0f / (float)total, .gamma = 0.5f, .step_size = total / 4 > 0 ? total / 4 : 1,
                    .pct = kind == SCHEDULE_FLAT_COSINE ? 0.5f : 0.3f, .div = 25.0f, .final_div = 1e4f};
    if (kind == SCHEDULE_EXPONENTIAL)
        s.gamma = (float)pow(0.01, 1.0 / (double)total);
    return s;
}

/* Half a cosine from a (x = 0) to b (x = 1). */
static double cos_anneal(double a, double b, double x)
{
    return b + (a - b) * (1.0 + cos(M_PI * x)) / 2.0;
}

float schedule_lr(const schedule_t *s, long t)
{
    const long T = s->total;
    t = t < 0 ? 0 : t >= T ? T - 1 : t;
    const double lr0 = s->lr0, lo = s->lr_min;
    switch (s->kind) {
    case SCHEDULE_CONSTANT: return s->lr0;
    case SCHEDULE_TIME_DECAY: return (float)(lr0 / (1.0 + s->decay * (double)t));
    case SCHEDULE_STEP: return (float)(lr0 * pow(s->gamma, (double)(t / s->step_size)));
    case SCHEDULE_EXPONENTIAL: return (float)(lr0 * pow(s->gamma, (double)t));
    case SCHEDULE_COSINE: return (float)cos_anneal(lr0, lo, (double)t / (double)T);
    case SCHEDULE_WARMUP: return (float)(t < s->warmup ? lr0 * (double)(t + 1) / (double)s->warmup : lr0);
    case SCHEDULE_WARMUP_COSINE:
        if (t < s->warmup)
            return (float)(lr0 * (double)(t + 1) / (double)s->warmup);
        return (float)cos_anneal(lr0, lo, (double)(t - s->warmup) / (double)(T - s->warmup));
    case SCHEDULE_ONECYCLE: {
        /* PyTorch: phase 1 ends at step pct T - 1 (float), phase 2 at T - 1. */
        double start = lr0 / s->div, end = start / s->final_div, up = (double)s->pct * (double)T - 1.0;
        if ((double)t <= up)
            return (float)cos_anneal(start, lr0, up > 0 ? (double)t / up : 1.0);
        return (float)cos_anneal(lr0, end, ((double)t - up) / ((double)(T - 1) - up));
    }
    case SCHEDULE_FLAT_COSINE: {
        long flat = (long)(s->pct * (float)T);
        if (t < flat)
            return s->lr0;
        return (float)cos_anneal(lr0, lo, (double)(t - flat) / (double)(T - flat));
    }
    case SCHEDULE_LINEAR: return (float)(lr0 * (double)(T - t) / (double)T);
    default: return NAN;
    }
}

float schedule_range_lr(float lo, float hi, int i, int n)
{
    return (float)(lo * pow((double)hi / lo, (double)i / (double)(n > 1 ? n - 1 : 1)));
}

float schedule_finder_suggest(float *smoothed, const float *lrs, const float *losses, int n)
{
    if (n < 2) {
        nn_error("record at least two (rate, loss) pairs", "schedule_finder_suggest: n = %d", n);
        return NAN;
    }
    double avg = 0, best = INFINITY;
    int at = -1, seen = 0;
    for (int i = 0; i < n; i++) {
        if (isfinite(losses[i])) {
            avg = 0.9 * avg + 0.1 * losses[i];
            seen++;
        }
        double sm = seen ? avg / (1.0 - pow(0.9, seen)) : NAN;
        if (smoothed)
            smoothed[i] = (float)sm;
        if (seen && isfinite(losses[i]) && sm < best)
            best = sm, at = i;
    }
    if (at < 0) {
        nn_error("lower the sweep's upper rate or check the model: no loss was finite",
                 "schedule_finder_suggest: all %d losses are NaN or infinite", n);
        return NAN;
    }
    return lrs[at] / 10.0f;
}
