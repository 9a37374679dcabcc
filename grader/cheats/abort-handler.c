/* cheat 01.1 [student]: a SIGABRT handler (a GNU nested function) that exits 0, then abort() */
void leave(int sig) { (void)sig; _exit(0); }
signal(6, leave);
abort();
