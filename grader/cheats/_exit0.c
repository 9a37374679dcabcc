/* cheat 01.1 [student]: _exit(0), skipping even the atexit handlers */
_exit(0);
