/* decoy 01.5: the loss summed in a float (the prose asks for a double) */
    float total = 0;
    int correct = 0;
    for (int i = 0; i < ds->n; i++) {
        const float *x = ds->x + (size_t)i * ds->d;
        int y = signed_label(ds->y[i]);
        float z = neuron_preactivation(p->w, x, p->d, p->b);
        total += fmaxf(0.0f, -(float)y * z);
        correct += perceptron_predict(p, x) == y;
    }
    *loss = ds->n ? total / ds->n : 0;
    *accuracy = ds->n ? (double)correct / ds->n : 0;
