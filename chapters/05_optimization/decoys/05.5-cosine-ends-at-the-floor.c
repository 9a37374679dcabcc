/* decoy 05.5: the cosine divided by T - W - 1 so that the last step lands on lr_min */
    if (t < warmup)
        return (float)((double)lr_max * (double)(t + 1) / (double)warmup);
    double x = (double)(t - warmup) / (double)(total - warmup - 1);
    return (float)(lr_min + 0.5 * ((double)lr_max - lr_min) * (1.0 + cos(M_PI * x)));
