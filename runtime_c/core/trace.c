/* The trace recorder: a thread-safe list of spans, written as Chrome trace JSON ("X" complete
 * events, ts / dur in microseconds, one tid per track named by thread_name metadata). Strings
 * are copied (truncated) into fixed fields so recording never allocates per string. */
#include "halo_core.h"

#ifndef HALO_FREESTANDING
#include <stdio.h>
#include <stdlib.h>
#endif

#ifndef HALO_TRACE_STATIC_EVENTS
#define HALO_TRACE_STATIC_EVENTS 4096 /* freestanding: fixed capacity, no heap growth */
#endif
#define MAX_TRACKS 256
#define TRACK_BYTES 48

typedef struct event_t {
    char category[16];
    char name[64];
    uint32_t tid; /* 1 + index into tracks */
    uint64_t bytes, start_ns, end_ns;
} event_t;

static halo_mutex_t lock = HALO_MUTEX_INITIALIZER;
static bool enabled;
static size_t count;
static char tracks[MAX_TRACKS][TRACK_BYTES]; /* in order of first appearance */
static size_t num_tracks;
#ifdef HALO_FREESTANDING
static event_t static_events[HALO_TRACE_STATIC_EVENTS];
static event_t *events = static_events;
static size_t capacity = HALO_TRACE_STATIC_EVENTS;
#else
static event_t *events;
static size_t capacity;
#endif

static void copy_field(char *dst, size_t size, const char *src) {
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++) dst[i] = src[i];
    dst[i] = '\0';
}

/* Compares like strncmp(a, b, TRACK_BYTES - 1) == 0, since stored names are truncated. */
static bool same_track(const char *stored, const char *name) {
    size_t i = 0;
    for (; i + 1 < TRACK_BYTES && stored[i] && stored[i] == name[i]; i++) continue;
    return i + 1 == TRACK_BYTES || stored[i] == name[i];
}

/* The tid of `track`, registering it on first use; 0 when the table is full. Lock held. */
static uint32_t track_tid(const char *track) {
    for (size_t i = 0; i < num_tracks; i++)
        if (same_track(tracks[i], track)) return (uint32_t)i + 1;
    if (num_tracks == MAX_TRACKS) return 0;
    copy_field(tracks[num_tracks], TRACK_BYTES, track);
    return (uint32_t)++num_tracks;
}

/* Makes room for one more event; lock held. */
static bool reserve(void) {
    if (count < capacity) return true;
#ifdef HALO_FREESTANDING
    return false;
#else
    size_t grown = capacity ? capacity * 2 : 1024;
    event_t *p = realloc(events, grown * sizeof *p);
    if (!p) return false;
    events = p;
    capacity = grown;
    return true;
#endif
}

void halo_trace_enable(bool on) {
    halo_mutex_lock(&lock);
    enabled = on;
    halo_mutex_unlock(&lock);
}

bool halo_trace_enabled(void) {
    halo_mutex_lock(&lock);
    bool on = enabled;
    halo_mutex_unlock(&lock);
    return on;
}

int halo_trace_record(const char *category, const char *name, const char *track, uint64_t bytes,
                      uint64_t start_ns, uint64_t end_ns) {
    if (!category || !name || !track)
        return halo_error(NULL, halo_error_bad_argument,
                          "halo_trace_record: null category, name or track");
    if (end_ns < start_ns)
        return halo_error(NULL, halo_error_bad_argument,
                          "halo_trace_record: span '%s' ends (%llu ns) before it starts (%llu ns)",
                          name, (unsigned long long)end_ns, (unsigned long long)start_ns);
    halo_mutex_lock(&lock);
    if (!enabled) {
        halo_mutex_unlock(&lock);
        return 0;
    }
    uint32_t tid = track_tid(track);
    if (!tid || !reserve()) {
        size_t n = count;
        halo_mutex_unlock(&lock);
        return tid ? halo_error(NULL, halo_error_trace,
                                "halo_trace_record: no room for event %zu", n)
                   : halo_error(NULL, halo_error_trace,
                                "halo_trace_record: more than %d tracks (new track '%s')",
                                MAX_TRACKS, track);
    }
    event_t *e = &events[count++];
    copy_field(e->category, sizeof e->category, category);
    copy_field(e->name, sizeof e->name, name);
    e->tid = tid;
    e->bytes = bytes;
    e->start_ns = start_ns;
    e->end_ns = end_ns;
    halo_mutex_unlock(&lock);
    return 0;
}

