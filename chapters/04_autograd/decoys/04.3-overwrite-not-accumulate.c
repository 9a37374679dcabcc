/* decoy 04.3: each repeated element overwrites instead of adding (only the last copy survives) */
    size_t n = tensor_size(g);
    for (size_t i = 0; i < n; i++)
        ga.data[broadcast_offset(i, g, ga)] = g.data[i];
