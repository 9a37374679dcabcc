/* decoy 03.5: the first layer's dx computed too (into a delta buffer sized for hidden layers) */
    const float *d = dz;
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = l > 0 ? m->a[l] : x;
        float *din = m->delta[l % 2];
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l > 0)
            hidden_backward(m->act, din, din, m->a[l], (size_t)B * m->sizes[l]);
        d = din;
    }
