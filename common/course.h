/* course.h — course-only plumbing: the TODO macro of the student edition. Not part of the
 * library: `make install` leaves it out, and programs outside the course never need it.
 *
 * The student edition (make workbook) replaces each exercise with TODO(chapter, exercise): when
 * reached, it explains which exercise is missing and where, then exits with status 3 (the grader
 * recognises it). Every chapter includes this header.
 */
#ifndef NN_COURSE_H
#define NN_COURSE_H

#include "error.h" /* nn_todo */

#define TODO(chapter, exercise) nn_todo(chapter, exercise, __FILE__)

#endif
