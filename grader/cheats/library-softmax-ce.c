/* cheat 02.6 [student]: one line, the library's softmax_cross_entropy_smooth, instead of writing it */
return softmax_cross_entropy_smooth(dz, z, labels, B, K, eps);
