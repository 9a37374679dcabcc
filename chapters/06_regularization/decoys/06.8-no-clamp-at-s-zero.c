/* decoy 06.8: for s <= 0 the gain itself, not max(gain, 0) */
    double gain = best - xi - mu;
    if (s <= 0)
        return gain;
    double g = gain / s;
    return gain * stats_normal_cdf(g) + s * stats_normal_pdf(g);
