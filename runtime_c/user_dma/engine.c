/* User DMA engines: the dmstart / dmlink / dmpoll / dmwait / dmpause / dmresume state machine
 * of one engine per simulated hardware thread (semantics of qualcomm/qemu's dma.c, see the
 * header). Host: a worker thread per engine walks the chain while the caller runs on; the
 * engine lock is held except while data moves. Freestanding: the chain runs inside the
 * command that starts it. */
#include "udma_internal.h"

typedef struct udma_engine_t {
    halo_mutex_t lock;
#ifndef HALO_FREESTANDING
    pthread_cond_t changed; /* status, copying or stop changed */
    pthread_t thread;
    bool worker, stop;
#endif
    uint32_t status;  /* DM0[1:0] */
    uint32_t current; /* descriptor in progress (or faulting), 0 when none */
    uint32_t dm4, dm5;
    bool copying; /* the worker is moving data with the lock released */
    char message[224];
} udma_engine_t;

#ifdef HALO_FREESTANDING
#define ENGINE_INIT {.lock = HALO_MUTEX_INITIALIZER}
#else
#define ENGINE_INIT {.lock = HALO_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER}
#endif
static udma_engine_t engines[halo_udma_num_engines] = {ENGINE_INIT, ENGINE_INIT, ENGINE_INIT,
                                                       ENGINE_INIT, ENGINE_INIT, ENGINE_INIT,
                                                       ENGINE_INIT, ENGINE_INIT};

static const char *const syndrome_names[] = {
    "DM command error",         "descriptor invalid alignment", "descriptor invalid type",
    "unsupported address",      "unsupported bypass mode",      "unsupported comp format",
    "descriptor ROI error",     "bus error descriptor r/w",     "bus error L2 read",
    "bus error L2 write",
};

static void copy_text(char *dst, size_t size, const char *src) {
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++) dst[i] = src[i];
    dst[i] = 0;
}

static void notify(udma_engine_t *g) {
#ifndef HALO_FREESTANDING
    pthread_cond_broadcast(&g->changed);
#else
    (void)g;
#endif
}

/* Lock held. The engine stops in ERROR; DM4 / DM5 describe why. */
static void set_error(udma_engine_t *g, int e, uint32_t syndrome, uint32_t address,
                      const char *message) {
    g->status = halo_udma_status_error;
    g->dm4 = 1u | ((uint32_t)e << 4) | (syndrome << 8);
    g->dm5 = address;
    copy_text(g->message, sizeof(g->message), message);
    notify(g);
}

/* Lock held, status RUN, current != 0: runs one descriptor and moves to the next. */
static void step(udma_engine_t *g, int e) {
    udma_job_t job;
    udma_fault_t fault;
    if (udma_fetch(g->current, &job, &fault)) {
        set_error(g, e, fault.syndrome, fault.address, fault.message);
        return;
    }
    uint64_t start = halo_trace_enabled() ? halo_time_ns() : 0;
    g->copying = true;
    halo_mutex_unlock(&g->lock);
    udma_copy(&job);
    halo_mutex_lock(&g->lock);
    g->copying = false;
    udma_complete(&job, e, start);
    /* next is read after the copy, so a dmlink to this descriptor while it ran is followed. */
    g->current = job.words[0];
    if (g->current == 0 && g->status == halo_udma_status_run) g->status = halo_udma_status_idle;
    notify(g);
}

#ifndef HALO_FREESTANDING
static void *worker_main(void *arg) {
    int e = (int)(intptr_t)arg;
    udma_engine_t *g = &engines[e];
    halo_mutex_lock(&g->lock);
    for (;;) {
        while (!g->stop && g->status != halo_udma_status_run) pthread_cond_wait(&g->changed, &g->lock);
        if (g->stop) break;
        step(g, e);
    }
    halo_mutex_unlock(&g->lock);
    return NULL;
}
#endif

/* Lock held, engine not running: start the chain at desc. */
static int begin(udma_engine_t *g, int e, uint32_t desc) {
    g->current = desc;
    g->status = halo_udma_status_run;
#ifdef HALO_FREESTANDING
    while (g->status == halo_udma_status_run) step(g, e);
#else
    if (!g->worker) {
        if (pthread_create(&g->thread, NULL, worker_main, (void *)(intptr_t)e) != 0) {
            g->status = halo_udma_status_idle;
            g->current = 0;
            return halo_error(NULL, halo_error_thread,
                              "user DMA engine %d: cannot start its worker thread", e);
        }
        g->worker = true;
    }
    notify(g);
#endif
    return 0;
}

static void wait_stopped(udma_engine_t *g) {
#ifndef HALO_FREESTANDING
    while (g->status == halo_udma_status_run || g->copying) pthread_cond_wait(&g->changed, &g->lock);
#else
    (void)g;
#endif
}

static udma_engine_t *engine_at(int e) {
    if (e < 0 || e >= halo_udma_num_engines) {
        halo_error(NULL, halo_udma_error_bad_engine, "user DMA engine %d does not exist (0..%d)",
                   e, halo_udma_num_engines - 1);
        return NULL;
    }
    return &engines[e];
}

/* Lock held: the code and message a command returns for the engine's ERROR state. */
static int report_error(udma_engine_t *g, int e) {
    char message[sizeof(g->message)];
    copy_text(message, sizeof(message), g->message);
    uint32_t syndrome = (g->dm4 >> 8) & 0xFF;
    halo_mutex_unlock(&g->lock);
    return halo_error(NULL, halo_udma_error_command - (int)syndrome,
                      "user DMA engine %d: %s (syndrome %u: %s)", e, message, syndrome,
                      syndrome_names[syndrome]);
}

