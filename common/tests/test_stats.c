/* Tests of stats.h: the standard normal CDF and density against tabulated values. */
#include "stats.h"

#include <criterion/criterion.h>
#include <math.h>

Test(stats, normal_cdf_table_and_tails)
{
    /* Abramowitz & Stegun table 26.1: Phi(1) = 0.8413447460685429, Phi(1.96) = 0.9750021048517795 */
    cr_assert_float_eq(stats_normal_cdf(0), 0.5, 1e-15, "Phi(0) = 1/2");
    cr_assert_float_eq(stats_normal_cdf(1), 0.8413447460685429, 1e-14, "Phi(1): got %.16g", stats_normal_cdf(1));
    cr_assert_float_eq(stats_normal_cdf(1.96), 0.9750021048517795, 1e-14, "Phi(1.96)");
    cr_assert_float_eq(stats_normal_cdf(-1) + stats_normal_cdf(1), 1.0, 1e-15, "Phi(-x) = 1 - Phi(x)");
    /* the left tail keeps its relative precision: Phi(-10) = 7.619853024160527e-24 */
    double t = stats_normal_cdf(-10);
    cr_assert(fabs(t / 7.619853024160527e-24 - 1) < 1e-12, "Phi(-10): expected 7.6199e-24, got %g (cancellation?)",
              t);
    cr_assert(stats_normal_cdf(-INFINITY) == 0 && stats_normal_cdf(INFINITY) == 1, "the limits are 0 and 1");
}

Test(stats, normal_pdf_is_the_derivative_of_the_cdf)
{
    cr_assert_float_eq(stats_normal_pdf(0), 1 / sqrt(2 * M_PI), 1e-15, "phi(0) = 1/sqrt(2 pi)");
    for (double x = -4; x <= 4; x += 0.5) {
        double h = 1e-5, num = (stats_normal_cdf(x + h) - stats_normal_cdf(x - h)) / (2 * h);
        cr_assert(fabs(num - stats_normal_pdf(x)) < 1e-9, "phi(%g) = %.12g, centered difference of Phi %.12g", x,
                  stats_normal_pdf(x), num);
    }
}
