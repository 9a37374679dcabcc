/* decoy 11.3: zero point rounded up (ceilf) instead of to nearest */
    lo = fminf(lo, 0.0f);
    hi = fmaxf(hi, 0.0f);
    p.scale = (hi - lo) / 255.0f;
    float z = ceilf(-128.0f - lo / p.scale);
    p.zero_point = (int)fminf(fmaxf(z, -128.0f), 127.0f);
