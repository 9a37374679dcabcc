/* decoy 13.6: one flop per multiply-add instead of two */
    return (double)bm * bn / (4.0 * (bm + bn));
