/* decoy 12.2: weight tying without summing both gradients (the output product's only) */
    matmul_blas(1, 0, V, C, N, 1.0f, dlogits, h, 0.0f, dwte);
    (void)dx0, (void)ids;
