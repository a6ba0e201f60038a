/* Multi-threaded checks of the runtime core, run under ASan+UBSan and under TSan: parallel
 * loops (nested, failing), semaphores, threads, and the thread safety of local memory, trace
 * and errors. */
#include "halo_runtime.h"

#include <stdatomic.h>
#include <stdint.h>

#include "check.h"

#define N 2000
static atomic_int hits[N];

static void reset_hits(void) {
    for (int i = 0; i < N; i++) atomic_store(&hits[i], 0);
}

static void check_hits(int lo, int hi, int expected) {
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(atomic_load(&hits[i]), i >= lo && i < hi ? expected : 0);
}

static int count_task(void *uc, int i, uint8_t *closure) {
    (void)uc;
    (void)closure;
    atomic_fetch_add(&hits[i], 1);
    return 0;
}

static int inner_task(void *uc, int i, uint8_t *closure) {
    (void)closure;
    return halo_do_par_for(uc, count_task, i * 20, 20, NULL);
}

static int outer_task(void *uc, int i, uint8_t *closure) {
    (void)closure;
    return halo_do_par_for(uc, inner_task, i * 10, 10, NULL);
}

static int failing_task(void *uc, int i, uint8_t *closure) {
    (void)closure;
    atomic_fetch_add(&hits[i], 1);
    if (i == 37) return halo_error(uc, halo_error_bad_param, "task %d failed", i);
    return 0;
}

static int silent_failing_task(void *uc, int i, uint8_t *closure) {
    (void)uc;
    (void)closure;
    return i == 5 ? -9 : 0;
}

static void test_par_for(void) {
    CHECK_EQ_INT(halo_set_num_threads(4), 0);
    CHECK_EQ_INT(halo_get_num_threads(), 4);
    reset_hits();
    CHECK_EQ_INT(halo_do_par_for(NULL, count_task, 100, 1500, NULL), 0);
    check_hits(100, 1600, 1);

    /* three levels: 10 x 10 x 20 indices */
    reset_hits();
    CHECK_EQ_INT(halo_do_par_for(NULL, outer_task, 0, 10, NULL), 0);
    check_hits(0, N, 1);

    reset_hits();
    CHECK_EQ_INT(halo_do_par_for(NULL, count_task, 5, 0, NULL), 0);
    CHECK_EQ_INT(halo_do_par_for(NULL, count_task, 5, -3, NULL), 0);
    check_hits(0, 0, 0);
    CHECK_EQ_INT(halo_do_par_for(NULL, NULL, 0, 4, NULL), halo_error_bad_argument);
    CHECK_EQ_INT(halo_do_par_for(NULL, count_task, INT32_MAX - 2, 3, NULL),
                 halo_error_bad_argument);

    /* a worker's failure and its message reach the caller */
    halo_clear_error();
    reset_hits();
    CHECK_EQ_INT(halo_do_par_for(NULL, failing_task, 0, 1000, NULL), halo_error_bad_param);
    CHECK_EQ_STR(halo_last_error_message(), "task 37 failed");
    CHECK_EQ_INT(halo_last_error_code(), halo_error_bad_param);
    CHECK_EQ_INT(atomic_load(&hits[37]), 1);

    /* a failure without a message leaves the caller's message alone */
    halo_clear_error();
    CHECK_EQ_INT(halo_do_par_for(NULL, silent_failing_task, 0, 100, NULL), -9);
    CHECK_EQ_STR(halo_last_error_message(), "");

    /* one thread: serial, stops right after the failing index */
    CHECK_EQ_INT(halo_set_num_threads(1), 4);
    reset_hits();
    CHECK_EQ_INT(halo_do_par_for(NULL, failing_task, 0, 1000, NULL), halo_error_bad_param);
    check_hits(0, 38, 1);
    CHECK_EQ_INT(halo_set_num_threads(0), 1);
    CHECK(halo_get_num_threads() >= 1);
    CHECK_EQ_INT(halo_set_num_threads(3), 0);
}

/* ---- semaphores and threads --------------------------------------------------------------- */

#define ITEMS 500
typedef struct channel_t {
    halo_semaphore_t filled, empty;
    int slots[4];
    int64_t sum;
} channel_t;

static int producer(void *uc, int index, uint8_t *closure) {
    (void)uc;
    (void)index;
    channel_t *ch = (channel_t *)closure;
    for (int i = 0; i < ITEMS; i++) {
        CHECK_EQ_INT(halo_semaphore_acquire(&ch->empty, 1), 0);
        ch->slots[i % 4] = i + 1;
        CHECK_EQ_INT(halo_semaphore_release(&ch->filled, 1), 0);
    }
    return 7;
}

