/* decoy 10.6: exponent 2i / E computed in integer division (always 0) */
    for (int t = 0; t < T; t++)
        for (int i = 0; 2 * i < E; i++) {
            const double angle = t / pow(10000.0, 2 * i / E);
            table[t * E + 2 * i] = (float)sin(angle);
            table[t * E + 2 * i + 1] = (float)cos(angle);
        }
