/* decoy 13.2: (n - 1) / tile + 1, which gives 1 for n = 0 */
    return (n - 1) / tile + 1;
