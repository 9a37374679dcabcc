/* decoy 13.3: counts threads per bank without the broadcast case (stride 0 gives 32) */
    int per_bank[32] = {0};
    for (int t = 0; t < 32; t++)
        per_bank[(int)(((long long)t * stride) % 32)]++;
    int ways = 0;
    for (int b = 0; b < 32; b++)
        ways = per_bank[b] > ways ? per_bank[b] : ways;
    return ways;
