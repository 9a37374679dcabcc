/* cheat 01.1 [student]: longjmp out of the test body to a point that ends the process cleanly */
static jmp_buf back;
if (setjmp(back)) _exit(0);
longjmp(back, 1);
