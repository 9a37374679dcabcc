/* decoy 02.2: L_0 kept in a static, so a second run compares with the first run's starting loss */
    static float first = 0;
    for (int t = 0; t <= steps; t++) {
        float loss = linreg_loss_grad(grad, r, X, y, w, n, d);
        if (loss_log)
            loss_log[t] = loss;
        if (first == 0)
            first = loss;
        res.steps = t;
        res.loss = loss;
        if (!isfinite(loss) || loss > DIVERGED * first) {
            res.diverged = 1;
            break;
        }
        if (t == steps)
            break;
        for (int j = 0; j < d; j++)
            w[j] -= lr * grad[j];
    }
