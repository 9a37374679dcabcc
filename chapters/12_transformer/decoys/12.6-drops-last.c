/* decoy 12.6: the last token is lost when it does not start a pair */
    int w = 0;
    for (int r = 0; r + 1 < n; r++) {
        if (ids[r] == a && ids[r + 1] == b) {
            ids[w++] = id;
            r++;
        } else {
            ids[w++] = ids[r];
        }
    }
    return w;
