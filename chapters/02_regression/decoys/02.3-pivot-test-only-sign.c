/* decoy 02.3: the pivot test is s <= 0 (a pivot that is zero up to rounding passes) */
    for (int j = 0; j < d && rc == 0; j++) {
        double s = A[j * d + j];
        for (int k = 0; k < j; k++)
            s -= L[j * d + k] * L[j * d + k];
        if (!(s > 0)) {
            nn_error("X^T X is singular when a feature is a copy or a linear combination of others "
                     "(a constant column besides the bias, a duplicated column) or when there are "
                     "fewer examples than features: drop the redundant feature, or add a small "
                     "ridge term to the diagonal",
                     "cholesky_solve: the %dx%d matrix is not positive definite: pivot %d is %g, "
                     "expected > 0", d, d, j, s);
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
        for (int i = 0; i < d; i++) { /* forward substitution: L z = b, z stored in x */
            double t = b[i];
            for (int k = 0; k < i; k++)
                t -= L[i * d + k] * x[k];
            x[i] = t / L[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--) { /* back substitution: L^T x = z */
            double t = x[i];
            for (int k = i + 1; k < d; k++)
                t -= L[k * d + i] * x[k];
            x[i] = t / L[i * d + i];
        }
    }