size_t halo_trace_count(void) {
    halo_mutex_lock(&lock);
    size_t n = count;
    halo_mutex_unlock(&lock);
    return n;
}

void halo_trace_clear(void) {
    halo_mutex_lock(&lock);
    count = 0;
    num_tracks = 0;
    halo_mutex_unlock(&lock);
}

/* ---- JSON ------------------------------------------------------------------------------ */

typedef struct json_t {
    char *buf;
    size_t size, len; /* len counts what did not fit too */
} json_t;

static void emit(json_t *j, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = j->len < j->size ? j->size - j->len : 0;
    j->len += (size_t)halo_vsnprintf(room ? j->buf + j->len : NULL, room, fmt, ap);
    va_end(ap);
}

static void emit_string(json_t *j, const char *s) {
    emit(j, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') emit(j, "\\%c", c);
        else if (c < 0x20) emit(j, "\\u%04x", c);
        else emit(j, "%c", c);
    }
    emit(j, "\"");
}

static void emit_us(json_t *j, uint64_t ns) {
    emit(j, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

/* Lock held. */
static size_t format_json(char *buf, size_t size) {
    json_t j = {buf, size, 0};
    emit(&j, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
    emit(&j, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
             "\"args\":{\"name\":\"halo\"}}");
    for (size_t t = 0; t < num_tracks; t++) {
        emit(&j, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%zu,"
                 "\"args\":{\"name\":",
             t + 1);
        emit_string(&j, tracks[t]);
        emit(&j, "}}");
    }
    for (size_t i = 0; i < count; i++) {
        const event_t *e = &events[i];
        emit(&j, ",\n{\"name\":");
        emit_string(&j, e->name);
        emit(&j, ",\"cat\":");
        emit_string(&j, e->category);
        emit(&j, ",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":", (unsigned)e->tid);
        emit_us(&j, e->start_ns);
        emit(&j, ",\"dur\":");
        emit_us(&j, e->end_ns - e->start_ns);
        emit(&j, ",\"args\":{\"bytes\":%llu}}", (unsigned long long)e->bytes);
    }
    emit(&j, "\n]}\n");
    if (size > 0) buf[j.len < size ? j.len : size - 1] = '\0';
    return j.len;
}

size_t halo_trace_format_json(char *buf, size_t size) {
    halo_mutex_lock(&lock);
    size_t n = format_json(buf, size);
    halo_mutex_unlock(&lock);
    return n;
}

#ifdef HALO_FREESTANDING

int halo_trace_write_json(const char *path) {
    return halo_error(NULL, halo_error_trace,
                      "halo_trace_write_json(%s): the freestanding build has no file system; use "
                      "halo_trace_format_json",
                      path);
}

#else

int halo_trace_write_json(const char *path) {
    if (!path) return halo_error(NULL, halo_error_bad_argument, "halo_trace_write_json: null path");
    halo_mutex_lock(&lock);
    size_t n = format_json(NULL, 0);
    char *text = malloc(n + 1);
    if (text) format_json(text, n + 1);
    halo_mutex_unlock(&lock);
    if (!text)
        return halo_error(NULL, halo_error_out_of_memory,
                          "halo_trace_write_json: cannot allocate %zu bytes", n + 1);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(text, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = false;
    free(text);
    if (!ok)
        return halo_error(NULL, halo_error_trace, "halo_trace_write_json: cannot write %s", path);
    return 0;
}

#endif
