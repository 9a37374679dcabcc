/* decoy 07.5: the height's stride, padding and dilation used along the width too */
    memset(dx, 0, (size_t)s->C * s->H * s->W * sizeof(float));
    memset(dw, 0, (size_t)s->OC * s->C * s->KH * s->KW * sizeof(float));
    memset(db, 0, (size_t)s->OC * sizeof(float));
    for (int o = 0; o < s->OC; o++)
        for (int i = 0; i < s->OH; i++)
            for (int j = 0; j < s->OW; j++) {
                const float g = dy[(o * s->OH + i) * s->OW + j];
                db[o] += g;
                for (int c = 0; c < s->C; c++)
                    for (int u = 0; u < s->KH; u++)
                        for (int v = 0; v < s->KW; v++) {
                            int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                            int xx = j * s->stride_h + v * s->dil_h - s->pad_h;
                            if (yy < 0 || yy >= s->H || xx < 0 || xx >= s->W)
                                continue;
                            const int wi = ((o * s->C + c) * s->KH + u) * s->KW + v, xi = (c * s->H + yy) * s->W + xx;
                            dw[wi] += g * x[xi];
                            dx[xi] += g * w[wi];
                        }
            }
