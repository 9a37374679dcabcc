/* decoy 11.5: clip range [-128 s, 127 s] that ignores the zero point */
    const float lo = p.scale * -128.0f, hi = p.scale * 127.0f;
    for (size_t i = 0; i < n; i++)
        dx[i] = (x[i] >= lo && x[i] <= hi) ? dy[i] : 0.0f;
