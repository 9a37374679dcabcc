/* decoy 13.1: 32 hard-coded instead of the tile argument */
    *row = block_row * tile + tid / 32;
    *col = block_col * tile + tid % 32;
