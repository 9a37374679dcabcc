/* decoy 11.3: zero point truncated by a cast instead of rounded */
    lo = fminf(lo, 0.0f);
    hi = fmaxf(hi, 0.0f);
    p.scale = (hi - lo) / 255.0f;
    int z = (int)(-128.0f - lo / p.scale);
    p.zero_point = z < -128 ? -128 : z > 127 ? 127 : z;
