/* decoy 06.8: the gain written for a maximization, mu - best - xi */
    double gain = mu - best - xi;
    if (s <= 0)
        return gain > 0 ? gain : 0;
    double g = gain / s;
    return gain * stats_normal_cdf(g) + s * stats_normal_pdf(g);
