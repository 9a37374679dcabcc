/* decoy 06.8: the s phi(g) term forgotten (only the probability-weighted gain) */
    double gain = best - xi - mu;
    if (s <= 0)
        return gain > 0 ? gain : 0;
    double g = gain / s;
    return gain * stats_normal_cdf(g);
