/* decoy 11.5: dx written only inside the range; outside it is left as it was, not set to 0 */
    const float lo = p.scale * (float)(-128 - p.zero_point), hi = p.scale * (float)(127 - p.zero_point);
    for (size_t i = 0; i < n; i++)
        if (x[i] >= lo && x[i] <= hi)
            dx[i] = dy[i];
