/* Compass DMA: events, the asynchronous copies bound to them, and the synchronous copy that
 * borrows one of the hardware sync flags. Host: each event owns a worker thread that runs its
 * copies one after another, so copies on different events overlap. Freestanding: every copy
 * runs inside the call that issues it, so no event is ever busy. */
#include "compass_internal.h"

typedef enum event_state_t { never_allocated = 0, allocated = 1, released = 2 } event_state_t;

typedef struct compass_event_t {
    event_state_t state;
    bool busy;    /* a copy holds the event: queued or moving */
    bool pending; /* the worker has not taken the copy yet */
    compass_copy_t copy;
#ifndef HALO_FREESTANDING
    pthread_t thread;
    bool worker;
#endif
} compass_event_t;

static halo_mutex_t lock = HALO_MUTEX_INITIALIZER;
#ifndef HALO_FREESTANDING
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool stopping;
#endif
static int limit = halo_compass_default_events;
static bool flag_busy[halo_compass_sync_flags]; /* held by synchronous copies */
static compass_event_t events[halo_compass_max_events];

static void notify(void) {
#ifndef HALO_FREESTANDING
    pthread_cond_broadcast(&changed);
#endif
}

/* Lock held. Freestanding builds never wait: nothing there is busy. */
static void wait_change(void) {
#ifndef HALO_FREESTANDING
    pthread_cond_wait(&changed, &lock);
#endif
}

