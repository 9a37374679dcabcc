/* decoy 05.7: the shadow is not multiplied by decay (shadow += (1 - decay) p) */
    for (size_t i = 0; i < n; i++)
        shadow[i] += (1.0f - decay) * p[i];
