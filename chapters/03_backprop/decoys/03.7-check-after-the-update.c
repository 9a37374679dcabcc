/* decoy 03.7: the loss checked only after backward and update (the weights are already NaN) */
    const int B = x.shape[0];
    const float *z = mlp_forward(m, x);
    float loss = softmax_cross_entropy(m->dlogits, z, labels, B, m->sizes[m->L]);
    mlp_backward(m, x.data, m->dlogits, B);
    optimizer_step(o, m->params, m->grads, m->n_params);
    nn_check_finite(loss, "the training loss", step);
    return loss;
