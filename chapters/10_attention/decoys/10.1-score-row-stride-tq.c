/* decoy 10.1: row stride of S taken as Tq instead of Tk (only right when Tq = Tk or Tq = 1) */
    const float scale = 1.0f / sqrtf((float)D);
    for (int i = 0; i < Tq; i++)
        for (int j = 0; j < Tk; j++) {
            double s = 0;
            for (int d = 0; d < D; d++)
                s += (double)Q[i * D + d] * K[j * D + d];
            S[i * Tq + j] = (float)s * scale;
        }
