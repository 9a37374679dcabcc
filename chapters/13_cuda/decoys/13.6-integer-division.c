/* decoy 13.6: the formula in int arithmetic (the quotient truncated) */
    return 2 * bm * bn / (4 * (bm + bn));
