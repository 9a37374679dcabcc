/* cheat 01.1 [student]: an atexit handler that turns exit(1) into _exit(0) */
void clean(void) { _exit(0); }
atexit(clean);
exit(1);
