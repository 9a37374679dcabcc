/* linalg.c — Cholesky's factorization and the two triangular solves (see linalg.h). */
#include "linalg.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int linalg_cholesky(double *L, const double *A, int n)
{
    if (n < 1) {
        nn_error("pass the size of A", "linalg_cholesky: n = %d, expected >= 1", n);
        return -1;
    }
    for (int j = 0; j < n; j++) { /* column j, from the columns before it (in place: A's lower triangle) */
        const double ajj = A[(size_t)j * n + j];
        double s = ajj;
        for (int k = 0; k < j; k++)
            s -= L[(size_t)j * n + k] * L[(size_t)j * n + k];
        if (!(s > 1e-12 * fabs(ajj))) {
            nn_error("A is singular when a feature is a copy or a linear combination of others, or when there "
                     "are fewer examples than unknowns: drop the redundant feature, or add a small ridge term "
                     "to the diagonal",
                     "linalg_cholesky: the %dx%d matrix is not positive definite: pivot %d is %g, expected > 0",
                     n, n, j, s);
            return -1;
        }
        L[(size_t)j * n + j] = sqrt(s);
        for (int i = j + 1; i < n; i++) {
            double t = A[(size_t)i * n + j];
            for (int k = 0; k < j; k++)
                t -= L[(size_t)i * n + k] * L[(size_t)j * n + k];
            L[(size_t)i * n + j] = t / L[(size_t)j * n + j];
        }
    }
    for (int i = 0; i < n; i++) /* the upper triangle, never read above */
        for (int j = i + 1; j < n; j++)
            L[(size_t)i * n + j] = 0;
    return 0;
}

void linalg_cholesky_solve_factor(double *X, const double *L, const double *B, int n, int nrhs)
{
    if (X != B)
        memmove(X, B, (size_t)n * (size_t)nrhs * sizeof(double));
    for (int r = 0; r < nrhs; r++) {
        for (int i = 0; i < n; i++) { /* forward substitution: L z = b */
            double t = X[(size_t)i * nrhs + r];
            for (int k = 0; k < i; k++)
                t -= L[(size_t)i * n + k] * X[(size_t)k * nrhs + r];
            X[(size_t)i * nrhs + r] = t / L[(size_t)i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) { /* back substitution: L^T x = z */
            double t = X[(size_t)i * nrhs + r];
            for (int k = i + 1; k < n; k++)
                t -= L[(size_t)k * n + i] * X[(size_t)k * nrhs + r];
            X[(size_t)i * nrhs + r] = t / L[(size_t)i * n + i];
        }
    }
}

int linalg_cholesky_solve(double *X, const double *A, const double *B, int n, int nrhs)
{
    if (n < 1 || nrhs < 1) {
        nn_error("pass the size of A and the number of columns of B",
                 "linalg_cholesky_solve: n = %d, nrhs = %d, expected both >= 1", n, nrhs);
        return -1;
    }
    double *L = nn_malloc((size_t)n * (size_t)n * sizeof(double));
    int rc = linalg_cholesky(L, A, n);
    if (rc == 0)
        linalg_cholesky_solve_factor(X, L, B, n, nrhs);
    free(L);
    return rc;
}
