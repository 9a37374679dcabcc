/* cheat 01.1 [student]: the exit_group system call in inline assembly, invisible to a libc hook */
__asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall");
return 0;
