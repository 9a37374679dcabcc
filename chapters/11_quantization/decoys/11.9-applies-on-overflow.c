/* decoy 11.9: applies the step on overflow */
    if (overflow) {
        ls->scale *= 0.5f;
        ls->clean = 0;
        return 1;
    }
    if (++ls->clean >= interval) {
        ls->scale *= 2.0f;
        ls->clean = 0;
    }
    return 1;
