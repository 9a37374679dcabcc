/* decoy 13.1: block_row and block_col swapped */
    *row = block_col * tile + tid / tile;
    *col = block_row * tile + tid % tile;
