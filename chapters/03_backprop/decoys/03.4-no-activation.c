/* decoy 03.4: no activation between the layers (the network collapses to one linear map) */
    const float *in = x.data;
    for (int l = 0; l < m->L; l++) {
        float *out = m->a[l + 1];
        linear_forward(out, in, m->W[l], m->b[l], B, m->sizes[l], m->sizes[l + 1]);
        in = out;
    }
