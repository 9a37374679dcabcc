/* decoy 04.6: no relu between the layers (one linear map in disguise) */
    ag_var_t h = ag_input(t, x, "x");
    for (int l = 0; l < MLP_LAYERS; l++)
        h = ag_linear(h, ag_param_var(t, m->W[l]), ag_param_var(t, m->b[l]));
    return h;
