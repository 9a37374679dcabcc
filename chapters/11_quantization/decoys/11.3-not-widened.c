/* decoy 11.3: the range is not widened to contain 0 */
    p.scale = (hi - lo) / 255.0f;
    float z = rintf(-128.0f - lo / p.scale);
    p.zero_point = (int)fminf(fmaxf(z, -128.0f), 127.0f);
