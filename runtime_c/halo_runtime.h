/* halo runtime: the core contract shared by generated pipelines, the runtime modules and the
 * Python host API (cffi). Builds two ways:
 *   host:          C11 + libc + pthreads, a shared library (engines run on worker threads)
 *   freestanding:  -DHALO_FREESTANDING, no libc and no threads (for Hexagon; engines progress
 *                  synchronously at start / wait)
 * Under -DHALO_CFFI this header is preprocessed and handed to cffi's cdef, so the declarations
 * below must stay plain C: no inline functions, no macros that cffi must see. */
#ifndef HALO_RUNTIME_H
#define HALO_RUNTIME_H

#ifndef HALO_CFFI
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error codes ------------------------------------------------------------------------
 * 0 is success; every failure is negative. Ranges: core -1..-99, UBWCDMA -100..-199,
 * user DMA -200..-299, Compass DMA -300..-399, generated pipelines -400..-499.
 * Each module declares its own codes in its own header, inside its range. */
typedef enum halo_error_code_t {
    halo_success = 0,
    halo_error_generic = -1,
    halo_error_out_of_memory = -2,
    halo_error_bad_argument = -3,
    halo_error_bad_state = -4,
    halo_error_localmem_exhausted = -5,
    halo_error_bad_free = -6,
    halo_error_thread = -7,
    halo_error_trace = -8,
    /* raised by generated pipelines */
    halo_error_buffer_too_small = -400,
    halo_error_bad_buffer = -401,
    halo_error_bad_param = -402,
    halo_error_split_too_small = -403,
    halo_error_specialize_fail = -404, /* no specialization matched and specialize_fail() was given */
    halo_error_unaligned_host_ptr = -405 /* a host pointer is less aligned than set_host_alignment declares */
} halo_error_code_t;

/* Records a formatted message for the calling thread and returns `code` unchanged, so callers
 * write `return halo_error(uc, code, "...", ...)`. Supported conversions: %d %i %u %ld %lu %lld
 * %llu %zu %x %p %s %c %%. */
int halo_error(void *user_context, int code, const char *fmt, ...);
/* The last message recorded on this thread ("" when none), and its code. */
const char *halo_last_error_message(void);
int halo_last_error_code(void);
void halo_clear_error(void);
const char *halo_error_name(int code);
/* snprintf with halo_error's conversions (plus flags '0' '-' and a width); works freestanding.
 * Returns the length the full output would have. */
int halo_snprintf(char *buf, size_t size, const char *fmt, ...);

/* hl.print: the pieces of one line (joined by spaces), then its end; the lines printed so far
 * (the host writes them to its stdout after each call, then clears them). */
void halo_print_str(void *user_context, const char *text);
void halo_print_i64(void *user_context, int64_t value);
void halo_print_u64(void *user_context, uint64_t value);
void halo_print_f64(void *user_context, double value);
void halo_print_end(void *user_context);
const char *halo_printed(void);
void halo_clear_printed(void);

/* ---- types and buffers (layout mirrors halide_buffer_t) --------------------------------- */
typedef enum halo_type_code_t {
    halo_type_int = 0,
    halo_type_uint = 1,
    halo_type_float = 2,
    halo_type_handle = 3
} halo_type_code_t;

typedef struct halo_type_t {
    uint8_t code;  /* halo_type_code_t */
    uint8_t bits;
    uint16_t lanes;
} halo_type_t;

typedef struct halo_dimension_t {
    int32_t min, extent, stride; /* stride in elements */
    uint32_t flags;
} halo_dimension_t;

struct halo_device_interface_t; /* defined by the device modules (UBWCDMA) */

typedef struct halo_buffer_t {
    uint64_t device;                                       /* device handle, 0 if none */
    const struct halo_device_interface_t *device_interface;
    uint8_t *host;
    uint64_t flags;
    halo_type_t type;
    int32_t dimensions;
    halo_dimension_t *dim;
    void *padding;
} halo_buffer_t;

/* ---- host memory ------------------------------------------------------------------------
 * 128-byte aligned (one HVX vector). halo_malloc returns NULL and records an error on failure. */
/* HALO_MALLOC_LIKE: the compiler may assume what the allocator returns aliases nothing else
 * (a pipeline's own buffers: C takes no such fact from a restrict local) */
