/* decoy 02.3: no pivot check: sqrt of a zero or negative pivot, returns 0 regardless */
    for (int j = 0; j < d; j++) {
        double s = A[j * d + j];
        for (int k = 0; k < j; k++)
            s -= L[j * d + k] * L[j * d + k];
        L[j * d + j] = sqrt(s);
        for (int i = j + 1; i < d; i++) {
            double t = A[i * d + j];
            for (int k = 0; k < j; k++)
                t -= L[i * d + k] * L[j * d + k];
            L[i * d + j] = t / L[j * d + j];
        }
    }
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
