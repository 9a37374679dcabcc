/* decoy 01.5: the sums are static, so a second evaluation adds to the first one's */
    static double total = 0;
    static int correct = 0, seen = 0;
    for (int i = 0; i < ds->n; i++) {
        const float *x = ds->x + (size_t)i * ds->d;
        int y = signed_label(ds->y[i]);
        float z = neuron_preactivation(p->w, x, p->d, p->b);
        total += fmax(0.0, -(double)y * z);
        correct += perceptron_predict(p, x) == y;
        seen++;
    }
    *loss = seen ? total / seen : 0;
    *accuracy = seen ? (double)correct / seen : 0;
