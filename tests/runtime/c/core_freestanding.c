/* The freestanding code paths, built for the host with -DHALO_FREESTANDING (the Hexagon build
 * is only compiled, not run, by the tests): serial loops, non-blocking semaphores, threads that
 * run at start, the static heap, the counter clock, and the memcpy/memset replacements. */
#include "halo_runtime.h"

#include <stdint.h>

#include "check.h"

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
    /* loops run serially, in order, on the caller, and stop at the first failure */
    CHECK_EQ_INT(halo_do_par_for(NULL, record_task, 10, 6, NULL), halo_error_bad_param);
    CHECK_EQ_INT(calls, 4);
    for (int k = 0; k < 4; k++) CHECK_EQ_INT(order[k], 10 + k);
    CHECK_EQ_STR(halo_last_error_message(), "stop at 13");
    CHECK_EQ_INT(halo_get_num_threads(), 1);

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
