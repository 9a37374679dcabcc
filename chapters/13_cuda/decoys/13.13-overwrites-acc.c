/* decoy 13.13: acc[i][j] = a b instead of += (the step overwrites the sums) */
    float a[EX_TM], b[EX_TN];
    for (int i = 0; i < EX_TM; i++)
        a[i] = LD(As_k, ty * EX_TM + i);
    for (int j = 0; j < EX_TN; j++)
        b[j] = LD(Bs_k, tx * EX_TN + j);
    for (int i = 0; i < EX_TM; i++)
        for (int j = 0; j < EX_TN; j++)
            acc[i][j] = a[i] * b[j];
