/* decoy 03.3: *p moved by +h, -2h, +h instead of saved and restored (float rounding leaves it off) */
    *p += h;
    double lp = loss(ctx);
    *p -= 2 * h;
    double lm = loss(ctx);
    *p += h;
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), GRADCHECK_FLOOR);
