/* decoy 03.3: the absolute error instead of the relative one */
    const float saved = *p;
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved - h;
    double lm = loss(ctx);
    *p = saved;
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric);
