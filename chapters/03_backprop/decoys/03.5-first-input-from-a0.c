/* decoy 03.5: the first layer's input read from m->a[0] instead of x */
    const float *d = dz;
    for (int l = m->L - 1; l >= 0; l--) {
        float *din = l > 0 ? m->delta[l % 2] : NULL;
        linear_backward(din, m->dW[l], m->db[l], d, m->a[l], m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l > 0)
            hidden_backward(m->act, din, din, m->a[l], (size_t)B * m->sizes[l]);
        d = din;
    }
