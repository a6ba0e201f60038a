/* Single-threaded checks of the runtime core, run under ASan+UBSan: formatter, errors, host
 * memory, local memory accounting, trace JSON, clock. */
#include "halo_runtime.h"

#include <stdint.h>

#include "check.h"

static void test_format(void) {
    char buf[128];
    CHECK_EQ_INT(halo_snprintf(buf, sizeof buf, "%d|%i|%u|%x", -42, 7, 4000000000u, 0xbeefu), 21);
    CHECK_EQ_STR(buf, "-42|7|4000000000|beef");
    halo_snprintf(buf, sizeof buf, "%ld|%lu|%lld|%llu|%zu", -5L, 6UL, -9223372036854775807LL - 1,
                  18446744073709551615ULL, (size_t)12);
    CHECK_EQ_STR(buf, "-5|6|-9223372036854775808|18446744073709551615|12");
    halo_snprintf(buf, sizeof buf, "%s|%c|%%|%s", "abc", 'Z', (const char *)NULL);
    CHECK_EQ_STR(buf, "abc|Z|%|(null)");
    halo_snprintf(buf, sizeof buf, "[%5d][%-5d][%05d][%03u][%08x]", -12, 3, -12, 7u, 0xabcu);
    CHECK_EQ_STR(buf, "[  -12][3    ][-0012][007][00000abc]");
    halo_snprintf(buf, sizeof buf, "%p|%p", (void *)0x1234, (void *)0);
    CHECK_EQ_STR(buf, "0x1234|0x0");
    halo_snprintf(buf, sizeof buf, "%q|%", 1);
    CHECK_EQ_STR(buf, "%q|%");
    /* truncation: NUL-terminated, returns the full length */
    CHECK_EQ_INT(halo_snprintf(buf, 5, "%s", "abcdefgh"), 8);
    CHECK_EQ_STR(buf, "abcd");
    CHECK_EQ_INT(halo_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_errors(void) {
    halo_clear_error();
    CHECK_EQ_STR(halo_last_error_message(), "");
    CHECK_EQ_INT(halo_last_error_code(), 0);
    CHECK_EQ_INT(halo_error(NULL, halo_error_bad_param, "param %s = %d", "k", -3), -402);
    CHECK_EQ_STR(halo_last_error_message(), "param k = -3");
    CHECK_EQ_INT(halo_last_error_code(), halo_error_bad_param);
    halo_clear_error();
    CHECK_EQ_STR(halo_last_error_message(), "");
    CHECK_EQ_STR(halo_error_name(halo_error_localmem_exhausted), "halo_error_localmem_exhausted");
    CHECK_EQ_STR(halo_error_name(-150), "halo_error_ubwcdma");
    CHECK_EQ_STR(halo_error_name(-7777), "halo_error_unknown");
}

static void test_malloc(void) {
    for (size_t size = 0; size < 1000; size += 37) {
        uint8_t *p = halo_malloc(NULL, size);
        CHECK(p != NULL);
        CHECK_EQ_INT((uintptr_t)p % 128, 0);
        memset(p, 0xab, size);
        halo_free(NULL, p);
    }
    halo_free(NULL, NULL);
    halo_clear_error();
    CHECK(halo_malloc(NULL, SIZE_MAX - 10) == NULL);
    CHECK_EQ_INT(halo_last_error_code(), halo_error_out_of_memory);
}

static void test_localmem(void) {
    const halo_localmem_kind_t V = halo_localmem_vtcm, L = halo_localmem_locked_cache;
    CHECK_EQ_INT(halo_localmem_set_device(halo_device_sm8250), 0);
    CHECK_EQ_INT(halo_localmem_capacity(V), 786432);
    CHECK_EQ_INT(halo_localmem_capacity(L), 786432);
    halo_localmem_reset_high_water(V);
    uint8_t *a = halo_localmem_alloc(NULL, V, 1);
    uint8_t *b = halo_localmem_alloc(NULL, V, 129);
    CHECK(a && b);
    CHECK_EQ_INT((uintptr_t)a % 128, 0);
    CHECK_EQ_INT(b - a, 128); /* first fit: b follows a */
    memset(b, 1, 256);        /* the whole aligned size is usable */
    CHECK_EQ_INT(halo_localmem_in_use(V), 384);
    CHECK_EQ_INT(halo_localmem_in_use(L), 0);
    /* freeing into the wrong kind, an interior pointer, or twice is an error, not a crash */
    CHECK_EQ_INT(halo_localmem_free(NULL, L, a), halo_error_bad_free);
    CHECK_EQ_INT(halo_localmem_free(NULL, V, b + 128), halo_error_bad_free);
    CHECK_EQ_INT(halo_localmem_set_device(halo_device_sm8150), halo_error_bad_state);
    CHECK_EQ_INT(halo_localmem_free(NULL, V, a), 0);
    CHECK_EQ_INT(halo_localmem_free(NULL, V, a), halo_error_bad_free);
    /* a's 128-byte hole is reused first */
    uint8_t *c = halo_localmem_alloc(NULL, V, 100);
    CHECK(c == a);
    CHECK_EQ_INT(halo_localmem_high_water(V), 384);
    CHECK_EQ_INT(halo_localmem_free(NULL, V, c), 0);
    CHECK_EQ_INT(halo_localmem_free(NULL, V, b), 0);
    CHECK_EQ_INT(halo_localmem_in_use(V), 0);
    /* exactly full, then one byte more */
    uint8_t *all = halo_localmem_alloc(NULL, V, 786432);
    CHECK(all != NULL);
    memset(all, 2, 786432);
    CHECK(halo_localmem_alloc(NULL, V, 1) == NULL);
    CHECK_EQ_INT(halo_last_error_code(), halo_error_localmem_exhausted);
    CHECK_EQ_STR(halo_last_error_message(),
                 "halo_localmem_alloc: VTCM exhausted: requested 1 bytes (128 aligned to 128), "
                 "786432 of 786432 bytes in use on SM8250");
    CHECK_EQ_INT(halo_localmem_free(NULL, V, all), 0);
    CHECK_EQ_INT(halo_localmem_high_water(V), 786432);
    halo_localmem_reset_high_water(V);
    CHECK_EQ_INT(halo_localmem_high_water(V), 0);
    CHECK_EQ_INT(halo_localmem_set_device(halo_device_sm8150), 0);
    CHECK_EQ_INT(halo_localmem_capacity(V), 393216);
}

static void test_trace(void) {
    halo_trace_clear();
    halo_trace_enable(false);
    CHECK_EQ_INT(halo_trace_record("dma", "ignored", "t", 1, 0, 1), 0);
    CHECK_EQ_INT(halo_trace_count(), 0);
    halo_trace_enable(true);
    CHECK_EQ_INT(halo_trace_record("dma", "rd \"y\"\n", "ubwcdma0", 4096, 1500, 2750), 0);
    CHECK_EQ_INT(halo_trace_record("compute", "blur", "worker", 0, 3000, 3000), 0);
    CHECK_EQ_INT(halo_trace_record("dma", "wr", "ubwcdma0", 7, 4000001, 5000000), 0);
    CHECK_EQ_INT(halo_trace_record("dma", "bad", "t", 1, 10, 9), halo_error_bad_argument);
    CHECK_EQ_INT(halo_trace_count(), 3);
    const char *expected =
        "{\"displayTimeUnit\":\"ns\",\"traceEvents\":["
        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"halo\"}},\n"
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"ubwcdma0\"}},\n"
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":2,\"args\":{\"name\":\"worker\"}},\n"
        "{\"name\":\"rd \\\"y\\\"\\u000a\",\"cat\":\"dma\",\"ph\":\"X\",\"pid\":1,\"tid\":1,"
        "\"ts\":1.500,\"dur\":1.250,\"args\":{\"bytes\":4096}},\n"
        "{\"name\":\"blur\",\"cat\":\"compute\",\"ph\":\"X\",\"pid\":1,\"tid\":2,"
        "\"ts\":3.000,\"dur\":0.000,\"args\":{\"bytes\":0}},\n"
        "{\"name\":\"wr\",\"cat\":\"dma\",\"ph\":\"X\",\"pid\":1,\"tid\":1,"
        "\"ts\":4000.001,\"dur\":999.999,\"args\":{\"bytes\":7}}\n"
        "]}\n";
    size_t n = halo_trace_format_json(NULL, 0);
    CHECK_EQ_INT(n, strlen(expected));
    char *text = malloc(n + 1);
    CHECK_EQ_INT(halo_trace_format_json(text, n + 1), n);
    CHECK_EQ_STR(text, expected);
    /* truncated output is still terminated */
    CHECK_EQ_INT(halo_trace_format_json(text, 10), n);
    CHECK_EQ_STR(text, "{\"display");
    free(text);
    halo_trace_clear();
    CHECK_EQ_INT(halo_trace_count(), 0);
    halo_trace_enable(false);
}

static void test_time(void) {
    uint64_t a = halo_time_ns(), b = halo_time_ns();
    CHECK(a > 0 && b >= a);
}

int main(void) {
    test_format();
    test_errors();
    test_malloc();
    test_localmem();
    test_trace();
    test_time();
    printf("core_serial: ok\n");
    return 0;
}
