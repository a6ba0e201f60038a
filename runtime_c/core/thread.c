/* Joinable threads for async producers. Host: a pthread; the task's arguments and result live
 * in a heap record because halo_thread_t's opaque bytes only fit the pthread_t and a pointer.
 * A failing task's message is re-raised on the joining thread. Freestanding: the task runs to
 * completion inside start. */
#include "halo_core.h"

typedef struct thread_impl_t {
    uint64_t started; /* magic while a started thread awaits its join */
#ifdef HALO_FREESTANDING
    int result;
#else
    struct thread_record_t *record;
    pthread_t handle;
#endif
} thread_impl_t;

#define HALO_THREAD_STARTED 0x68616c6f74687264ull /* "halothrd" */

_Static_assert(sizeof(thread_impl_t) <= sizeof(halo_thread_t),
               "halo_thread_t is too small for this platform's pthread_t");

static thread_impl_t *impl(halo_thread_t *t) { return (thread_impl_t *)(void *)t->_opaque; }

#ifdef HALO_FREESTANDING

int halo_thread_start(halo_thread_t *t, void *user_context, halo_task_fn f, uint8_t *closure) {
    if (!t || !f)
        return halo_error(user_context, halo_error_bad_argument, "halo_thread_start: null %s",
                          t ? "task" : "thread");
    impl(t)->result = f(user_context, 0, closure);
    impl(t)->started = HALO_THREAD_STARTED;
    return 0;
}

int halo_thread_join(halo_thread_t *t) {
    if (!t || impl(t)->started != HALO_THREAD_STARTED)
        return halo_error(NULL, halo_error_bad_state, "halo_thread_join: thread was not started");
    impl(t)->started = 0;
    return impl(t)->result;
}

#else

#include <stdlib.h>

typedef struct thread_record_t {
    halo_task_fn f;
    void *user_context;
    uint8_t *closure;
    int result;
    bool has_message; /* the task failed and recorded `message` on its thread */
    char message[HALO_ERROR_MESSAGE_BYTES];
} thread_record_t;

static void *thread_main(void *arg) {
    thread_record_t *r = arg;
    uint32_t serial = halo_error_serial();
    r->result = r->f(r->user_context, 0, r->closure);
    if (r->result && halo_error_serial() != serial) {
        halo_copy_error_message(r->message);
        r->has_message = true;
    }
    return NULL;
}

int halo_thread_start(halo_thread_t *t, void *user_context, halo_task_fn f, uint8_t *closure) {
    if (!t || !f)
        return halo_error(user_context, halo_error_bad_argument, "halo_thread_start: null %s",
                          t ? "task" : "thread");
    thread_record_t *r = malloc(sizeof *r);
    if (!r)
        return halo_error(user_context, halo_error_out_of_memory,
                          "halo_thread_start: out of memory");
    *r = (thread_record_t){.f = f, .user_context = user_context, .closure = closure};
    int rc = pthread_create(&impl(t)->handle, NULL, thread_main, r);
    if (rc) {
        free(r);
        return halo_error(user_context, halo_error_thread,
                          "halo_thread_start: pthread_create failed (error %d)", rc);
    }
    impl(t)->record = r;
    impl(t)->started = HALO_THREAD_STARTED;
    return 0;
}

int halo_thread_join(halo_thread_t *t) {
    if (!t || impl(t)->started != HALO_THREAD_STARTED)
        return halo_error(NULL, halo_error_bad_state, "halo_thread_join: thread was not started");
    int rc = pthread_join(impl(t)->handle, NULL);
    impl(t)->started = 0;
    if (rc) {
        /* the thread may still be running and using its record, so the record is leaked */
        return halo_error(NULL, halo_error_thread,
                          "halo_thread_join: pthread_join failed (error %d)", rc);
    }
    thread_record_t *r = impl(t)->record;
    int result = r->has_message ? halo_error(NULL, r->result, "%s", r->message) : r->result;
    free(r);
    return result;
}

#endif
