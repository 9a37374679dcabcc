/* decoy 03.3: the parameter is left at p - h (not restored) */
    const float saved = *p;
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved - h;
    double lm = loss(ctx);
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), GRADCHECK_FLOOR);
