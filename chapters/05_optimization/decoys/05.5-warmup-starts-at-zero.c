/* decoy 05.5: the warmup is t/W (the first step has rate 0) instead of (t+1)/W */
    if (t < warmup)
        return (float)((double)lr_max * (double)t / (double)warmup);
    double x = (double)(t - warmup) / (double)(total - warmup);
    return (float)(lr_min + 0.5 * ((double)lr_max - lr_min) * (1.0 + cos(M_PI * x)));
