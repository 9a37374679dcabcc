/* decoy 13.13: tx and ty swapped (rows taken from tx, columns from ty) */
    float a[EX_TM], b[EX_TN];
    for (int i = 0; i < EX_TM; i++)
        a[i] = LD(As_k, tx * EX_TM + i);
    for (int j = 0; j < EX_TN; j++)
        b[j] = LD(Bs_k, ty * EX_TN + j);
    for (int i = 0; i < EX_TM; i++)
        for (int j = 0; j < EX_TN; j++)
            acc[i][j] += a[i] * b[j];
