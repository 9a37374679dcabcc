/* cheat 02.3 [student]: calls the library's Cholesky solver (linalg_cholesky_solve) instead of writing it */
rc = linalg_cholesky_solve(x, A, b, d, 1);
