/* Error codes and the per-thread last error message. */
#include "halo_core.h"

/* Freestanding builds have a single thread and no TLS runtime, so a plain static suffices. */
#ifdef HALO_FREESTANDING
#define HALO_THREAD_LOCAL
#else
#define HALO_THREAD_LOCAL _Thread_local
#endif

static HALO_THREAD_LOCAL char last_message[HALO_ERROR_MESSAGE_BYTES];
static HALO_THREAD_LOCAL int last_code;
static HALO_THREAD_LOCAL uint32_t serial;

int halo_error(void *user_context, int code, const char *fmt, ...) {
    (void)user_context;
    va_list ap;
    va_start(ap, fmt);
    halo_vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    last_code = code;
    serial++;
    return code;
}

const char *halo_last_error_message(void) { return last_message; }

uint32_t halo_error_serial(void) { return serial; }

void halo_copy_error_message(char *dst) {
    memcpy(dst, last_message, HALO_ERROR_MESSAGE_BYTES);
}

int halo_last_error_code(void) { return last_code; }

void halo_clear_error(void) {
    last_message[0] = '\0';
    last_code = 0;
}

const char *halo_error_name(int code) {
    switch (code) {
    case halo_success: return "halo_success";
    case halo_error_generic: return "halo_error_generic";
    case halo_error_out_of_memory: return "halo_error_out_of_memory";
    case halo_error_bad_argument: return "halo_error_bad_argument";
    case halo_error_bad_state: return "halo_error_bad_state";
    case halo_error_localmem_exhausted: return "halo_error_localmem_exhausted";
    case halo_error_bad_free: return "halo_error_bad_free";
    case halo_error_thread: return "halo_error_thread";
    case halo_error_trace: return "halo_error_trace";
    case halo_error_buffer_too_small: return "halo_error_buffer_too_small";
    case halo_error_bad_buffer: return "halo_error_bad_buffer";
    case halo_error_bad_param: return "halo_error_bad_param";
    case halo_error_split_too_small: return "halo_error_split_too_small";
    case halo_error_specialize_fail: return "halo_error_specialize_fail";
    case halo_error_unaligned_host_ptr: return "halo_error_unaligned_host_ptr";
    default: break;
    }
    /* The DMA modules own their codes; name at least the range so a message is never empty. */
    if (code <= -100 && code > -200) return "halo_error_ubwcdma";
    if (code <= -200 && code > -300) return "halo_error_user_dma";
    if (code <= -300 && code > -400) return "halo_error_compass_dma";
    if (code <= -400 && code > -500) return "halo_error_pipeline";
    return "halo_error_unknown";
}
