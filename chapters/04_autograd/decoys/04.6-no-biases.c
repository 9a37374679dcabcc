/* decoy 04.6: the layers multiply by W but never add the bias */
    ag_var_t h = ag_input(t, x, "x");
    for (int l = 0; l < MLP_LAYERS; l++) {
        h = ag_matmul(h, ag_param_var(t, m->W[l]));
        if (l < MLP_LAYERS - 1)
            h = ag_relu(h);
    }
    return h;
