/* decoy 09.4: cosine without normalising (the plain dot product) */
    double ab = 0;
    for (int i = 0; i < d; i++)
        ab += (double)a[i] * b[i];
    return (float)ab;
