/* decoy 05.7: decay and 1 - decay swapped (the shadow jumps to the current weights) */
    for (size_t i = 0; i < n; i++)
        shadow[i] = (1.0f - decay) * shadow[i] + decay * p[i];
