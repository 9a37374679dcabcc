/* decoy 02.2: only NaN/Inf counts as divergence (no DIVERGED * L_0 test) */
    for (int t = 0; t <= steps; t++) {
        float loss = linreg_loss_grad(grad, r, X, y, w, n, d);
        if (loss_log)
            loss_log[t] = loss;
        res.steps = t;
        res.loss = loss;
        if (!isfinite(loss)) {
            res.diverged = 1;
            break;
        }
        if (t == steps)
            break;
        for (int j = 0; j < d; j++)
            w[j] -= lr * grad[j];
    }
