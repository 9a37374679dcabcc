/* Tests of linalg.h: Cholesky solves against hand-worked systems, a residual check, and the error. */
#include "linalg.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

Test(linalg, two_by_two_by_hand)
{
    /* A = [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]; A x = (2, 5) has x = (-1/2, 2). */
    const double A[4] = {4, 2, 2, 3}, b[2] = {2, 5};
    double x[2];
    cr_assert_eq(linalg_cholesky_solve(x, A, b, 2, 1), 0);
    cr_assert(fabs(x[0] + 0.5) < 1e-14 && fabs(x[1] - 2) < 1e-14, "expected (-0.5, 2), got (%g, %g)", x[0], x[1]);
}

Test(linalg, the_factor_by_hand_in_place)
{
    /* L of [[4, 2], [2, 3]] is [[2, 0], [1, sqrt 2]]; in place, the upper 2 becomes 0 */
    double A[4] = {4, 2, 2, 3}, b[2] = {2, 5};
    cr_assert_eq(linalg_cholesky(A, A, 2), 0);
    cr_assert(A[0] == 2 && A[1] == 0 && A[2] == 1 && fabs(A[3] - sqrt(2)) < 1e-15, "L: got [[%g, %g], [%g, %g]]",
              A[0], A[1], A[2], A[3]);
    linalg_cholesky_solve_factor(b, A, b, 2, 1);
    cr_assert(fabs(b[0] + 0.5) < 1e-14 && fabs(b[1] - 2) < 1e-14, "expected (-0.5, 2), got (%g, %g)", b[0], b[1]);
}

Test(linalg, several_right_hand_sides_in_place)
{
    /* A = M^T M + I for a fixed M: positive definite. Solve for 3 columns at once, in place, and
     * check the residual A X - B column by column. */
    enum { N = 5, R = 3 };
    double M[N * N], A[N * N], B[N * R], X[N * R];
    for (int i = 0; i < N * N; i++)
        M[i] = sin(1.7 * i + 0.3);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = i == j;
            for (int k = 0; k < N; k++)
                s += M[k * N + i] * M[k * N + j];
            A[i * N + j] = s;
        }
    for (int i = 0; i < N * R; i++)
        B[i] = cos(0.9 * i);
    memcpy(X, B, sizeof X);
    cr_assert_eq(linalg_cholesky_solve(X, A, X, N, R), 0, "A = M^T M + I is positive definite");
    for (int i = 0; i < N; i++)
        for (int r = 0; r < R; r++) {
            double s = 0;
            for (int k = 0; k < N; k++)
                s += A[i * N + k] * X[k * R + r];
            cr_assert(fabs(s - B[i * R + r]) < 1e-12, "residual (A X - B)[%d][%d] = %g", i, r, s - B[i * R + r]);
        }
}

static void singular(void *arg)
{
    (void)arg;
    const double A[9] = {1, 2, 0, 2, 4, 0, 0, 0, 1}, b[3] = {1, 1, 1};
    double x[3];
    exit(linalg_cholesky_solve(x, A, b, 3, 1) == -1 ? 42 : 0);
}

Test(linalg, a_singular_matrix_is_reported)
{
    /* column 1 is twice column 0: pivot 1 is 4 - 2^2 = 0 */
    char err[4096];
    int status = capture_stderr(singular, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "a singular matrix: expected -1, got status %d", status);
    cr_assert(strstr(err, "not positive definite") && strstr(err, "pivot 1 is 0"),
              "expected a report naming pivot 1, got: %s", err);
}
