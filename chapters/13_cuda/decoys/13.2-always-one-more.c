/* decoy 13.2: n / tile + 1 (one tile too many when tile divides n) */
    return n / tile + 1;
