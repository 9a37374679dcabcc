/* decoy 04.7: pred (B, 1) minus target (B) broadcasts to a (B, B) matrix of differences */
    return ag_mean(ag_square(ag_sub(pred, target)));