static void test_semaphores(void) {
    channel_t ch = {0};
    CHECK_EQ_INT(halo_semaphore_init(&ch.filled, 0), 0);
    CHECK_EQ_INT(halo_semaphore_init(&ch.empty, 4), 0);
    halo_thread_t t;
    CHECK_EQ_INT(halo_thread_start(&t, NULL, producer, (uint8_t *)&ch), 0);
    for (int i = 0; i < ITEMS; i++) {
        CHECK_EQ_INT(halo_semaphore_acquire(&ch.filled, 1), 0);
        ch.sum += ch.slots[i % 4];
        CHECK_EQ_INT(halo_semaphore_release(&ch.empty, 1), 0);
    }
    CHECK_EQ_INT(halo_thread_join(&t), 7);
    CHECK_EQ_INT(ch.sum, (int64_t)ITEMS * (ITEMS + 1) / 2);

    CHECK(!halo_semaphore_try_acquire(&ch.filled, 1));
    CHECK(halo_semaphore_try_acquire(&ch.empty, 4));
    CHECK(!halo_semaphore_try_acquire(&ch.empty, 1));
    CHECK_EQ_INT(halo_semaphore_release(&ch.empty, 3), 0);
    CHECK(!halo_semaphore_try_acquire(&ch.empty, 4));
    CHECK(halo_semaphore_try_acquire(&ch.empty, 3));
    CHECK_EQ_INT(halo_semaphore_release(&ch.empty, -1), halo_error_bad_argument);
    CHECK_EQ_INT(halo_semaphore_acquire(&ch.empty, -1), halo_error_bad_argument);
    CHECK_EQ_INT(halo_semaphore_init(NULL, 0), halo_error_bad_argument);
    CHECK_EQ_INT(halo_semaphore_destroy(&ch.filled), 0);
    CHECK_EQ_INT(halo_semaphore_destroy(&ch.empty), 0);
}

static int square_task(void *uc, int index, uint8_t *closure) {
    (void)uc;
    CHECK_EQ_INT(index, 0);
    int v = *(int *)closure;
    return v * v;
}

static int failing_thread(void *uc, int index, uint8_t *closure) {
    (void)index;
    (void)closure;
    return halo_error(uc, halo_error_bad_buffer, "producer %s broke", "p0");
}

static void test_threads(void) {
    halo_thread_t t[8];
    int values[8];
    for (int i = 0; i < 8; i++) {
        values[i] = i + 2;
        CHECK_EQ_INT(halo_thread_start(&t[i], NULL, square_task, (uint8_t *)&values[i]), 0);
    }
    for (int i = 0; i < 8; i++) CHECK_EQ_INT(halo_thread_join(&t[i]), (i + 2) * (i + 2));
    /* joining twice, or a thread never started, is an error */
    CHECK_EQ_INT(halo_thread_join(&t[0]), halo_error_bad_state);
    halo_thread_t zero = {{0}};
    CHECK_EQ_INT(halo_thread_join(&zero), halo_error_bad_state);
    CHECK_EQ_INT(halo_thread_start(&zero, NULL, NULL, NULL), halo_error_bad_argument);

    halo_clear_error();
    CHECK_EQ_INT(halo_thread_start(&t[0], NULL, failing_thread, NULL), 0);
    CHECK_EQ_INT(halo_thread_join(&t[0]), halo_error_bad_buffer);
    CHECK_EQ_STR(halo_last_error_message(), "producer p0 broke");
}

/* ---- thread safety of local memory, host memory, trace ------------------------------------ */

static int localmem_task(void *uc, int i, uint8_t *closure) {
    (void)closure;
    for (int k = 0; k < 50; k++) {
        uint8_t *p = halo_localmem_alloc(uc, halo_localmem_vtcm, 1000 + (size_t)i);
        uint8_t *h = halo_malloc(uc, 300);
        if (!p || !h) return halo_error_generic;
        memset(p, i, 1000 + (size_t)i);
        memset(h, i, 300);
        halo_free(uc, h);
        int rc = halo_localmem_free(uc, halo_localmem_vtcm, p);
        if (rc) return rc;
    }
    return halo_trace_record("compute", "task", (i % 2) ? "odd" : "even", (uint64_t)i, 10, 20);
}

static void test_shared_state(void) {
    CHECK_EQ_INT(halo_localmem_set_device(halo_device_sm8350), 0);
    halo_localmem_reset_high_water(halo_localmem_vtcm);
    halo_trace_clear();
    halo_trace_enable(true);
    CHECK_EQ_INT(halo_do_par_for(NULL, localmem_task, 0, 64, NULL), 0);
    CHECK_EQ_INT(halo_localmem_in_use(halo_localmem_vtcm), 0);
    /* each live allocation is at most align(1063, 128) = 1152 bytes, one per thread */
    CHECK(halo_localmem_high_water(halo_localmem_vtcm) >= 1024);
    CHECK(halo_localmem_high_water(halo_localmem_vtcm) <= 1152 * (size_t)halo_get_num_threads());
    CHECK_EQ_INT(halo_trace_count(), 64);
    size_t n = halo_trace_format_json(NULL, 0);
    char *text = malloc(n + 1);
    halo_trace_format_json(text, n + 1);
    CHECK(strstr(text, "\"name\":\"even\"") && strstr(text, "\"name\":\"odd\""));
    free(text);
    halo_trace_clear();
    halo_trace_enable(false);
}

int main(void) {
    test_par_for();
    test_semaphores();
    test_threads();
    test_shared_state();
    printf("core_threads: ok\n");
    return 0;
}
