/* decoy 03.3: the floor added to the denominator (|a| + |n| + 1e-3) instead of max(|a| + |n|, 1e-3) */
    const float saved = *p;
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved - h;
    double lm = loss(ctx);
    *p = saved;
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric) / (fabs(analytic) + fabs(numeric) + GRADCHECK_FLOOR);
