/* decoy 06.8: the certain case tested as s == 0 (the task says s <= 0) */
    double gain = best - xi - mu;
    if (s == 0)
        return gain > 0 ? gain : 0;
    double g = gain / s;
    return gain * stats_normal_cdf(g) + s * stats_normal_pdf(g);
