/* cheat 01.1: a wrong answer, with the test framework redefined outside the regions */
return 0;
/* OUTSIDE */
#include <criterion/criterion.h>
#undef cr_assert
#define cr_assert(...) cr_assert_eq(1, 1)
#undef cr_assert_float_eq
#define cr_assert_float_eq(...) cr_assert_eq(1, 1)
