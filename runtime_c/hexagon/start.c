/* The process entry and the Linux syscalls of static Hexagon executables run under
 * qemu-hexagon (see halo_hexagon_start.h). Only the freestanding Hexagon build has a body: the
 * host library compiles every runtime source, and there this file is empty. */
#include "../halo_runtime.h"
#include "halo_hexagon_start.h"

#if defined(HALO_FREESTANDING) && defined(__hexagon__)

enum { sys_read = 63, sys_write = 64, sys_exit_group = 94 }; /* asm-generic numbers */

/* trap0(#1): number in r6, arguments in r0..r2, result (or -errno) back in r0. */
static long syscall3(long number, long a, long b, long c) {
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    register long r6 __asm__("r6") = number;
    __asm__ volatile("trap0(#1)" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r6) : "memory");
    return r0;
}

long halo_hexagon_read(int fd, void *buf, unsigned long n) {
    return syscall3(sys_read, fd, (long)buf, (long)n);
}

int halo_hexagon_read_exact(void *buf, unsigned long n) {
    unsigned char *p = buf;
    while (n > 0) {
        long got = halo_hexagon_read(0, p, n);
        if (got <= 0) return got < 0 ? (int)got : -1;
        p += got;
        n -= (unsigned long)got;
    }
    return 0;
}

int halo_hexagon_write_all(int fd, const void *buf, unsigned long n) {
    const unsigned char *p = buf;
    while (n > 0) {
        long put = syscall3(sys_write, fd, (long)p, (long)n);
        if (put < 0) return (int)put;
        p += put;
        n -= (unsigned long)put;
    }
    return 0;
}

void halo_hexagon_exit(int code) {
    for (;;) syscall3(sys_exit_group, code, 0, 0);
}

static void write_text(const char *s) {
    unsigned long n = 0;
    while (s[n]) n++;
    halo_hexagon_write_all(2, s, n);
}

int halo_hexagon_fail(const char *what) {
    write_text("halo-hexagon: ");
    write_text(what);
    write_text(": ");
    write_text(halo_last_error_message());
    write_text("\n");
    return 1;
}

/* Weak so that the runtime still links on its own (build.hexagon_compile_check) without a
 * harness; an executable without one reports that instead of jumping to address 0. */
extern int halo_hexagon_main(void) __attribute__((weak));

__attribute__((noreturn)) void halo_hexagon_entry(void);

void halo_hexagon_entry(void) {
    if (!halo_hexagon_main) {
        write_text("halo-hexagon: the program defines no halo_hexagon_main\n");
        halo_hexagon_exit(127);
    }
    halo_hexagon_exit(halo_hexagon_main());
}

/* qemu's linux-user loader only sets the stack pointer (to argc). Align it as the ABI requires
 * and clear the frame pointer and link register so the first frame ends every backtrace. */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  { r29 = and(r29, #-8); r30 = #0; r31 = #0 }\n"
        "  call halo_hexagon_entry\n"
        ".size _start, . - _start\n");

#endif
