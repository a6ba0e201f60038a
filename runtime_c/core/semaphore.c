/* Counting semaphores. Host: mutex + condition variable inside the caller's opaque storage.
 * Freestanding: a bare count; there is no other thread to wait for, so acquiring more than is
 * available is an error instead of a hang. */
#include "halo_core.h"

#ifdef HALO_FREESTANDING

typedef struct sem_impl_t {
    int count;
} sem_impl_t;

#else

#include <pthread.h>

typedef struct sem_impl_t {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int count;
} sem_impl_t;

#endif

_Static_assert(sizeof(sem_impl_t) <= sizeof(halo_semaphore_t),
               "halo_semaphore_t is too small for this platform's mutex and condition variable");

static sem_impl_t *impl(halo_semaphore_t *s) { return (sem_impl_t *)(void *)s->_opaque; }

static int check_args(const char *what, halo_semaphore_t *s, int n) {
    if (!s) return halo_error(NULL, halo_error_bad_argument, "%s: null semaphore", what);
    if (n < 0) return halo_error(NULL, halo_error_bad_argument, "%s: negative count %d", what, n);
    return 0;
}

#ifdef HALO_FREESTANDING

int halo_semaphore_init(halo_semaphore_t *s, int count) {
    int rc = check_args("halo_semaphore_init", s, count);
    if (rc) return rc;
    impl(s)->count = count;
    return 0;
}

int halo_semaphore_release(halo_semaphore_t *s, int n) {
    int rc = check_args("halo_semaphore_release", s, n);
    if (rc) return rc;
    impl(s)->count += n;
    return 0;
}

int halo_semaphore_acquire(halo_semaphore_t *s, int n) {
    int rc = check_args("halo_semaphore_acquire", s, n);
    if (rc) return rc;
    if (impl(s)->count < n)
        return halo_error(NULL, halo_error_bad_state,
                          "halo_semaphore_acquire: %d requested, %d available, and the "
                          "freestanding build cannot block",
                          n, impl(s)->count);
    impl(s)->count -= n;
    return 0;
}

bool halo_semaphore_try_acquire(halo_semaphore_t *s, int n) {
    if (check_args("halo_semaphore_try_acquire", s, n) || impl(s)->count < n) return false;
    impl(s)->count -= n;
    return true;
}

int halo_semaphore_destroy(halo_semaphore_t *s) {
    return check_args("halo_semaphore_destroy", s, 0);
}

#else

int halo_semaphore_init(halo_semaphore_t *s, int count) {
    int rc = check_args("halo_semaphore_init", s, count);
    if (rc) return rc;
    sem_impl_t *m = impl(s);
    if (pthread_mutex_init(&m->lock, NULL))
        return halo_error(NULL, halo_error_thread,
                          "halo_semaphore_init: pthread_mutex_init failed");
    if (pthread_cond_init(&m->changed, NULL)) {
        pthread_mutex_destroy(&m->lock);
        return halo_error(NULL, halo_error_thread, "halo_semaphore_init: pthread_cond_init failed");
    }
    m->count = count;
    return 0;
}

int halo_semaphore_release(halo_semaphore_t *s, int n) {
    int rc = check_args("halo_semaphore_release", s, n);
    if (rc) return rc;
    sem_impl_t *m = impl(s);
    pthread_mutex_lock(&m->lock);
    m->count += n;
    pthread_cond_broadcast(&m->changed);
    pthread_mutex_unlock(&m->lock);
    return 0;
}

int halo_semaphore_acquire(halo_semaphore_t *s, int n) {
    int rc = check_args("halo_semaphore_acquire", s, n);
    if (rc) return rc;
    sem_impl_t *m = impl(s);
    pthread_mutex_lock(&m->lock);
    while (m->count < n) pthread_cond_wait(&m->changed, &m->lock);
    m->count -= n;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

bool halo_semaphore_try_acquire(halo_semaphore_t *s, int n) {
    if (check_args("halo_semaphore_try_acquire", s, n)) return false;
    sem_impl_t *m = impl(s);
    pthread_mutex_lock(&m->lock);
    bool ok = m->count >= n;
    if (ok) m->count -= n;
    pthread_mutex_unlock(&m->lock);
    return ok;
}

int halo_semaphore_destroy(halo_semaphore_t *s) {
    int rc = check_args("halo_semaphore_destroy", s, 0);
    if (rc) return rc;
    sem_impl_t *m = impl(s);
    pthread_cond_destroy(&m->changed);
    pthread_mutex_destroy(&m->lock);
    return 0;
}

#endif
