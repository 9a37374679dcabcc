/* linalg.h — small dense linear systems in double precision: Cholesky's factorization.
 *
 * A symmetric positive definite A (n, n) factors as A = L L^T with L lower triangular
 * (chapter 2 derives it, column by column):
 *
 *   L_jj = sqrt(A_jj - sum_{k<j} L_jk^2)      L_ij = (A_ij - sum_{k<j} L_ik L_jk) / L_jj   (i > j)
 *
 * and A X = B is then two triangular solves, L Z = B (forward) and L^T X = Z (backward). A pivot
 * A_jj - sum L_jk^2 that is not larger than 1e-12 |A_jj| (zero up to rounding, negative, NaN)
 * means A is not positive definite: singular (a duplicated feature, fewer examples than unknowns)
 * or not symmetric positive at all. That is reported and the solve returns -1.
 * The cost is n^3 / 3 multiply-adds for the factor, n^2 per right-hand side for the solves.
 *
 * Used by chapter 2 (the inverse power iteration) and chapter 6 (Gaussian-process posteriors,
 * the minimum-norm fits of double descent); chapter 2's exercise 02.3 writes it by hand.
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: linalg_
 */
#ifndef NN_LINALG_H
#define NN_LINALG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Factor A = L L^T: L (n, n) lower triangular (its upper triangle set to 0). L may be A itself (in
 * place); only A's lower triangle is read. Returns 0, or -1 after reporting (nn_error) a pivot that
 * is not positive, or n < 1; L is then left unspecified. */
int linalg_cholesky(double *L, const double *A, int n);

/* With the factor L of linalg_cholesky, solve L L^T X = B for nrhs right-hand sides: B (n, nrhs)
 * -> X (n, nrhs), forward then back substitution. X may be B itself (in place). */
void linalg_cholesky_solve_factor(double *X, const double *L, const double *B, int n, int nrhs);

/* Both at once: solve A X = B for a symmetric positive definite A (n, n), row-major, with nrhs
 * right-hand sides: B (n, nrhs) -> X (n, nrhs); X may be B itself. Returns 0, or -1 after
 * reporting a pivot that is not positive or n < 1 / nrhs < 1 (X is then unspecified). Allocates
 * the factor (n^2 doubles) for the call. */
int linalg_cholesky_solve(double *X, const double *A, const double *B, int n, int nrhs);

#ifdef __cplusplus
}
#endif

#endif
