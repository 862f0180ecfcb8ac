/* store_thread.c: accepted batches stored on a thread of their own (see store_thread.h). */
#include "store_thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "pg.h"

typedef struct {
    store_job_t *head, *tail;
} job_list_t;

static void list_add(job_list_t *l, store_job_t *job) {
    job->next = NULL;
    if (l->tail)
        l->tail->next = job;
    else
        l->head = job;
    l->tail = job;
}

static store_job_t *list_take_all(job_list_t *l) {
    store_job_t *all = l->head;
    l->head = l->tail = NULL;
    return all;
}

struct store_thread {
    pthread_t thread;
    pthread_mutex_t lock; /* guards to_store, stored and stopping */
    pthread_cond_t wake;
    job_list_t to_store, stored;
    int stopping;
    PGconn *pg;           /* the store thread's alone */
    ingest_t *ingest;     /* its transaction on pg */
    int wake_fd;          /* eventfd: the store thread tells the loop a batch is back */
    struct event *wake_ev;
    size_t pending;       /* loop thread only: pushed and not yet given back */
};

/* Batches stored in one transaction at most: what queued while the one before was stored,
 * up to INGEST_MAX_EVENTS events in all. */
#define STORE_MAX_BATCHES 64

static void *store_main(void *arg) {
    store_thread_t *t = arg;
    store_job_t *jobs[STORE_MAX_BATCHES];
    ingest_batch_t batches[STORE_MAX_BATCHES];
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (!t->to_store.head && !t->stopping) pthread_cond_wait(&t->wake, &t->lock);
        if (t->stopping) break; /* what is still queued goes back unstored (store_thread_stop) */
        /* One commit (one WAL flush) for every batch that waited: group commit. */
        size_t n = 0, events = 0;
        while (t->to_store.head && n < STORE_MAX_BATCHES &&
               (n == 0 || events + t->to_store.head->n <= INGEST_MAX_EVENTS)) {
            store_job_t *job = t->to_store.head;
            t->to_store.head = job->next;
            batches[n] = (ingest_batch_t){job->source, job->items, job->n};
            jobs[n++] = job;
            events += job->n;
        }
        if (!t->to_store.head) t->to_store.tail = NULL;
        pthread_mutex_unlock(&t->lock);

        int rc = ingest_store_batches(t->ingest, batches, n);
        /* A connection that died since the last transaction (PostgreSQL restarted: nothing asks
         * this one in between) is reset and the batches tried once more. Safe even if the
         * COMMIT had reached the server: the second try then answers `duplicate`. */
        if (rc != 0 && PQstatus(t->pg) == CONNECTION_BAD && pg_alive(t->pg))
            rc = ingest_store_batches(t->ingest, batches, n);
        else if (rc != 0)
            pg_alive(t->pg);

        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < n; i++) {
            jobs[i]->rc = rc;
            list_add(&t->stored, jobs[i]);
        }
        uint64_t one = 1;
        if (write(t->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
            log_error("intake store thread: cannot wake the loop: %s", strerror(errno));
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* Hand every stored batch back, in the order stored. */
static void give_back(store_thread_t *t, store_job_t *jobs) {
    while (jobs) {
        store_job_t *next = jobs->next;
        t->pending--;
        jobs->done(jobs);
        jobs = next;
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    store_thread_t *t = arg;
    uint64_t count;
    if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
        log_error("intake store thread: reading its eventfd failed: %s", strerror(errno));
    pthread_mutex_lock(&t->lock);
    store_job_t *jobs = list_take_all(&t->stored);
    pthread_mutex_unlock(&t->lock);
    give_back(t, jobs);
}

store_thread_t *store_thread_start(struct event_base *base, PGconn *pg) {
    store_thread_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (t->wake_fd < 0) {
        log_error("intake store thread: eventfd: %s", strerror(errno));
        free(t);
        return NULL;
    }
    t->wake_ev = event_new(base, t->wake_fd, EV_READ | EV_PERSIST, on_wake, t);
    if (!t->wake_ev || event_add(t->wake_ev, NULL) != 0) goto fail;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    t->pg = pg;
    t->ingest = ingest_new(pg);
    /* Signals are the loop's (libevent's SIGTERM/SIGINT events): none for this thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, store_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_error("intake store thread: cannot start: %s", strerror(rc));
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        ingest_destroy(&t->ingest);
        goto fail;
    }
    return t;
fail:
    if (t->wake_ev) event_free(t->wake_ev);
    close(t->wake_fd);
    free(t);
    return NULL;
}

void store_thread_push(store_thread_t *t, store_job_t *job, const char *source, ingest_item_t *items, size_t n,
                       void (*done)(store_job_t *job)) {
    snprintf(job->source, sizeof job->source, "%s", source);
    job->items = items;
    job->n = n;
    job->done = done;
    job->rc = -1;
    t->pending++;
    pthread_mutex_lock(&t->lock);
    list_add(&t->to_store, job);
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
}

size_t store_thread_pending(const store_thread_t *t) { return t ? t->pending : 0; }

void store_thread_stop(store_thread_t **tp) {
    store_thread_t *t = *tp;
    if (!t) return;
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    /* The thread is gone: the lists are ours. Stored ones first, in order, then the rest (rc -1). */
    give_back(t, list_take_all(&t->stored));
    give_back(t, list_take_all(&t->to_store));
    event_free(t->wake_ev);
    close(t->wake_fd);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    ingest_destroy(&t->ingest);
    pg_finish(t->pg);
    free(t);
    *tp = NULL;
}
