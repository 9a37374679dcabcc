/* decoy 13.3: gcd(stride, 32) with no special case for the broadcast (stride 0 gives 32) */
    int a = stride % 32, b = 32;
    while (a != 0) {
        int r = b % a;
        b = a;
        a = r;
    }
    return b;
