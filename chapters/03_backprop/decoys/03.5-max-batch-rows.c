/* decoy 03.5: m->max_batch rows instead of the batch's B */
    const float *d = dz;
    const int rows = m->max_batch;
    (void)B;
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = l > 0 ? m->a[l] : x;
        float *din = l > 0 ? m->delta[l % 2] : NULL;
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], rows, m->sizes[l], m->sizes[l + 1]);
        if (l > 0)
            hidden_backward(m->act, din, din, m->a[l], (size_t)rows * m->sizes[l]);
        d = din;
    }
