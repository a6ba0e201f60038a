/* The engine pool: a fixed set of engines, each with a FIFO of transfers. Host builds give every
 * allocated engine its own worker thread, so transfers on different engines run at the same
 * time (Halide serialises every copy behind one global lock; halo does not). Freestanding
 * builds have no threads: Move runs the transfer before it returns.
 * Engine slots are static and their locks are never destroyed, so a transfer can still be
 * waited after its engine was deallocated. */
#include "ubwcdma_internal.h"

enum {
    state_idle = 0,
    state_queued = 0x51554555, /* distinct from any small integer, to catch garbage */
    state_running = 0x52554e4e,
    state_done = 0x444f4e45
};

typedef struct engine_t {
    bool in_use, stop;
    uint32_t generation;
    char name[16];
    halo_dma_transfer_t *head, *tail;
    int32_t pending; /* queued or running */
    halo_dma_stats_t stats;
#ifndef HALO_FREESTANDING
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    pthread_t thread;
#endif
} engine_t;

static engine_t engines[halo_hexagon_dma_max_engines];
halo_mutex_t ubwc_pool_lock = HALO_MUTEX_INITIALIZER;
static halo_mutex_t stats_lock = HALO_MUTEX_INITIALIZER;
static halo_dma_stats_t global_stats;
static bool pool_ready;
static int32_t in_use_count;

static engine_t *as_engine(void *p) {
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)engines;
    if (a < base || a >= base + sizeof engines || (a - base) % sizeof(engine_t)) return NULL;
    return (engine_t *)p;
}

#ifdef HALO_FREESTANDING
static void lock_engine(engine_t *e) { (void)e; }
static void unlock_engine(engine_t *e) { (void)e; }
#else
static void lock_engine(engine_t *e) { pthread_mutex_lock(&e->lock); }
static void unlock_engine(engine_t *e) { pthread_mutex_unlock(&e->lock); }
#endif

bool ubwc_engine_valid(void *p) {
    engine_t *e = as_engine(p);
    if (!e) return false;
    lock_engine(e);
    bool ok = e->in_use;
    unlock_engine(e);
    return ok;
}

uint32_t ubwc_engine_generation(void *p) {
    engine_t *e = as_engine(p);
    if (!e) return 0;
    lock_engine(e);
    uint32_t g = e->generation;
    unlock_engine(e);
    return g;
}

const char *halo_hexagon_dma_engine_name(void *p) {
    engine_t *e = as_engine(p);
    return e ? e->name : "";
}

static const char *const fmt_names[] = {"RawData", "NV12", "NV12_Y", "NV12_UV", "P010",
                                        "P010_Y", "P010_UV", "TP10", "TP10_Y", "TP10_UV",
                                        "NV124R", "NV124R_Y", "NV124R_UV"};

/* Runs t (already checked at Move) and records it; the caller marks it done. */
static void run_transfer(engine_t *e, halo_dma_transfer_t *t) {
    plane_geom_t g;
    ubwc_plane_geom(ubwc_family(t->desc.fmt), ubwc_is_chroma(t->desc.fmt), t->desc.is_ubwc,
                    t->desc.frame_width, t->desc.frame_height, t->desc.frame_stride, &g);
    t->start_ns = halo_time_ns();
    t->result = ubwc_run_desc(NULL, &t->desc, &g, &t->ddr_bytes, &t->uncompressed_bytes);
    /* the bandwidth model: the engine is busy at least ddr_bytes / bandwidth */
    t->end_ns = halo_time_after(t->start_ns, ubwc_transfer_floor_ns(t->ddr_bytes));
    char name[64];
    halo_snprintf(name, sizeof name, "%s %s%s", t->desc.direction == halo_dma_read ? "read" : "write",
                  fmt_names[t->desc.fmt], t->desc.is_ubwc ? " UBWC" : "");
    halo_trace_record("dma", name, e->name, t->ddr_bytes, t->start_ns, t->end_ns);
    halo_mutex_lock(&stats_lock);
    global_stats.transfers++;
    global_stats.ddr_bytes += t->ddr_bytes;
    global_stats.uncompressed_bytes += t->uncompressed_bytes;
    global_stats.busy_ns += t->end_ns - t->start_ns;
    halo_mutex_unlock(&stats_lock);
    if (t->handle) ubwc_handle_transfer_done(t->handle);
}

