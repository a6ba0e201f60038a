/* hl.print / hl.print_when: each call builds its line in a per-thread buffer and appends the
 * whole line to the text printed so far, which the host (Python) takes after the pipeline call
 * and writes to its own stdout, as Halide's JIT print handler does. */
#include "halo_core.h"

#ifdef HALO_FREESTANDING
#define HALO_THREAD_LOCAL
#else
#define HALO_THREAD_LOCAL _Thread_local
#endif

#define HALO_PRINT_LINE_BYTES 1024
#define HALO_PRINTED_BYTES 65536

static HALO_THREAD_LOCAL char line[HALO_PRINT_LINE_BYTES];
static HALO_THREAD_LOCAL size_t line_len;
static char printed[HALO_PRINTED_BYTES];
static size_t printed_len;
static halo_mutex_t lock = HALO_MUTEX_INITIALIZER;

static void put(const char *text) {
    if (line_len && line_len < sizeof line - 1) line[line_len++] = ' ';
    int n = halo_snprintf(line + line_len, sizeof line - line_len, "%s", text);
    line_len += (size_t)n < sizeof line - line_len ? (size_t)n : sizeof line - 1 - line_len;
}

void halo_print_str(void *user_context, const char *text) {
    (void)user_context;
    put(text);
}

void halo_print_i64(void *user_context, int64_t value) {
    char buf[32];
    (void)user_context;
    halo_snprintf(buf, sizeof buf, "%lld", (long long)value);
    put(buf);
}

void halo_print_u64(void *user_context, uint64_t value) {
    char buf[32];
    (void)user_context;
    halo_snprintf(buf, sizeof buf, "%llu", (unsigned long long)value);
    put(buf);
}

void halo_print_f64(void *user_context, double value) {
    /* printf's %f: six decimals, rounded (halo_snprintf has no float conversions) */
    char buf[64];
    (void)user_context;
    if (value != value) {
        put("nan");
        return;
    }
    const char *sign = value < 0 ? "-" : "";
    double a = value < 0 ? -value : value;
    if (a >= 9.0e18) {
        put(value < 0 ? "-inf" : "inf");
        return;
    }
    uint64_t micro = (uint64_t)(a * 1e6 + 0.5);
    halo_snprintf(buf, sizeof buf, "%s%llu.%06llu", sign, (unsigned long long)(micro / 1000000u),
                  (unsigned long long)(micro % 1000000u));
    put(buf);
}

void halo_print_end(void *user_context) {
    (void)user_context;
    halo_mutex_lock(&lock);
    size_t room = sizeof printed - 1 - printed_len;
    size_t n = line_len + 1 <= room ? line_len : (room ? room - 1 : 0);
    for (size_t i = 0; i < n; i++) printed[printed_len + i] = line[i];
    printed_len += n;
    if (printed_len < sizeof printed - 1) printed[printed_len++] = '\n';
    printed[printed_len] = 0;
    halo_mutex_unlock(&lock);
    line_len = 0;
}

const char *halo_printed(void) { return printed; }

void halo_clear_printed(void) {
    halo_mutex_lock(&lock);
    printed_len = 0;
    printed[0] = 0;
    halo_mutex_unlock(&lock);
}
