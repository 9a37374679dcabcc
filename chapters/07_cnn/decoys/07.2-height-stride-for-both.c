/* decoy 07.2: the height's stride, padding and dilation used along the width too */
    for (int o = 0; o < s->OC; o++)
        for (int i = 0; i < s->OH; i++)
            for (int j = 0; j < s->OW; j++) {
                float acc = b ? b[o] : 0.0f;
                for (int c = 0; c < s->C; c++)
                    for (int u = 0; u < s->KH; u++)
                        for (int v = 0; v < s->KW; v++) {
                            int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                            int xx = j * s->stride_h + v * s->dil_h - s->pad_h;
                            if (yy >= 0 && yy < s->H && xx >= 0 && xx < s->W)
                                acc += w[((o * s->C + c) * s->KH + u) * s->KW + v] * x[(c * s->H + yy) * s->W + xx];
                        }
                y[(o * s->OH + i) * s->OW + j] = acc;
            }
