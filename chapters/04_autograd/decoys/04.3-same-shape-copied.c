/* decoy 04.3: when no dimension was broadcast, g is copied into ga instead of added */
    size_t n = tensor_size(g);
    if (tensor_size(ga) == n) {
        memcpy(ga.data, g.data, n * sizeof(float));
        return;
    }
    for (size_t i = 0; i < n; i++)
        ga.data[broadcast_offset(i, g, ga)] += g.data[i];
