/* decoy 08.1: the window's offset ignored (every window starts at the stream's start) */
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const int *s = ids + (long)b * stream;
            inputs[t * B + b] = s[t];
            targets[t * B + b] = s[t + 1];
        }
