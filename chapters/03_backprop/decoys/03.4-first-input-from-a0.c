/* decoy 03.4: every layer reads m->a[l], the first one too (a[0] is not the input batch) */
    for (int l = 0; l < m->L; l++) {
        float *out = m->a[l + 1];
        linear_forward(out, m->a[l], m->W[l], m->b[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l < m->L - 1)
            act_forward(m->act, out, out, (size_t)B * m->sizes[l + 1]);
    }
