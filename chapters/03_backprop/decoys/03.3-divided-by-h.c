/* decoy 03.3: the centered difference divided by h instead of 2h */
    const float saved = *p;
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved - h;
    double lm = loss(ctx);
    *p = saved;
    double numeric = (lp - lm) / h;
    return fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), GRADCHECK_FLOOR);
