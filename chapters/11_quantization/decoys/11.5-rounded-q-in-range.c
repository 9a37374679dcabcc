/* decoy 11.5: tests the rounded q = rint(x / s) + z against [-128, 127] instead of x against the range */
    for (size_t i = 0; i < n; i++) {
        const float q = rintf(x[i] / p.scale) + (float)p.zero_point;
        dx[i] = (q >= -128.0f && q <= 127.0f) ? dy[i] : 0.0f;
    }
