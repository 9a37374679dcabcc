/* decoy 10.6: the pair index i run up to E instead of E/2 (writes past the end of each row) */
    for (int t = 0; t < T; t++)
        for (int i = 0; i < E; i++) {
            const double angle = t / pow(10000.0, 2.0 * i / E);
            table[t * E + 2 * i] = (float)sin(angle);
            table[t * E + 2 * i + 1] = (float)cos(angle);
        }