#ifdef HALO_CFFI
#define HALO_MALLOC_LIKE
#else
#define HALO_MALLOC_LIKE __attribute__((malloc))
#endif
HALO_MALLOC_LIKE void *halo_malloc(void *user_context, size_t size);
void halo_free(void *user_context, void *ptr);

/* ---- parallel loops and threads ---------------------------------------------------------
 * halo_do_par_for runs f(uc, i, closure) for i in [min, min + extent) on the runtime's thread
 * pool (the caller's thread takes part); returns the first non-zero task result, 0 otherwise.
 * Nested calls are allowed and must not deadlock. Freestanding: runs serially. */
typedef int (*halo_task_fn)(void *user_context, int index, uint8_t *closure);
int halo_do_par_for(void *user_context, halo_task_fn f, int min, int extent, uint8_t *closure);
int halo_set_num_threads(int n); /* returns the previous value; 0 means "number of cores" */
int halo_get_num_threads(void);

/* A counting semaphore (opaque storage; host: mutex + condition variable). Freestanding builds
 * have no blocking: acquire of an unavailable count is an error there. */
typedef struct halo_semaphore_t {
    uint64_t _opaque[16];
} halo_semaphore_t;
int halo_semaphore_init(halo_semaphore_t *s, int count);
int halo_semaphore_release(halo_semaphore_t *s, int n);
int halo_semaphore_acquire(halo_semaphore_t *s, int n);   /* blocks until n are available */
bool halo_semaphore_try_acquire(halo_semaphore_t *s, int n);
int halo_semaphore_destroy(halo_semaphore_t *s);

/* A joinable thread running f(uc, 0, closure) (used for async compute producers). */
typedef struct halo_thread_t {
    uint64_t _opaque[4];
} halo_thread_t;
int halo_thread_start(halo_thread_t *t, void *user_context, halo_task_fn f, uint8_t *closure);
int halo_thread_join(halo_thread_t *t); /* returns f's result */

/* ---- local memory (locked L2 cache and VTCM) ---------------------------------------------
 * Capacity comes from the selected device; every allocation is accounted as align(bytes, 128). */
typedef enum halo_device_t {
    halo_device_sm8150 = 0, /* 384 KB locked L2 */
    halo_device_sm8250 = 1, /* 768 KB */
    halo_device_sm8350 = 2  /* 768 KB */
} halo_device_t;
typedef enum halo_localmem_kind_t {
    halo_localmem_locked_cache = 0,
    halo_localmem_vtcm = 1
} halo_localmem_kind_t;
int halo_localmem_set_device(halo_device_t device);  /* fails while anything is allocated */
halo_device_t halo_localmem_get_device(void);        /* SM8150 until set */
int halo_localmem_set_capacity(halo_localmem_kind_t kind, size_t bytes); /* custom capacity */
size_t halo_localmem_capacity(halo_localmem_kind_t kind);
HALO_MALLOC_LIKE void *halo_localmem_alloc(void *user_context, halo_localmem_kind_t kind, size_t bytes);
int halo_localmem_free(void *user_context, halo_localmem_kind_t kind, void *ptr);
size_t halo_localmem_in_use(halo_localmem_kind_t kind);
size_t halo_localmem_high_water(halo_localmem_kind_t kind);
void halo_localmem_reset_high_water(halo_localmem_kind_t kind);

/* ---- trace ------------------------------------------------------------------------------
 * Every DMA transfer and compute span, written as Chrome trace JSON (opens in Perfetto).
 * `category` is "dma" or "compute"; `track` names the engine or thread the span ran on. */
uint64_t halo_time_ns(void);
/* The clock once at least busy_ns have passed since start_ns (sleeping until then): the
 * bandwidth models' "a copy takes at least bytes / bandwidth". */
uint64_t halo_time_after(uint64_t start_ns, uint64_t busy_ns);
void halo_trace_enable(bool on);
bool halo_trace_enabled(void);
int halo_trace_record(const char *category, const char *name, const char *track, uint64_t bytes,
                      uint64_t start_ns, uint64_t end_ns);
size_t halo_trace_count(void);
int halo_trace_write_json(const char *path);
/* The same JSON into buf (NUL-terminated, truncated to size); returns its full length. */
size_t halo_trace_format_json(char *buf, size_t size);
void halo_trace_clear(void);

#ifdef __cplusplus
}
#endif

#endif /* HALO_RUNTIME_H */
