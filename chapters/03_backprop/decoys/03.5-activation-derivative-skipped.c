/* decoy 03.5: the activation's derivative is skipped (dL/da passed down as dL/dz) */
    const float *d = dz;
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = l > 0 ? m->a[l] : x;
        float *din = l > 0 ? m->delta[l % 2] : NULL;
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        d = din;
    }
