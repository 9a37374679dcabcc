/* decoy 07.1: output size rounded up (a last partial window counted) */
    return (n + 2 * pad - dil * (k - 1) - 1) / stride + (((n + 2 * pad - dil * (k - 1) - 1) % stride) != 0) + 1;
