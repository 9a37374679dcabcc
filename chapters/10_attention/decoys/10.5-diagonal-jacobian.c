/* decoy 10.5: only the diagonal of the Jacobian (dS = dP * P * (1 - P)) */
    for (int i = 0; i < Tq * Tk; i++)
        dS[i] = dP[i] * P[i] * (1 - P[i]);
