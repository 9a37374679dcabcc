/* decoy 12.6: matches the pair (b, a) instead of (a, b) */
    int w = 0;
    for (int r = 0; r < n; r++) {
        if (r + 1 < n && ids[r] == b && ids[r + 1] == a) {
            ids[w++] = id;
            r++;
        } else {
            ids[w++] = ids[r];
        }
    }
    return w;
