/* decoy 13.5: the sum of the two bounds instead of the smaller */
    return intensity * bandwidth_gbs + peak_gflops;
