/* decoy 03.1: the library's step/sigmoid/tanh/relu/leaky relu backward with dy = 1 (the exercise asks for its own) */
float one = 1.0f, d = NAN, y = x;
switch (k) {
case ACT_STEP: step_backward(&d, &one, &x, &y, 1); break;
case ACT_SIGMOID: y = sigmoid1(x); sigmoid_backward(&d, &one, &x, &y, 1); break;
case ACT_TANH: y = tanhf(x); tanh_act_backward(&d, &one, &x, &y, 1); break;
case ACT_RELU: relu_backward(&d, &one, &x, &y, 1); break;
case ACT_LEAKY_RELU: leaky_relu_backward(&d, &one, &x, &y, 1, LEAKY_SLOPE); break;
default: break;
}
return d;
