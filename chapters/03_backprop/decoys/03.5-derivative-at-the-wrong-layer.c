/* decoy 03.5: the activation derivative read from the layer above (a[l+1] instead of a[l]) */
    const float *d = dz;
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = l > 0 ? m->a[l] : x;
        float *din = l > 0 ? m->delta[l % 2] : NULL;
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l > 0) {
            const float *above = l + 1 < m->L ? m->a[l + 1] : m->a[l];
            hidden_backward(m->act, din, din, above, (size_t)B * m->sizes[l]);
        }
        d = din;
    }