static void format(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    halo_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* Lock held: the event may be used. */
static int check_event(const char *fn, int e) {
    if (e < 0 || e >= limit) {
        return halo_error(NULL, halo_compass_error_event_not_allocated,
                          "%s: event %d does not exist (this target has events 0..%d)", fn, e,
                          limit - 1);
    }
    if (events[e].state == released) {
        return halo_error(NULL, halo_compass_error_event_released,
                          "%s: The released event can not be used anymore. (event %d)", fn, e);
    }
    if (events[e].state != allocated) {
        return halo_error(NULL, halo_compass_error_event_not_allocated,
                          "%s: event %d is not allocated (alloc_events gives events)", fn, e);
    }
    return 0;
}

/* Lock held: every listed event may be used; free also refuses an event listed twice. */
static int check_list(const char *fn, const int *list, int n, bool unique) {
    if (!list || n < 1) {
        return halo_error(NULL, halo_compass_error_event_count,
                          "%s: Redundant useless call. (no events given)", fn);
    }
    for (int i = 0; i < n; i++) {
        int err = check_event(fn, list[i]);
        if (err) return err;
        for (int j = 0; unique && j < i; j++) {
            if (list[j] == list[i]) {
                return halo_error(NULL, halo_compass_error_event_repeated,
                                  "%s: event %d is listed twice", fn, list[i]);
            }
        }
    }
    return 0;
}

static void wait_list(const int *list, int n) {
    for (int i = 0; i < n; i++) {
        while (events[list[i]].busy) wait_change();
    }
}

#ifndef HALO_FREESTANDING
static void *worker_main(void *arg) {
    int e = (int)(intptr_t)arg;
    compass_event_t *ev = &events[e];
    char track[32];
    format(track, sizeof(track), "compass event %d", e);
    halo_mutex_lock(&lock);
    for (;;) {
        while (!stopping && !ev->pending) wait_change();
        if (!ev->pending) break;
        compass_copy_t copy = ev->copy;
        ev->pending = false;
        halo_mutex_unlock(&lock);
        compass_run(&copy, "compass async_dma_copy", track);
        halo_mutex_lock(&lock);
        ev->busy = false;
        notify();
    }
    halo_mutex_unlock(&lock);
    return NULL;
}
#endif

int halo_compass_async_dma_copy(void *dst, int dst_scope, int dst_dtype, const void *src,
                                int src_scope, int src_dtype, int64_t width,
                                int64_t src_stride, int64_t times, int64_t dst_stride,
                                int event) {
    compass_copy_t copy;
    int err = compass_check(true, dst, dst_scope, dst_dtype, src, src_scope, src_dtype, width,
                            src_stride, times, dst_stride, &copy);
    if (err) return err;
    halo_mutex_lock(&lock);
    err = check_event("async_dma_copy", event);
    if (err || copy.rows == 0 || copy.row_bytes == 0) {
        halo_mutex_unlock(&lock);
        return err;
    }
#ifdef HALO_FREESTANDING
    char track[32];
    format(track, sizeof(track), "compass event %d", event);
    compass_run(&copy, "compass async_dma_copy", track);
#else
    compass_event_t *ev = &events[event];
    /* Serialised per event; the event is also the hardware sync flag a dma_copy may hold. */
    while (ev->busy || (event < halo_compass_sync_flags && flag_busy[event])) wait_change();
    err = check_event("async_dma_copy", event); /* another thread may have freed it */
    if (!err && !ev->worker) {
        if (pthread_create(&ev->thread, NULL, worker_main, (void *)(intptr_t)event) != 0) {
            err = halo_error(NULL, halo_error_thread,
                             "async_dma_copy: cannot start the worker of event %d", event);
        } else {
            ev->worker = true;
        }
    }
    if (!err) {
        ev->copy = copy;
        ev->busy = ev->pending = true;
        notify();
    }
#endif
    halo_mutex_unlock(&lock);
    return err;
}

/* Lock held: an idle sync flag (not held by a dma_copy nor by an event's copy), or -1. */
static int idle_flag(void) {
    for (int f = 0; f < halo_compass_sync_flags; f++) {
        if (!flag_busy[f] && !events[f].busy) return f;
    }
    return -1;
}

int halo_compass_dma_copy(void *dst, int dst_scope, int dst_dtype, const void *src,
                          int src_scope, int src_dtype, int64_t width, int64_t src_stride,
                          int64_t times, int64_t dst_stride) {
    compass_copy_t copy;
    int err = compass_check(false, dst, dst_scope, dst_dtype, src, src_scope, src_dtype, width,
                            src_stride, times, dst_stride, &copy);
    if (err || copy.rows == 0 || copy.row_bytes == 0) return err;
    halo_mutex_lock(&lock);
    int flag;
    while ((flag = idle_flag()) < 0) wait_change();
    flag_busy[flag] = true;
    halo_mutex_unlock(&lock);
    char track[32];
    format(track, sizeof(track), "compass sync flag %d", flag);
    compass_run(&copy, "compass dma_copy", track);
    halo_mutex_lock(&lock);
    flag_busy[flag] = false;
    notify();
    halo_mutex_unlock(&lock);
    return 0;
}

int halo_compass_alloc_events(int n, int *out) {
    if (!out) {
        return halo_error(NULL, halo_compass_error_null_pointer, "alloc_events: NULL output");
    }
    if (n < 1) {
        return halo_error(NULL, halo_compass_error_event_count,
                          "alloc_events: the count must be a positive number, got %d", n);
    }
    halo_mutex_lock(&lock);
    int free_count = 0;
    for (int e = 0; e < limit; e++) free_count += events[e].state != allocated;
    if (free_count < n) {
        halo_mutex_unlock(&lock);
        return halo_error(NULL, halo_compass_error_events_exhausted,
                          "alloc_events: Only remain %d events, but allocate %d.", free_count, n);
    }
    for (int e = 0, k = 0; k < n; e++) {
        if (events[e].state != allocated) {
            events[e].state = allocated;
            out[k++] = e;
        }
    }
    halo_mutex_unlock(&lock);
    return 0;
}

int halo_compass_wait_events(const int *list, int n) {
    halo_mutex_lock(&lock);
    int err = check_list("wait_events", list, n, false);
    if (!err) wait_list(list, n);
    halo_mutex_unlock(&lock);
    return err;
}

int halo_compass_free_events(const int *list, int n) {
    halo_mutex_lock(&lock);
    int err = check_list("free_events", list, n, true);
    if (!err) {
        wait_list(list, n);
        for (int i = 0; i < n; i++) events[list[i]].state = released;
    }
    halo_mutex_unlock(&lock);
    return err;
}

int halo_compass_set_event_limit(int n) {
    if (n < 1 || n > halo_compass_max_events) {
        return halo_error(NULL, halo_compass_error_event_limit,
                          "set_event_limit: %d is outside 1..%d", n, halo_compass_max_events);
    }
    halo_mutex_lock(&lock);
    int in_use = 0;
    for (int e = 0; e < halo_compass_max_events; e++) in_use += events[e].state == allocated;
    if (in_use) {
        halo_mutex_unlock(&lock);
        return halo_error(NULL, halo_compass_error_event_limit,
                          "set_event_limit: %d events are still allocated", in_use);
    }
    limit = n;
    halo_mutex_unlock(&lock);
    return 0;
}

int halo_compass_event_limit(void) {
    halo_mutex_lock(&lock);
    int n = limit;
    halo_mutex_unlock(&lock);
    return n;
}

int halo_compass_events_in_use(void) {
    halo_mutex_lock(&lock);
    int n = 0;
    for (int e = 0; e < halo_compass_max_events; e++) n += events[e].state == allocated;
    halo_mutex_unlock(&lock);
    return n;
}

int halo_compass_reset(void) {
    halo_mutex_lock(&lock);
    for (int e = 0; e < halo_compass_max_events; e++) {
        while (events[e].busy) wait_change();
    }
    for (int f = 0; f < halo_compass_sync_flags; f++) {
        while (flag_busy[f]) wait_change();
    }
#ifndef HALO_FREESTANDING
    pthread_t threads[halo_compass_max_events];
    int nthreads = 0;
    for (int e = 0; e < halo_compass_max_events; e++) {
        if (events[e].worker) threads[nthreads++] = events[e].thread;
        events[e].worker = false;
    }
    stopping = true;
    notify();
    halo_mutex_unlock(&lock);
    for (int i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
    halo_mutex_lock(&lock);
    stopping = false;
#endif
    for (int e = 0; e < halo_compass_max_events; e++) events[e].state = never_allocated;
    limit = halo_compass_default_events;
    halo_mutex_unlock(&lock);
    return halo_compass_set_bandwidth_model(0);
}
