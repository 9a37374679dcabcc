/* decoy 10.5: subtracted term not weighted by P (dS = P * (dP - sum_j dP_j)) */
    for (int i = 0; i < Tq; i++) {
        double sum = 0;
        for (int j = 0; j < Tk; j++)
            sum += dP[i * Tk + j];
        for (int j = 0; j < Tk; j++)
            dS[i * Tk + j] = P[i * Tk + j] * (dP[i * Tk + j] - (float)sum);
    }
