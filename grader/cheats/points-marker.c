/* cheat 01.1: the exercise's BEGIN marker edited to be worth 50 points, with a wrong answer */
return 0;
/* MARKER (50 points) */