/* Completion bookkeeping; engine lock held. */
static void finish_transfer(engine_t *e, halo_dma_transfer_t *t) {
    e->stats.transfers++;
    e->stats.ddr_bytes += t->ddr_bytes;
    e->stats.uncompressed_bytes += t->uncompressed_bytes;
    e->stats.busy_ns += t->end_ns - t->start_ns;
    t->state = state_done;
    e->pending--;
}

#ifndef HALO_FREESTANDING
static void *worker(void *arg) {
    engine_t *e = arg;
    pthread_mutex_lock(&e->lock);
    for (;;) {
        while (!e->head && !e->stop) pthread_cond_wait(&e->work, &e->lock);
        if (!e->head) break;
        halo_dma_transfer_t *t = e->head;
        e->head = t->next;
        if (!e->head) e->tail = NULL;
        t->state = state_running;
        pthread_mutex_unlock(&e->lock);
        run_transfer(e, t);
        pthread_mutex_lock(&e->lock);
        finish_transfer(e, t);
        pthread_cond_broadcast(&e->done);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}
#endif

/* Lock held. */
static void init_pool(void) {
    if (pool_ready) return;
    for (int i = 0; i < halo_hexagon_dma_max_engines; i++) {
        halo_snprintf(engines[i].name, sizeof engines[i].name, "ubwcdma%d", i);
#ifndef HALO_FREESTANDING
        pthread_mutex_init(&engines[i].lock, NULL);
        pthread_cond_init(&engines[i].work, NULL);
        pthread_cond_init(&engines[i].done, NULL);
#endif
    }
    pool_ready = true;
}

int halo_hexagon_dma_allocate_engine(void *uc, void **dma_engine) {
    if (!dma_engine) return halo_error(uc, halo_error_bad_argument, "allocate_engine: engine pointer is NULL");
    halo_mutex_lock(&ubwc_pool_lock);
    init_pool();
    engine_t *e = NULL;
    for (int i = 0; i < halo_hexagon_dma_max_engines && !e; i++)
        if (!engines[i].in_use) e = &engines[i];
    if (!e) {
        halo_mutex_unlock(&ubwc_pool_lock);
        return halo_error(uc, halo_error_dma_no_engine,
                          "allocate_engine: all %d UBWCDMA engines are allocated",
                          halo_hexagon_dma_max_engines);
    }
    lock_engine(e);
    e->stop = false;
    e->head = e->tail = NULL;
    e->pending = 0;
    e->stats = (halo_dma_stats_t){0}; /* a new allocation starts its own statistics */
    unlock_engine(e);
#ifndef HALO_FREESTANDING
    if (pthread_create(&e->thread, NULL, worker, e)) {
        halo_mutex_unlock(&ubwc_pool_lock);
        return halo_error(uc, halo_error_dma_thread, "allocate_engine: cannot start %s's worker", e->name);
    }
#endif
    lock_engine(e);
    e->in_use = true;
    e->generation++;
    unlock_engine(e);
    in_use_count++;
    halo_mutex_unlock(&ubwc_pool_lock);
    *dma_engine = e;
    return 0;
}

int halo_hexagon_dma_deallocate_engine(void *uc, void *dma_engine) {
    halo_mutex_lock(&ubwc_pool_lock);
    engine_t *e = as_engine(dma_engine);
    if (!e || !ubwc_engine_valid(e)) {
        halo_mutex_unlock(&ubwc_pool_lock);
        return halo_error(uc, halo_error_dma_bad_engine,
                          "deallocate_engine: %p is not an allocated UBWCDMA engine", dma_engine);
    }
    lock_engine(e);
#ifndef HALO_FREESTANDING
    while (e->pending) pthread_cond_wait(&e->done, &e->lock);
    e->stop = true;
    pthread_cond_signal(&e->work);
    unlock_engine(e);
    pthread_join(e->thread, NULL);
    lock_engine(e);
#endif
    e->in_use = false;
    e->generation++;
    unlock_engine(e);
    if (--in_use_count == 0) ubwc_power_restore_default();
    halo_mutex_unlock(&ubwc_pool_lock);
    return 0;
}

int32_t ubwc_engines_in_use_locked(void) { return in_use_count; }

int halo_hexagon_dma_engines_in_use(void) {
    halo_mutex_lock(&ubwc_pool_lock);
    int n = in_use_count;
    halo_mutex_unlock(&ubwc_pool_lock);
    return n;
}

int ubwc_engine_move(void *uc, void *engine, const halo_ubwcdma_desc_t *desc,
                     halo_dma_transfer_t *t, void *handle) {
    if (!t) return halo_error(uc, halo_error_bad_argument, "UBWCDMA move: transfer is NULL");
    engine_t *e = as_engine(engine);
    if (!e || !ubwc_engine_valid(e))
        return halo_error(uc, halo_error_dma_bad_engine, "UBWCDMA move: %p is not an allocated engine",
                          engine);
    engine_t *prev = as_engine(t->engine);
    if (prev) {
        lock_engine(prev);
        uint32_t s = t->state;
        unlock_engine(prev);
        if (s == state_queued || s == state_running || s == state_done)
            return halo_error(uc, halo_error_dma_busy,
                              "UBWCDMA move: the transfer is still in flight or not yet waited");
    }
    plane_geom_t g;
    int r = ubwc_check_desc(uc, desc, &g);
    if (r) return r;
    t->desc = *desc;
    t->next = NULL;
    t->engine = e;
    t->handle = handle;
    t->result = 0;
    t->ddr_bytes = t->uncompressed_bytes = 0;
    t->start_ns = t->end_ns = 0;
#ifdef HALO_FREESTANDING
    if (handle) ubwc_handle_transfer_started(handle);
    t->state = state_running;
    e->pending++;
    run_transfer(e, t);
    finish_transfer(e, t);
#else
    lock_engine(e);
    if (!e->in_use) {
        unlock_engine(e);
        return halo_error(uc, halo_error_dma_bad_engine, "UBWCDMA move: engine was deallocated");
    }
    if (handle) ubwc_handle_transfer_started(handle);
    t->state = state_queued;
    if (e->tail) e->tail->next = t;
    else e->head = t;
    e->tail = t;
    e->pending++;
    pthread_cond_signal(&e->work);
    unlock_engine(e);
#endif
    return 0;
}

int halo_ubwcdma_move(void *uc, void *engine, const halo_ubwcdma_desc_t *desc,
                      halo_dma_transfer_t *t) {
    return ubwc_engine_move(uc, engine, desc, t, NULL);
}

int halo_ubwcdma_wait(void *uc, halo_dma_transfer_t *t) {
    engine_t *e = t ? as_engine(t->engine) : NULL;
    if (!e) return halo_error(uc, halo_error_dma_not_started, "UBWCDMA wait: the transfer was never moved");
    lock_engine(e);
#ifndef HALO_FREESTANDING
    while (t->state == state_queued || t->state == state_running) pthread_cond_wait(&e->done, &e->lock);
#endif
    bool done = t->state == state_done;
    if (done) t->state = state_idle;
    int result = t->result;
    unlock_engine(e);
    if (!done)
        return halo_error(uc, halo_error_dma_not_started,
                          "UBWCDMA wait: the transfer was never moved (or was already waited)");
    if (result)
        return halo_error(uc, result, "UBWCDMA: %s transfer of %s on %s failed: a UBWC tile could not be "
                          "decoded", t->desc.direction == halo_dma_read ? "read" : "write",
                          fmt_names[t->desc.fmt], e->name);
    return 0;
}

int halo_ubwcdma_wait_engine(void *uc, void *engine) {
    engine_t *e = as_engine(engine);
    if (!e || !ubwc_engine_valid(e))
        return halo_error(uc, halo_error_dma_bad_engine, "UBWCDMA wait: %p is not an allocated engine", engine);
#ifndef HALO_FREESTANDING
    lock_engine(e);
    while (e->pending) pthread_cond_wait(&e->done, &e->lock);
    unlock_engine(e);
#endif
    return 0;
}

int halo_hexagon_dma_get_stats(void *engine, halo_dma_stats_t *out) {
    if (!out) return halo_error(NULL, halo_error_bad_argument, "get_stats: out is NULL");
    if (!engine) {
        halo_mutex_lock(&stats_lock);
        *out = global_stats;
        halo_mutex_unlock(&stats_lock);
        return 0;
    }
    engine_t *e = as_engine(engine);
    if (!e) return halo_error(NULL, halo_error_dma_bad_engine, "get_stats: %p is not an engine", engine);
    lock_engine(e);
    *out = e->stats;
    unlock_engine(e);
    return 0;
}

void halo_hexagon_dma_reset_stats(void) {
    halo_mutex_lock(&stats_lock);
    global_stats = (halo_dma_stats_t){0};
    halo_mutex_unlock(&stats_lock);
    halo_mutex_lock(&ubwc_pool_lock);
    init_pool();
    halo_mutex_unlock(&ubwc_pool_lock);
    for (int i = 0; i < halo_hexagon_dma_max_engines; i++) {
        lock_engine(&engines[i]);
        engines[i].stats = (halo_dma_stats_t){0};
        unlock_engine(&engines[i]);
    }
}
