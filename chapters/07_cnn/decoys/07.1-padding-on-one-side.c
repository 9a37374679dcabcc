/* decoy 07.1: padding added on one side only */
    return (n + pad - dil * (k - 1) - 1) / stride + 1;
