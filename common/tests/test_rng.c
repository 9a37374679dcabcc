/* Tests of rng.h: determinism, ranges, and the first two moments of the distributions. */
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>

Test(rng, same_seed_same_stream_different_seed_different_stream)
{
    rng_t a, b, c;
    rng_seed(&a, 42), rng_seed(&b, 42), rng_seed(&c, 43);
    int same = 1, differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);
        same &= x == y;
        differ += x != z;
    }
    cr_assert(same, "two generators seeded alike must give the same numbers");
    cr_assert_gt(differ, 95, "seeds 42 and 43 should give unrelated streams (%d/100 differ)", differ);
}

Test(rng, uniform_in_range_with_mean_one_half)
{
    rng_t r;
    rng_seed(&r, 1);
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        float u = rng_uniform(&r);
        cr_assert(u >= 0 && u < 1, "uniform %g outside [0, 1)", u);
        sum += u, sum2 += (double)u * u;
    }
    /* mean 1/2, variance 1/12; standard error of the mean = sqrt(1/12/n) ~ 6.5e-4: allow 5 sigma */
    cr_assert(fabs(sum / n - 0.5) < 3.3e-3, "uniform mean %g, expected 0.5", sum / n);
    cr_assert(fabs(sum2 / n - sum * sum / n / n - 1.0 / 12) < 2e-3, "uniform variance off");
}

Test(rng, normal_has_mean_zero_and_unit_variance)
{
    rng_t r;
    rng_seed(&r, 2);
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        sum += z, sum2 += z * z;
    }
    /* standard error of the mean 1/sqrt(n) ~ 2.2e-3 (5 sigma: 0.011); of the variance ~ 3.2e-3 */
    cr_assert(fabs(sum / n) < 0.011, "normal mean %g, expected 0", sum / n);
    cr_assert(fabs(sum2 / n - 1) < 0.016, "normal variance %g, expected 1", sum2 / n);
}

Test(rng, below_is_unbiased_and_in_range)
{
    rng_t r;
    rng_seed(&r, 3);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint32_t k = rng_below(&r, 7);
        cr_assert_lt(k, 7u, "rng_below(7) returned %u", k);
        counts[k]++;
    }
    for (int k = 0; k < 7; k++) /* expected 10000 each, sd ~ 93: allow 5 sd */
        cr_assert(abs(counts[k] - 10000) < 470, "value %d drawn %d times of 70000, expected ~10000", k, counts[k]);
}

Test(rng, shuffle_is_a_permutation_and_moves_things)
{
    rng_t r;
    rng_seed(&r, 4);
    int idx[100], seen[100] = {0}, moved = 0;
    rng_iota(idx, 100);
    rng_shuffle(&r, idx, 100);
    for (int i = 0; i < 100; i++) {
        cr_assert(idx[i] >= 0 && idx[i] < 100 && !seen[idx[i]], "not a permutation at %d", i);
        seen[idx[i]] = 1;
        moved += idx[i] != i;
    }
    cr_assert_gt(moved, 80, "a shuffle of 100 should move most elements (moved %d)", moved);
}
