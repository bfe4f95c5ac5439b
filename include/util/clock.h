/* include/util/clock.h — milliseconds: the monotonic clock that deadlines
 * and timeouts are measured on, and a sleep that survives signals. */
#ifndef SKUA_UTIL_CLOCK_H
#define SKUA_UTIL_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC: for deadlines, never for dates. */
long long clock_ms(void);
/* Sleeps ms milliseconds, resuming after a signal interrupts it. */
void sleep_ms(long ms);

#endif
