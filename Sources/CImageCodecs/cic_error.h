#ifndef CIC_ERROR_H
#define CIC_ERROR_H

#include <stddef.h>
#include <stdio.h>

/* Copies a one-line message into a caller's buffer, truncating and terminating it. */
static inline void cic_set_error(char *err, size_t err_size, const char *message) {
    if (err == NULL || err_size == 0) {
        return;
    }
    snprintf(err, err_size, "%s", message);
    for (char *c = err; *c != '\0'; c++) {
        if (*c == '\n' || *c == '\r') {
            *c = ' ';
        }
    }
}

#endif