static int refuse_in_error(udma_engine_t *g, int e, const char *command) {
    uint32_t syndrome = (g->dm4 >> 8) & 0xFF;
    halo_mutex_unlock(&g->lock);
    return halo_error(NULL, halo_udma_error_in_error_state,
                      "user DMA engine %d ignored %s: it is in the ERROR state (syndrome %u: %s); "
                      "dmpause clears it", e, command, syndrome, syndrome_names[syndrome]);
}

/* Lock held on entry, released on return. */
static int command_error(udma_engine_t *g, int e, uint32_t address, const char *why) {
    set_error(g, e, halo_udma_syndrome_command, address, why);
    return report_error(g, e);
}

int halo_udma_dmstart(int e, uint32_t desc) {
    udma_engine_t *g = engine_at(e);
    if (!g) return halo_udma_error_bad_engine;
    halo_mutex_lock(&g->lock);
    if (g->status == halo_udma_status_error) return refuse_in_error(g, e, "dmstart");
    if (g->status == halo_udma_status_run) {
        return command_error(g, e, desc, "dmstart while the engine is running");
    }
    int err = desc ? begin(g, e, desc) : 0;
    halo_mutex_unlock(&g->lock);
    return err;
}

int halo_udma_dmlink(int e, uint32_t tail, uint32_t desc) {
    udma_engine_t *g = engine_at(e);
    if (!g) return halo_udma_error_bad_engine;
    halo_mutex_lock(&g->lock);
    if (g->status == halo_udma_status_error) return refuse_in_error(g, e, "dmlink");
    if (tail) {
        uint32_t *w = tail % 16 ? NULL : (uint32_t *)udma_translate(tail, 16);
        if (!w) return command_error(g, e, tail, "dmlink tail is not an aligned, mapped descriptor");
        w[0] = desc;
    }
    int err = 0;
    if (g->status != halo_udma_status_run && desc) err = begin(g, e, desc);
    halo_mutex_unlock(&g->lock);
    return err;
}

int halo_udma_dmresume(int e, uint32_t dm0) {
    udma_engine_t *g = engine_at(e);
    if (!g) return halo_udma_error_bad_engine;
    uint32_t desc = dm0 & ~0xFu;
    halo_mutex_lock(&g->lock);
    if (g->status == halo_udma_status_error) return refuse_in_error(g, e, "dmresume");
    if (g->status == halo_udma_status_run) {
        return command_error(g, e, desc, "dmresume while the engine is running");
    }
    int err = desc ? begin(g, e, desc) : 0;
    halo_mutex_unlock(&g->lock);
    return err;
}

static int read_dm0(int e, uint32_t *dm0, bool wait) {
    udma_engine_t *g = engine_at(e);
    if (!g) return halo_udma_error_bad_engine;
    if (!dm0) return halo_error(NULL, halo_error_bad_argument, "user DMA: NULL dm0 pointer");
    halo_mutex_lock(&g->lock);
    if (wait) wait_stopped(g);
    *dm0 = (g->status == halo_udma_status_idle ? 0 : g->current) | g->status;
    if (g->status == halo_udma_status_error) return report_error(g, e);
    halo_mutex_unlock(&g->lock);
    return 0;
}

int halo_udma_dmpoll(int e, uint32_t *dm0) { return read_dm0(e, dm0, false); }

int halo_udma_dmwait(int e, uint32_t *dm0) { return read_dm0(e, dm0, true); }

int halo_udma_dmpause(int e, uint32_t *dm0) {
    udma_engine_t *g = engine_at(e);
    if (!g) return halo_udma_error_bad_engine;
    if (!dm0) return halo_error(NULL, halo_error_bad_argument, "user DMA: NULL dm0 pointer");
    halo_mutex_lock(&g->lock);
    uint32_t before = g->status;
    g->status = halo_udma_status_idle;
    wait_stopped(g); /* a descriptor in flight finishes and advances current */
    *dm0 = (before == halo_udma_status_idle ? 0 : g->current) | before;
    g->current = 0;
    notify(g);
    halo_mutex_unlock(&g->lock);
    return 0;
}

int halo_udma_syndrome(int e, uint32_t *dm4, uint32_t *dm5) {
    udma_engine_t *g = engine_at(e);
    if (!g) return halo_udma_error_bad_engine;
    if (!dm4 || !dm5) return halo_error(NULL, halo_error_bad_argument, "user DMA: NULL pointer");
    halo_mutex_lock(&g->lock);
    *dm4 = g->dm4;
    *dm5 = g->dm5;
    halo_mutex_unlock(&g->lock);
    return 0;
}

int halo_udma_reset(void) {
    for (int e = 0; e < halo_udma_num_engines; e++) {
        udma_engine_t *g = &engines[e];
        halo_mutex_lock(&g->lock);
        wait_stopped(g);
#ifndef HALO_FREESTANDING
        bool joined = g->worker;
        g->stop = true;
        notify(g);
        halo_mutex_unlock(&g->lock);
        if (joined) pthread_join(g->thread, NULL);
        halo_mutex_lock(&g->lock);
        g->worker = false;
        g->stop = false;
#endif
        g->status = halo_udma_status_idle;
        g->current = 0;
        g->dm4 = g->dm5 = 0;
        g->message[0] = 0;
        halo_mutex_unlock(&g->lock);
    }
    udma_map_clear();
    return 0;
}
