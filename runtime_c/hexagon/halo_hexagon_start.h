/* halo runtime: the process entry and I/O of a static Hexagon Linux executable run under
 * qemu-hexagon (built by halo.jit.hexagon). There is no libc: _start (start.c) calls the
 * harness's halo_hexagon_main and exits the process with its return value; the harness talks to
 * the outside world through the Linux syscalls below.
 *
 * Harness contract:
 *   int halo_hexagon_main(void)   defined by the harness; returns the exit status (0 = success)
 *   input                         read with halo_hexagon_read_exact (stdin, fd 0)
 *   output                        halo_hexagon_write_all(1, ...) (stdout, fd 1)
 *   failure                       return halo_hexagon_fail("what failed"): prints
 *                                 "halo-hexagon: <what>: <halo_last_error_message()>" on stderr
 *                                 and returns 1 */
#ifndef HALO_HEXAGON_START_H
#define HALO_HEXAGON_START_H

int halo_hexagon_main(void);

/* One read(2): bytes read, 0 at end of input, or -errno. */
long halo_hexagon_read(int fd, void *buf, unsigned long n);
/* Reads exactly n bytes from stdin: 0, or negative on end of input (-1) or an error (-errno). */
int halo_hexagon_read_exact(void *buf, unsigned long n);
/* Writes all n bytes to fd: 0, or -errno. */
int halo_hexagon_write_all(int fd, const void *buf, unsigned long n);
/* exit_group(2): ends the process with status code & 255. */
__attribute__((noreturn)) void halo_hexagon_exit(int code);
/* Writes "halo-hexagon: <what>: <halo_last_error_message()>\n" to stderr; returns 1. */
int halo_hexagon_fail(const char *what);

#endif /* HALO_HEXAGON_START_H */
