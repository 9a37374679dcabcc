/* decoy 05.5: the warmup climbs from lr_min instead of from 0 */
    if (t < warmup)
        return (float)(lr_min + ((double)lr_max - lr_min) * (double)(t + 1) / (double)warmup);
    double x = (double)(t - warmup) / (double)(total - warmup);
    return (float)(lr_min + 0.5 * ((double)lr_max - lr_min) * (1.0 + cos(M_PI * x)));
