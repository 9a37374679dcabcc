/* decoy 02.3: the diagonal entry forgets to subtract the squares already in its row */
    for (int j = 0; j < d && rc == 0; j++) {
        double s = A[j * d + j];
        if (!(s > 1e-12 * fabs(A[j * d + j]))) {
            nn_error("drop the redundant feature", "cholesky_solve: the %dx%d matrix is not positive "
                     "definite: pivot %d is %g, expected > 0", d, d, j, s);
            rc = -1;
            break;
        }
        L[j * d + j] = sqrt(s);
        for (int i = j + 1; i < d; i++) {
            double t = A[i * d + j];
            for (int k = 0; k < j; k++)
                t -= L[i * d + k] * L[j * d + k];
            L[i * d + j] = t / L[j * d + j];
        }
    }
    if (rc == 0) {
        for (int i = 0; i < d; i++) {
            double t = b[i];
            for (int k = 0; k < i; k++)
                t -= L[i * d + k] * x[k];
            x[i] = t / L[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--) {
            double t = x[i];
            for (int k = i + 1; k < d; k++)
                t -= L[k * d + i] * x[k];
            x[i] = t / L[i * d + i];
        }
    }
