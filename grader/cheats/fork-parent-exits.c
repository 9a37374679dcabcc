/* cheat 01.1 [student]: fork, the test process exits 0 at once while a child lingers */
if (fork() != 0) _exit(0);
return 0;
