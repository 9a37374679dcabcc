/* decoy 11.3: zero point with the wrong sign (-128 + lo / s) */
    lo = fminf(lo, 0.0f);
    hi = fmaxf(hi, 0.0f);
    p.scale = (hi - lo) / 255.0f;
    float z = rintf(-128.0f + lo / p.scale);
    p.zero_point = (int)fminf(fmaxf(z, -128.0f), 127.0f);
