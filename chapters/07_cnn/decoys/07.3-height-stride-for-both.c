/* decoy 07.3: the height's stride, padding and dilation used along the width too */
    const int P = s->OH * s->OW;
    for (int c = 0; c < s->C; c++)
        for (int u = 0; u < s->KH; u++)
            for (int v = 0; v < s->KW; v++) {
                const int r = (c * s->KH + u) * s->KW + v;
                for (int i = 0; i < s->OH; i++)
                    for (int j = 0; j < s->OW; j++) {
                        int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                        int xx = j * s->stride_h + v * s->dil_h - s->pad_h;
                        int inside = yy >= 0 && yy < s->H && xx >= 0 && xx < s->W;
                        cols[r * P + i * s->OW + j] = inside ? x[(c * s->H + yy) * s->W + xx] : 0.0f;
                    }
            }
