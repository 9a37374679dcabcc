/* decoy 03.4: the activation applied to B * sizes[l] values (the layer's input width, not its output's) */
    const float *in = x.data;
    for (int l = 0; l < m->L; l++) {
        float *out = m->a[l + 1];
        linear_forward(out, in, m->W[l], m->b[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l < m->L - 1)
            act_forward(m->act, out, out, (size_t)B * m->sizes[l]);
        in = out;
    }
