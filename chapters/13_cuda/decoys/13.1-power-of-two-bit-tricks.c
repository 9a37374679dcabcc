/* decoy 13.1: tid / tile and tid % tile by shift and mask (right for power-of-two tiles only) */
    int shift = 0;
    while ((1 << (shift + 1)) <= tile)
        shift++;
    *row = block_row * tile + (tid >> shift);
    *col = block_col * tile + (tid & (tile - 1));
