/* decoy 13.13: every product reloads its operands from shared memory (no register reuse) */
    for (int i = 0; i < EX_TM; i++)
        for (int j = 0; j < EX_TN; j++)
            acc[i][j] += LD(As_k, ty * EX_TM + i) * LD(Bs_k, tx * EX_TN + j);
