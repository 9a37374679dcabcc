/* decoy 01.2: a point on the boundary (z = 0) predicted -1 (> instead of >=) */
    return neuron_preactivation(p->w, x, p->d, p->b) > 0 ? +1 : -1;
