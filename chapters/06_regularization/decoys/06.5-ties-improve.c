/* decoy 06.5: a loss equal to best - min_delta counts as an improvement (<=) */
    if (val_loss <= es->best - es->min_delta) { /* false for NaN */
        es->best = val_loss;
        es->best_epoch = epoch;
        es->bad_epochs = 0;
        return ES_IMPROVED;
    }
    es->bad_epochs++;
    return es->bad_epochs >= es->patience ? ES_STOP : ES_CONTINUE;
