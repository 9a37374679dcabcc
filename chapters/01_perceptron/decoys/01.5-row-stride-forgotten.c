/* decoy 01.5: example i taken at ds->x + i (the row length d forgotten) */
    double total = 0;
    int correct = 0;
    for (int i = 0; i < ds->n; i++) {
        const float *x = ds->x + i;
        int y = signed_label(ds->y[i]);
        float z = neuron_preactivation(p->w, x, p->d, p->b);
        total += fmax(0.0, -(double)y * z);
        correct += perceptron_predict(p, x) == y;
    }
    *loss = ds->n ? total / ds->n : 0;
    *accuracy = ds->n ? (double)correct / ds->n : 0;
