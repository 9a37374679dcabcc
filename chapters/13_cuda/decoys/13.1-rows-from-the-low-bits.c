/* decoy 13.1: the row from tid % tile and the column from tid / tile (neighbouring threads a row apart) */
    *row = block_row * tile + tid % tile;
    *col = block_col * tile + tid / tile;
