/* decoy 08.1: stream b taken to start at b*T instead of b*stream */
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const int *s = ids + (long)b * T + offset;
            inputs[t * B + b] = s[t];
            targets[t * B + b] = s[t + 1];
        }
