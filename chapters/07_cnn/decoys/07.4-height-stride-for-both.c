/* decoy 07.4: the height's stride, padding and dilation used along the width too */
    const int P = s->OH * s->OW;
    memset(dx, 0, (size_t)s->C * s->H * s->W * sizeof(float));
    for (int c = 0; c < s->C; c++)
        for (int u = 0; u < s->KH; u++)
            for (int v = 0; v < s->KW; v++) {
                const int r = (c * s->KH + u) * s->KW + v;
                for (int i = 0; i < s->OH; i++)
                    for (int j = 0; j < s->OW; j++) {
                        int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                        int xx = j * s->stride_h + v * s->dil_h - s->pad_h;
                        if (yy >= 0 && yy < s->H && xx >= 0 && xx < s->W)
                            dx[(c * s->H + yy) * s->W + xx] += dcols[r * P + i * s->OW + j];
                    }
            }
