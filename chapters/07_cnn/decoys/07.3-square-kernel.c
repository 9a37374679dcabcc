/* decoy 07.3: row index r = (c*KH + u)*KH + v (works only for square kernels) */
    const int P = s->OH * s->OW;
    for (int c = 0; c < s->C; c++)
        for (int u = 0; u < s->KH; u++)
            for (int v = 0; v < s->KW; v++) {
                const int r = (c * s->KH + u) * s->KH + v;
                for (int i = 0; i < s->OH; i++)
                    for (int j = 0; j < s->OW; j++) {
                        int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                        int xx = j * s->stride_w + v * s->dil_w - s->pad_w;
                        int inside = yy >= 0 && yy < s->H && xx >= 0 && xx < s->W;
                        cols[r * P + i * s->OW + j] = inside ? x[(c * s->H + yy) * s->W + xx] : 0.0f;
                    }
            }
