/* decoy 08.1: batch-major layout (index b*T + t) instead of time-major (t*B + b) */
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const int *s = ids + (long)b * stream + offset;
            inputs[b * T + t] = s[t];
            targets[b * T + t] = s[t + 1];
        }
