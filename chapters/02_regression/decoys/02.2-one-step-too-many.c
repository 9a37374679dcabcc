/* decoy 02.2: w is still updated after the last recorded loss (steps + 1 updates) */
    float first = 0;
    for (int t = 0; t <= steps; t++) {
        float loss = linreg_loss_grad(grad, r, X, y, w, n, d);
        if (loss_log)
            loss_log[t] = loss;
        if (t == 0)
            first = loss;
        res.steps = t;
        res.loss = loss;
        if (!isfinite(loss) || loss > DIVERGED * first) {
            res.diverged = 1;
            break;
        }
        for (int j = 0; j < d; j++)
            w[j] -= lr * grad[j];
    }
