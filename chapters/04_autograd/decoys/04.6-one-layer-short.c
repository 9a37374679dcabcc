/* decoy 04.6: one layer too few (l < MLP_LAYERS - 1) */
    ag_var_t h = ag_input(t, x, "x");
    for (int l = 0; l < MLP_LAYERS - 1; l++) {
        h = ag_linear(h, ag_param_var(t, m->W[l]), ag_param_var(t, m->b[l]));
        if (l < MLP_LAYERS - 2)
            h = ag_relu(h);
    }
    return h;
