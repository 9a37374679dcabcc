/* decoy 11.3: scale from the maximum instead of max - min */
    lo = fminf(lo, 0.0f);
    hi = fmaxf(hi, 0.0f);
    p.scale = fmaxf(fabsf(lo), fabsf(hi)) / 255.0f;
    float z = rintf(-128.0f - lo / p.scale);
    p.zero_point = (int)fminf(fmaxf(z, -128.0f), 127.0f);
