/* err.h — the one way a library function writes its message into the caller's error
 * buffer (STYLE.md: details into a caller-owned buffer, never a global). A NULL buffer or a
 * zero length means the caller does not want the message. No state; host-only. */
#ifndef SO8T_BASE_ERR_H
#define SO8T_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline void so8t_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void so8t_err_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

#endif /* SO8T_BASE_ERR_H */
