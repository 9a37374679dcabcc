/* decoy 11.5: STE gradient not zeroed outside the clip range */
    (void)x;
    (void)p;
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i];
