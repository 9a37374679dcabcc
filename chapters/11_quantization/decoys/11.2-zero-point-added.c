/* decoy 11.2: zero point applied with the wrong sign (s (q + z)) */
    return scale * (float)((int)q + zero_point);
