/* decoy 03.3: the two losses kept in float (rounding of L divided by 2h) */
    const float saved = *p;
    *p = saved + h;
    float lp = (float)loss(ctx);
    *p = saved - h;
    float lm = (float)loss(ctx);
    *p = saved;
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), GRADCHECK_FLOOR);
