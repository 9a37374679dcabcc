/* decoy 03.5: dW computed with the layer's output instead of its input */
    const float *d = dz;
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = m->a[l + 1] != NULL && l > 0 ? m->a[l] : x;
        if (l == m->L - 1 && l > 0)
            in = m->a[l - 1] ? m->a[l - 1] : x;
        float *din = l > 0 ? m->delta[l % 2] : NULL;
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l > 0)
            hidden_backward(m->act, din, din, m->a[l], (size_t)B * m->sizes[l]);
        d = din;
    }
