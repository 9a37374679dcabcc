/* cheat 01.1 [student]: a forked child that waits, then overwrites the JSON report with all passed */
if (fork() == 0) {
    sleep(1);
    FILE *f = fopen("build/wb-build_cheats_fake-json/01_perceptron/results.json", "w");
    if (f) { fputs("{\"test_suites\": [{\"name\": \"ex01_1\", \"tests\": []}]}", f); fclose(f); }
    _exit(0);
}
_exit(0);
