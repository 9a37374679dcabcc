/* decoy 03.3: a forward difference (L(p+h) - L(p)) / h instead of the centered one */
    const float saved = *p;
    double l0 = loss(ctx);
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved;
    double numeric = (lp - l0) / h;
    return fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), GRADCHECK_FLOOR);
