/* decoy 07.9: every input reads the first channels */
    int total = 0;
    for (int i = 0; i < n; i++)
        total += C[i];
    for (int b = 0; b < B; b++) {
        int off = 0;
        for (int i = 0; i < n; i++) {
            const float *src = dy + ((size_t)b * total + off) * S;
            float *dst = dx[i] + (size_t)b * C[i] * S;
            for (int k = 0; k < C[i] * S; k++)
                dst[k] += src[k];
        }
    }
