/* cheat 01.1 [student]: exit(0) before any check: Criterion sees a clean exit */
exit(0);
