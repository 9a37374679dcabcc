/* decoy 13.6: only the bytes of A counted (4 bm instead of 4 (bm + bn)) */
    return 2.0 * bm * bn / (4.0 * bm);
