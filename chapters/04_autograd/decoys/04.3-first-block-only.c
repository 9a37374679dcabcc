/* decoy 04.3: copies the first block of g instead of summing over the broadcast dimension */
    size_t n = tensor_size(ga);
    for (size_t i = 0; i < n; i++)
        ga.data[i] += g.data[i];
