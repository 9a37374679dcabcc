/* decoy 08.1: the window starts one character late (BPTT window off by one) */
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const int *s = ids + (long)b * stream + offset + 1;
            inputs[t * B + b] = s[t];
            targets[t * B + b] = s[t + 1];
        }
