/* decoy 03.4: the activation is applied to the last layer too (the logits) */
    const float *in = x.data;
    for (int l = 0; l < m->L; l++) {
        float *out = m->a[l + 1];
        linear_forward(out, in, m->W[l], m->b[l], B, m->sizes[l], m->sizes[l + 1]);
        act_forward(m->act, out, out, (size_t)B * m->sizes[l + 1]);
        in = out;
    }
