/* decoy 10.5: softmax gradient missing the subtraction term (dS = P * dP) */
    for (int i = 0; i < Tq * Tk; i++)
        dS[i] = P[i] * dP[i];
