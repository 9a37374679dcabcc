/* Tests of init.h: each scheme's sample statistics match its formula. */
#include "init.h"

#include <criterion/criterion.h>
#include <math.h>

static void stats(const float *w, size_t n, double *mean, double *std, float *maxabs)
{
    double s = 0, s2 = 0;
    *maxabs = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i], s2 += (double)w[i] * w[i], *maxabs = fmaxf(*maxabs, fabsf(w[i]));
    *mean = s / n;
    *std = sqrt(s2 / n - *mean * *mean);
}

enum { IN = 400, OUT = 300 };
static float w[IN * OUT];

/* 120,000 samples: the sample std is within 1% of the true one with overwhelming probability
 * (its relative standard error is about 1 / sqrt(2 n) = 0.2%). */
static void expect(const char *name, double want_std, float bound)
{
    double mean, std;
    float m;
    stats(w, IN * OUT, &mean, &std, &m);
    cr_assert(fabs(std / want_std - 1) < 0.01, "%s: std %g, expected %g", name, std, want_std);
    cr_assert(fabs(mean) < 0.01 * want_std, "%s: mean %g, expected ~0", name, mean);
    if (bound > 0)
        cr_assert(m <= bound, "%s: uniform samples within +-%g, got %g", name, bound, m);
}

Test(init, schemes_have_their_variance)
{
    rng_t rng;
    rng_seed(&rng, 9);
    init_he_normal(w, IN, OUT, &rng);
    expect("he_normal", sqrt(2.0 / IN), 0);
    init_lecun_normal(w, IN, OUT, &rng);
    expect("lecun_normal", sqrt(1.0 / IN), 0);
    init_xavier_normal(w, IN, OUT, &rng);
    expect("xavier_normal", sqrt(2.0 / (IN + OUT)), 0);
    init_xavier_uniform(w, IN, OUT, &rng);
    expect("xavier_uniform", sqrt(2.0 / (IN + OUT)), (float)sqrt(6.0 / (IN + OUT)));
    init_he_uniform(w, IN, OUT, &rng);
    expect("he_uniform", sqrt(2.0 / IN), (float)sqrt(6.0 / IN));
}

Test(init, zeros_and_std_helpers)
{
    init_constant(w, 10, 3);
    init_zeros(w, 5);
    cr_assert(w[4] == 0 && w[5] == 3, "init_zeros touches exactly n values");
    cr_assert_float_eq(init_he_std(784), sqrtf(2.0f / 784), 1e-7f);
    cr_assert_float_eq(init_lecun_std(100), 0.1f, 1e-7f);
    cr_assert_float_eq(init_xavier_std(300, 500), 0.05f, 1e-7f);
}
