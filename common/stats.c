/* stats.c — the standard normal CDF and density (see stats.h). */
#include "stats.h"

#include <math.h>

double stats_normal_cdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

double stats_normal_pdf(double x) { return 0.39894228040143267794 * exp(-0.5 * x * x); }
