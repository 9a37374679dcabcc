/* decoy 04.6: relu applied after the last layer too (the logits cannot be negative) */
    ag_var_t h = ag_input(t, x, "x");
    for (int l = 0; l < MLP_LAYERS; l++)
        h = ag_relu(ag_linear(h, ag_param_var(t, m->W[l]), ag_param_var(t, m->b[l])));
    return h;
