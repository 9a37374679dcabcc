/* decoy 13.2: (n + tile - 1) / tile, which overflows near INT_MAX */
    return (n + tile - 1) / tile;
