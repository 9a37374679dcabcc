/* decoy 05.4: singular test with a tolerance (|det| < 1e-6) not det == 0 */
    double det = (double)H[0] * H[3] - (double)H[1] * H[2];
    if (fabs(det) < 1e-6)
        return -1;
    double d0 = ((double)H[3] * g[0] - (double)H[1] * g[1]) / det;
    double d1 = (-(double)H[2] * g[0] + (double)H[0] * g[1]) / det;
    p[0] -= (float)d0;
    p[1] -= (float)d1;
    return 0;
