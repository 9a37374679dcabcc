/* decoy 04.7: the squared errors are summed, not averaged */
    int B = ag_value(pred).shape[0];
    ag_var_t diff = ag_sub(pred, ag_reshape(target, 2, (int[]){B, 1}));
    ag_assert_shape(diff, "pred - target", 2, (int[]){B, 1});
    return ag_sum(ag_square(diff));
