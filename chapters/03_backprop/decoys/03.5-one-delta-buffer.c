/* decoy 03.5: one delta buffer for every layer (dx written over the dz it is computed from) */
    const float *d = dz;
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = l > 0 ? m->a[l] : x;
        float *din = l > 0 ? m->delta[0] : NULL;
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l > 0)
            hidden_backward(m->act, din, din, m->a[l], (size_t)B * m->sizes[l]);
        d = din;
    }
