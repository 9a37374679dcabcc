/* decoy 06.5: bad_epochs not reset on an improvement */
    if (val_loss < es->best - es->min_delta) { /* false for NaN */
        es->best = val_loss;
        es->best_epoch = epoch;
        (void)0;
        return ES_IMPROVED;
    }
    es->bad_epochs++;
    return es->bad_epochs >= es->patience ? ES_STOP : ES_CONTINUE;
