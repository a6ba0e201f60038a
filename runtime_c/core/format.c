/* A small vsnprintf of our own: the freestanding build has no libc, and halo_error must format
 * the same way in both builds. */
#include "halo_core.h"

typedef struct out_t {
    char *buf;
    size_t size;
    size_t len; /* characters produced so far, including those that did not fit */
} out_t;

static void put(out_t *o, char c) {
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

static void put_padded(out_t *o, const char *s, size_t n, int width, bool left, char pad) {
    size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
    if (!left) {
        /* zero padding goes after the sign */
        if (pad == '0' && n > 0 && s[0] == '-') {
            put(o, '-');
            s++;
            n--;
        }
        for (size_t i = 0; i < fill; i++) put(o, pad);
    }
    for (size_t i = 0; i < n; i++) put(o, s[i]);
    if (left)
        for (size_t i = 0; i < fill; i++) put(o, ' ');
}

/* Writes v in `base` into the end of tmp (at least 24 chars); returns the first digit. */
static char *utoa(char *end, unsigned long long v, unsigned base) {
    char *p = end;
    do {
        unsigned d = (unsigned)(v % base);
        *--p = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    return p;
}

static unsigned long long arg_unsigned(va_list *ap, int len) {
    if (len == 2) return va_arg(*ap, unsigned long long);
    if (len == 1) return va_arg(*ap, unsigned long);
    if (len == 3) return va_arg(*ap, size_t);
    return va_arg(*ap, unsigned int);
}

static long long arg_signed(va_list *ap, int len) {
    if (len == 2) return va_arg(*ap, long long);
    if (len == 1) return va_arg(*ap, long);
    if (len == 3) return (long long)va_arg(*ap, size_t);
    return va_arg(*ap, int);
}

int halo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in) {
    out_t o = {buf, size, 0};
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        const char *spec = f++;
        bool left = false;
        char pad = ' ';
        for (; *f == '-' || *f == '0'; f++) {
            if (*f == '-') left = true;
            else pad = '0';
        }
        if (left) pad = ' ';
        int width = 0;
        for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (*f - '0');
        int len = 0; /* 0: int, 1: long, 2: long long, 3: size_t */
        if (*f == 'l') {
            len = 1;
            if (*++f == 'l') {
                len = 2;
                f++;
            }
        } else if (*f == 'z') {
            len = 3;
            f++;
        }
        char tmp[32];
        char *end = tmp + sizeof tmp;
        char *s;
        switch (*f) {
        case 'd':
        case 'i': {
            long long v = arg_signed(&ap, len);
            unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            s = utoa(end, mag, 10);
            if (v < 0) *--s = '-';
            put_padded(&o, s, (size_t)(end - s), width, left, pad);
            break;
        }
        case 'u':
        case 'x':
            s = utoa(end, arg_unsigned(&ap, len), *f == 'u' ? 10 : 16);
            put_padded(&o, s, (size_t)(end - s), width, left, pad);
            break;
        case 'p':
            s = utoa(end, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16);
            *--s = 'x';
            *--s = '0';
            put_padded(&o, s, (size_t)(end - s), width, left, ' ');
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str) str = "(null)";
            size_t n = 0;
            while (str[n]) n++;
            put_padded(&o, str, n, width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default:
            /* unknown conversion: copy it verbatim so the mistake is visible in the message */
            for (const char *c = spec; c <= f && *c; c++) put(&o, *c);
            if (!*f) f--;
            break;
        }
    }
    va_end(ap);
    if (size > 0) buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int halo_snprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = halo_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
