/* decoy 11.9: doubles S after every clean step */
    if (overflow) {
        ls->scale *= 0.5f;
        ls->clean = 0;
        return 0;
    }
    ls->clean++;
    ls->scale *= 2.0f;
    return 1;
