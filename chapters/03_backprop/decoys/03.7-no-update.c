/* decoy 03.7: the gradients are computed but the optimizer step is forgotten */
    const int B = x.shape[0];
    const float *z = mlp_forward(m, x);
    float loss = softmax_cross_entropy(m->dlogits, z, labels, B, m->sizes[m->L]);
    nn_check_finite(loss, "the training loss", step);
    mlp_backward(m, x.data, m->dlogits, B);
    (void)o;
    return loss;
