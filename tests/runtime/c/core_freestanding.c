/* The freestanding code paths, built for the host with -DHALO_FREESTANDING (the Hexagon build
 * is only compiled, not run, by the tests): serial loops, non-blocking semaphores, threads that
 * run at start, the static heap, the counter clock, and the memcpy/memset replacements. */
#include "halo_runtime.h"

#include <stdint.h>

#include "check.h"

/* core/builtins.c: what clang calls for division on Hexagon */
int32_t __hexagon_divsi3(int32_t a, int32_t b);
int32_t __hexagon_modsi3(int32_t a, int32_t b);
uint32_t __hexagon_udivsi3(uint32_t a, uint32_t b);
uint32_t __hexagon_umodsi3(uint32_t a, uint32_t b);
int64_t __hexagon_divdi3(int64_t a, int64_t b);
int64_t __hexagon_moddi3(int64_t a, int64_t b);
uint64_t __hexagon_udivdi3(uint64_t a, uint64_t b);
uint64_t __hexagon_umoddi3(uint64_t a, uint64_t b);

static void test_division_builtins(void) {
    static const int64_t values[] = {1, 2, 3, 7, 10, 127, 128, 1000003, 2147483647,
                                     -1, -2, -3, -7, -10, -128, -1000003, -2147483647,
                                     INT64_MAX, INT64_MIN + 1, 0x123456789abcdefLL,
                                     -0x123456789abcdefLL, 4294967296LL, 4294967295LL};
    const int n = (int)(sizeof values / sizeof values[0]);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            int64_t a = values[i], b = values[j];
            CHECK_EQ_INT(__hexagon_divdi3(a, b), a / b);
            CHECK_EQ_INT(__hexagon_moddi3(a, b), a % b);
            CHECK(__hexagon_udivdi3((uint64_t)a, (uint64_t)b) == (uint64_t)a / (uint64_t)b);
            CHECK(__hexagon_umoddi3((uint64_t)a, (uint64_t)b) == (uint64_t)a % (uint64_t)b);
            int32_t a32 = (int32_t)a, b32 = (int32_t)b;
            if (b32 == 0 || (a32 == INT32_MIN && b32 == -1)) continue;
            CHECK_EQ_INT(__hexagon_divsi3(a32, b32), a32 / b32);
            CHECK_EQ_INT(__hexagon_modsi3(a32, b32), a32 % b32);
            CHECK_EQ_INT(__hexagon_udivsi3((uint32_t)a32, (uint32_t)b32),
                         (uint32_t)a32 / (uint32_t)b32);
            CHECK_EQ_INT(__hexagon_umodsi3((uint32_t)a32, (uint32_t)b32),
                         (uint32_t)a32 % (uint32_t)b32);
        }
    }
    CHECK(__hexagon_udivdi3(UINT64_MAX, UINT64_MAX - 1) == 1);
    CHECK(__hexagon_umoddi3(UINT64_MAX, UINT64_MAX - 1) == 1);
    CHECK(__hexagon_udivdi3(UINT64_MAX, 3) == 6148914691236517205ULL);
    CHECK_EQ_INT(__hexagon_udivdi3(5, 0), 0); /* undefined in C; the builtins return 0 */
}

static int order[16];
static int calls;

static int record_task(void *uc, int i, uint8_t *closure) {
    (void)uc;
    (void)closure;
    order[calls++] = i;
    return i == 13 ? halo_error(uc, halo_error_bad_param, "stop at %d", i) : 0;
}

static int thread_task(void *uc, int i, uint8_t *closure) {
    (void)uc;
    (void)i;
    *(int *)closure += 1;
    return 5;
}

int main(void) {
    test_division_builtins();

    /* loops run serially, in order, on the caller, and stop at the first failure */
    CHECK_EQ_INT(halo_do_par_for(NULL, record_task, 10, 6, NULL), halo_error_bad_param);
    CHECK_EQ_INT(calls, 4);
    for (int k = 0; k < 4; k++) CHECK_EQ_INT(order[k], 10 + k);
    CHECK_EQ_STR(halo_last_error_message(), "stop at 13");
    CHECK_EQ_INT(halo_get_num_threads(), 1);
    CHECK_EQ_INT(halo_do_par_for(NULL, NULL, 0, 2, NULL), halo_error_bad_argument);
    CHECK_EQ_INT(halo_do_par_for(NULL, record_task, INT32_MAX, 1, NULL), halo_error_bad_argument);
    CHECK_EQ_INT(calls, 4);

    halo_semaphore_t s;
    CHECK_EQ_INT(halo_semaphore_init(&s, 2), 0);
    CHECK_EQ_INT(halo_semaphore_acquire(&s, 2), 0);
    CHECK_EQ_INT(halo_semaphore_acquire(&s, 1), halo_error_bad_state);
    CHECK(!halo_semaphore_try_acquire(&s, 1));
    CHECK_EQ_INT(halo_semaphore_release(&s, 1), 0);
    CHECK(halo_semaphore_try_acquire(&s, 1));
    CHECK_EQ_INT(halo_semaphore_destroy(&s), 0);

    int runs = 0;
    halo_thread_t t;
    CHECK_EQ_INT(halo_thread_start(&t, NULL, thread_task, (uint8_t *)&runs), 0);
    CHECK_EQ_INT(runs, 1); /* ran inside start */
    CHECK_EQ_INT(halo_thread_join(&t), 5);
    CHECK_EQ_INT(halo_thread_join(&t), halo_error_bad_state);

    /* the static heap: aligned, reusable, and a foreign pointer is a recorded error */
    uint8_t *a = halo_malloc(NULL, 1000), *b = halo_malloc(NULL, 0);
    CHECK(a && b && b != a);
    CHECK_EQ_INT((uintptr_t)a % 128, 0);
    memset(a, 3, 1000);
    halo_free(NULL, a);
    CHECK(halo_malloc(NULL, 1024) == a);
    halo_clear_error();
    int local;
    halo_free(NULL, &local);
    CHECK_EQ_INT(halo_last_error_code(), halo_error_bad_free);
    CHECK(halo_malloc(NULL, (size_t)1 << 40) == NULL);
    CHECK_EQ_INT(halo_last_error_code(), halo_error_out_of_memory);

    /* local memory is carved from that heap */
    void *v = halo_localmem_alloc(NULL, halo_localmem_vtcm, 5000);
    CHECK(v != NULL);
    CHECK_EQ_INT(halo_localmem_in_use(halo_localmem_vtcm), 5120);
    CHECK_EQ_INT(halo_localmem_free(NULL, halo_localmem_vtcm, v), 0);

    uint64_t t0 = halo_time_ns(), t1 = halo_time_ns();
    CHECK_EQ_INT(t1, t0 + 1);

    halo_trace_enable(true);
    CHECK_EQ_INT(halo_trace_record("dma", "x", "e", 1, t0, t1), 0);
    CHECK_EQ_INT(halo_trace_write_json("/dev/null"), halo_error_trace);

    char buf[8] = "abcdefg";
    memmove(buf + 1, buf, 5);
    CHECK_EQ_STR(buf, "aabcdeg");
    memmove(buf, buf + 2, 5);
    CHECK_EQ_STR(buf, "bcdegeg");
    CHECK(memcmp("abc", "abd", 3) < 0 && memcmp("abc", "abc", 3) == 0);
    printf("core_freestanding: ok\n");
    return 0;
}
