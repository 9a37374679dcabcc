/* decoy 05.3: L2 added to the gradient (Adam with L2, not decoupled decay) */
    float *gw = nn_malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        gw[i] = g[i] + wd * p[i];
    adam_update(p, m, v, gw, n, lr, b1, b2, eps, t);
    free(gw);
