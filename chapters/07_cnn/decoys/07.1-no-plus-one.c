/* decoy 07.1: output size off by one (output 0 not counted) */
    return (n + 2 * pad - dil * (k - 1) - 1) / stride;
