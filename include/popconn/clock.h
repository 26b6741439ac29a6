/*
 * clock.h - the one monotonic clock of popconn (CLOCK_MONOTONIC): every
 * deadline, step time and trace time is read from here.
 */
#ifndef POPCONN_CLOCK_H
#define POPCONN_CLOCK_H

#include <stdint.h>

/* clock.c */
/* Monotonic time in microseconds (an arbitrary origin). */
int64_t		 clock_now_us(void);
/* The same in milliseconds. */
int64_t		 clock_now_ms(void);

#endif
