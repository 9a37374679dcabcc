/* decoy 05.5: the floor lr_min is ignored (the cosine decays to 0) */
    if (t < warmup)
        return (float)((double)lr_max * (double)(t + 1) / (double)warmup);
    double x = (double)(t - warmup) / (double)(total - warmup);
    (void)lr_min;
    return (float)(0.5 * (double)lr_max * (1.0 + cos(M_PI * x)));
