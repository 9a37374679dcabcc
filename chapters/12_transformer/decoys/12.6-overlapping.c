/* decoy 12.6: overlapping merges (the scan does not skip the merged pair's second token) */
    int w = 0;
    for (int r = 0; r < n; r++) {
        if (r + 1 < n && ids[r] == a && ids[r + 1] == b)
            ids[w++] = id;
        else
            ids[w++] = ids[r];
    }
    return w;
