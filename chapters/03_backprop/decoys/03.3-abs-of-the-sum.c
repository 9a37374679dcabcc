/* decoy 03.3: the denominator |a + n| instead of |a| + |n| (wrong when the signs differ) */
    const float saved = *p;
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved - h;
    double lm = loss(ctx);
    *p = saved;
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric) / fmax(fabs(analytic + numeric), GRADCHECK_FLOOR);
