/* decoy 05.5: the cosine phase measured from step 0 over T, not from W over T - W */
    if (t < warmup)
        return (float)((double)lr_max * (double)(t + 1) / (double)warmup);
    double x = (double)t / (double)total;
    return (float)(lr_min + 0.5 * ((double)lr_max - lr_min) * (1.0 + cos(M_PI * x)));
