/* Parallel loops on a thread pool. Each halo_do_par_for call publishes a job on a shared list;
 * idle workers and the calling thread claim its indices one at a time. The caller only waits for
 * indices already claimed by others, and every claimed index runs to completion on its
 * claimant, so nested calls (a task calling halo_do_par_for) cannot deadlock: the nested caller
 * runs its own job alone if every worker is busy. A failing task's message is carried back to
 * the calling thread. Freestanding builds run loops serially. */
#include "halo_core.h"

static int check_loop(void *user_context, halo_task_fn f, int min, int extent) {
    if (!f) return halo_error(user_context, halo_error_bad_argument, "halo_do_par_for: null task");
    if (min > INT32_MAX - extent)
        return halo_error(user_context, halo_error_bad_argument,
                          "halo_do_par_for: range [%d, %d + %d) overflows int", min, min, extent);
    return 0;
}

#ifdef HALO_FREESTANDING

int halo_do_par_for(void *user_context, halo_task_fn f, int min, int extent, uint8_t *closure) {
    if (extent <= 0) return 0;
    int rc = check_loop(user_context, f, min, extent);
    if (rc) return rc;
    for (int i = 0; i < extent; i++) {
        int rc = f(user_context, min + i, closure);
        if (rc) return rc;
    }
    return 0;
}

static int num_threads = 1;

int halo_set_num_threads(int n) {
    int previous = num_threads;
    num_threads = n;
    return previous;
}

int halo_get_num_threads(void) { return 1; }

#else

#include <pthread.h>
#include <unistd.h>

#define HALO_MAX_WORKERS 256

typedef struct job_t {
    halo_task_fn f;
    void *user_context;
    uint8_t *closure;
    int next, end;  /* indices [next, end) are unclaimed */
    int running;    /* claimed and not yet finished */
    int result;     /* first non-zero task result */
    bool has_message; /* the failing task recorded `message` (possibly on another thread) */
    char message[HALO_ERROR_MESSAGE_BYTES];
    struct job_t *link;
} job_t;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;  /* a job was published, or the thread count changed */
    pthread_cond_t done;  /* some job's last running index finished */
    job_t *jobs;          /* jobs with unclaimed indices */
    int requested;        /* halo_set_num_threads value; 0 = number of cores */
    int cores;            /* online cores, read once (sysconf reads /sys on every call) */
    int started;          /* workers created so far */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* Threads a loop may use, the caller included; called with pool.lock held. */
static int effective_threads(void) {
    if (pool.cores == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        pool.cores = cores > 0 ? (int)cores : 1;
    }
    int n = pool.requested > 0 ? pool.requested : pool.cores;
    return n > HALO_MAX_WORKERS + 1 ? HALO_MAX_WORKERS + 1 : n;
}

static void unlink_job(job_t *job) {
    for (job_t **p = &pool.jobs; *p; p = &(*p)->link) {
        if (*p == job) {
            *p = job->link;
            return;
        }
    }
}

/* Claims and runs one index of `job`; called and returns with pool.lock held. */
static void run_one(job_t *job) {
    int index = job->next++;
    job->running++;
    if (job->next == job->end) unlink_job(job);
    pthread_mutex_unlock(&pool.lock);
    uint32_t serial = halo_error_serial();
    int rc = job->f(job->user_context, index, job->closure);
    bool recorded = rc && halo_error_serial() != serial;
    pthread_mutex_lock(&pool.lock);
    if (rc && !job->result) {
        job->result = rc;
        if (recorded) {
            halo_copy_error_message(job->message);
            job->has_message = true;
        }
        /* stop handing out the rest of a failed loop */
        if (job->next < job->end) unlink_job(job);
        job->end = job->next;
    }
    if (--job->running == 0 && job->next == job->end) pthread_cond_broadcast(&pool.done);
}

static void *worker_main(void *arg) {
    int id = (int)(intptr_t)arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        /* workers beyond the current thread count stay parked */
        if (pool.jobs && id < effective_threads() - 1) run_one(pool.jobs);
        else pthread_cond_wait(&pool.work, &pool.lock);
    }
    return NULL; /* not reached: workers live as long as the process */
}

/* Starts workers up to the requested count; called with pool.lock held. */
static int grow_pool(void *user_context) {
    int want = effective_threads() - 1;
    while (pool.started < want) {
        pthread_t worker;
        int rc = pthread_create(&worker, NULL, worker_main, (void *)(intptr_t)pool.started);
        if (rc)
            return halo_error(user_context, halo_error_thread,
                              "halo_do_par_for: cannot start worker thread %d (error %d)",
                              pool.started, rc);
        pthread_detach(worker);
        pool.started++;
    }
    return 0;
}

int halo_do_par_for(void *user_context, halo_task_fn f, int min, int extent, uint8_t *closure) {
    if (extent <= 0) return 0;
    int rc = check_loop(user_context, f, min, extent);
    if (rc) return rc;
    if (extent == 1) return f(user_context, min, closure);
    job_t job = {.f = f, .user_context = user_context, .closure = closure, .next = min,
                 .end = min + extent};
    pthread_mutex_lock(&pool.lock);
    rc = grow_pool(user_context);
    if (rc) {
        pthread_mutex_unlock(&pool.lock);
        return rc;
    }
    /* newest first: a nested loop's indices are what its (waiting) parent needs */
    job.link = pool.jobs;
    pool.jobs = &job;
    pthread_cond_broadcast(&pool.work);
    while (job.next < job.end) run_one(&job);
    while (job.running > 0) pthread_cond_wait(&pool.done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    if (job.has_message) return halo_error(user_context, job.result, "%s", job.message);
    return job.result;
}

int halo_set_num_threads(int n) {
    pthread_mutex_lock(&pool.lock);
    int previous = pool.requested;
    pool.requested = n < 0 ? 0 : n;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    return previous;
}

int halo_get_num_threads(void) {
    pthread_mutex_lock(&pool.lock);
    int n = effective_threads();
    pthread_mutex_unlock(&pool.lock);
    return n;
}

#endif
