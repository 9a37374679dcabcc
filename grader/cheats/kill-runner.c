/* cheat 01.1 [student]: kill Criterion's runner so that no failure is ever written */
kill(getppid(), 9);
return 0;
