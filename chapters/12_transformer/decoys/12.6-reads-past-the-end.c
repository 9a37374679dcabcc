/* decoy 12.6: the pair test does not check r + 1 < n: the last token is compared with ids[n], past the end */
    int w = 0;
    for (int r = 0; r < n; r++) {
        if (ids[r] == a && ids[r + 1] == b) {
            ids[w++] = id;
            r++;
        } else {
            ids[w++] = ids[r];
        }
    }
    return w;
