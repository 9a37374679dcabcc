/* decoy 11.9: the clean-step counter is never reset */
    if (overflow) {
        ls->scale *= 0.5f;
        return 0;
    }
    if (++ls->clean % interval == 0)
        ls->scale *= 2.0f;
    return 1;
