/* decoy 13.3: the stride itself as the number of ways (right only for powers of two up to 32) */
    if (stride == 0)
        return 1;
    return stride > 32 ? 32 : stride;
