/* decoy 10.6: exponent i / E instead of 2i / E */
    for (int t = 0; t < T; t++)
        for (int i = 0; 2 * i < E; i++) {
            const double angle = t / pow(10000.0, (double)i / E);
            table[t * E + 2 * i] = (float)sin(angle);
            table[t * E + 2 * i + 1] = (float)cos(angle);
        }
