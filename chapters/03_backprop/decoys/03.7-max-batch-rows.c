/* decoy 03.7: the loss and backward use m->max_batch rows instead of the batch's B */
    const int B = m->max_batch;
    const float *z = mlp_forward(m, x);
    float loss = softmax_cross_entropy(m->dlogits, z, labels, B, m->sizes[m->L]);
    nn_check_finite(loss, "the training loss", step);
    mlp_backward(m, x.data, m->dlogits, B);
    optimizer_step(o, m->params, m->grads, m->n_params);
    return loss;
