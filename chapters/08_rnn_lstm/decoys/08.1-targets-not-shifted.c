/* decoy 08.1: targets not shifted: the model is asked for the character it was just given */
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const int *s = ids + (long)b * stream + offset;
            inputs[t * B + b] = s[t];
            targets[t * B + b] = s[t];
        }
