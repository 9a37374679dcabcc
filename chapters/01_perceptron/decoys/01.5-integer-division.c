/* decoy 01.5: the accuracy divides two integers (always 0 or 1) */
    double total = 0;
    int correct = 0;
    for (int i = 0; i < ds->n; i++) {
        const float *x = ds->x + (size_t)i * ds->d;
        int y = signed_label(ds->y[i]);
        float z = neuron_preactivation(p->w, x, p->d, p->b);
        total += fmax(0.0, -(double)y * z);
        correct += perceptron_predict(p, x) == y;
    }
    *loss = ds->n ? total / ds->n : 0;
    *accuracy = ds->n ? correct / ds->n : 0;
