/* decoy 10.6: sin and cos swapped */
    for (int t = 0; t < T; t++)
        for (int i = 0; 2 * i < E; i++) {
            const double angle = t / pow(10000.0, 2.0 * i / E);
            table[t * E + 2 * i] = (float)cos(angle);
            table[t * E + 2 * i + 1] = (float)sin(angle);
        }
