/* decoy 06.5: stops one epoch late (bad_epochs > patience) */
    if (val_loss < es->best - es->min_delta) {
        es->best = val_loss;
        es->best_epoch = epoch;
        es->bad_epochs = 0;
        return ES_IMPROVED;
    }
    es->bad_epochs++;
    return es->bad_epochs > es->patience ? ES_STOP : ES_CONTINUE;
