/* The helpers clang calls on Hexagon for integer division and large aligned copies. They
 * normally come from compiler-rt's Hexagon builtins, which Debian does not ship, so the
 * freestanding runtime brings its own. Division is shift-and-subtract only, so compiling this
 * file never emits a call back into these functions. */
#include "halo_core.h"

#ifdef HALO_FREESTANDING

int32_t __hexagon_divsi3(int32_t a, int32_t b);
int32_t __hexagon_modsi3(int32_t a, int32_t b);
uint32_t __hexagon_udivsi3(uint32_t a, uint32_t b);
uint32_t __hexagon_umodsi3(uint32_t a, uint32_t b);
int64_t __hexagon_divdi3(int64_t a, int64_t b);
int64_t __hexagon_moddi3(int64_t a, int64_t b);
uint64_t __hexagon_udivdi3(uint64_t a, uint64_t b);
uint64_t __hexagon_umoddi3(uint64_t a, uint64_t b);
void *__hexagon_memcpy_likely_aligned_min32bytes_mult8bytes(void *dst, const void *src,
                                                            uint32_t n);

/* n / d and n % d; division by zero (undefined in C) yields 0 and 0. */
static uint64_t udivmod(uint64_t n, uint64_t d, uint64_t *rem) {
    uint64_t q = 0, r = 0;
    if (d == 0) {
        *rem = 0;
        return 0;
    }
    for (int bit = 63; bit >= 0; bit--) {
        uint64_t carry = r >> 63; /* r << 1 may not fit when d > 2^63 */
        r = (r << 1) | ((n >> bit) & 1);
        if (carry || r >= d) {
            r -= d;
            q |= (uint64_t)1 << bit;
        }
    }
    *rem = r;
    return q;
}

static uint64_t magnitude(int64_t v) { return v < 0 ? 0 - (uint64_t)v : (uint64_t)v; }

/* Truncating signed division as C defines it: the remainder takes the dividend's sign. */
static int64_t sdivmod(int64_t a, int64_t b, int64_t *rem) {
    uint64_t r;
    uint64_t q = udivmod(magnitude(a), magnitude(b), &r);
    *rem = (int64_t)(a < 0 ? 0 - r : r);
    return (int64_t)((a < 0) != (b < 0) ? 0 - q : q);
}

int32_t __hexagon_divsi3(int32_t a, int32_t b) {
    int64_t r;
    return (int32_t)sdivmod(a, b, &r);
}

int32_t __hexagon_modsi3(int32_t a, int32_t b) {
    int64_t r;
    sdivmod(a, b, &r);
    return (int32_t)r;
}

uint32_t __hexagon_udivsi3(uint32_t a, uint32_t b) {
    uint64_t r;
    return (uint32_t)udivmod(a, b, &r);
}

uint32_t __hexagon_umodsi3(uint32_t a, uint32_t b) {
    uint64_t r;
    udivmod(a, b, &r);
    return (uint32_t)r;
}

int64_t __hexagon_divdi3(int64_t a, int64_t b) {
    int64_t r;
    return sdivmod(a, b, &r);
}

int64_t __hexagon_moddi3(int64_t a, int64_t b) {
    int64_t r;
    sdivmod(a, b, &r);
    return r;
}

uint64_t __hexagon_udivdi3(uint64_t a, uint64_t b) {
    uint64_t r;
    return udivmod(a, b, &r);
}

uint64_t __hexagon_umoddi3(uint64_t a, uint64_t b) {
    uint64_t r;
    udivmod(a, b, &r);
    return r;
}

void *__hexagon_memcpy_likely_aligned_min32bytes_mult8bytes(void *dst, const void *src,
                                                            uint32_t n) {
    return memcpy(dst, src, n);
}

#endif
