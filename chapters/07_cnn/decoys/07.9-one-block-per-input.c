/* decoy 07.9: each input's gradient taken as one block of dy, ignoring the images */
    int total = 0;
    for (int i = 0; i < n; i++)
        total += C[i];
    for (int b = 0; b < B; b++) {
        int off = 0;
        for (int i = 0; i < n; i++) {
            const float *src = dy + ((size_t)off * B + (size_t)b * C[i]) * S; /* one block per input */
            float *dst = dx[i] + (size_t)b * C[i] * S;
            for (int k = 0; k < C[i] * S; k++)
                dst[k] += src[k];
            off += C[i];
        }
    }
