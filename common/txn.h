/* txn.h: one database transaction and what its modules keep for it.
 *
 * A handler of the link consumer (link.h) works inside a transaction it does
 * not open or close; modules it calls keep state for that transaction instead
 * of writing or reading a statement at a time:
 *
 *   kept rows     written with one statement for many messages (pg_rows.h):
 *                 the outbox, rules' decisions and events, subsidy's awards,
 *                 notify's notifications;
 *   read-ahead    what the handlers will look up, read with one statement
 *                 before the first of them (rules' registry rows, subsidy's
 *                 decisions already settled and claims of limits).
 *
 * Each such module is a participant: an object the service owns (made once,
 * reused by every transaction, so a transaction allocates nothing once the
 * largest was seen) joined to the txn with a small table of operations. The
 * txn's owner calls them at fixed points, which is the whole contract:
 *
 *   BEGIN
 *     handler(t, message) ...        participants keep rows, read ahead
 *     [careful mode, per message:    txn_flush() after the handler, under the
 *                                    message's savepoint; txn_discard(t, 0)
 *                                    when that savepoint is rolled back]
 *   txn_flush()                      every participant writes what it keeps
 *   COMMIT  (or ROLLBACK after txn_discard(t, 1))
 *   txn_end()                        every participant forgets the transaction
 *
 * A statement that reads a table a participant keeps rows for asks for them
 * first, by name: txn_flush_part(t, &award_rows_part) before a read of
 * subsidy.awards. Nothing looks inside SQL text.
 *
 * A txn with no participant joined is a plain transaction on its connection:
 * modules then write at once and read nothing ahead (txn_part() is NULL). That
 * is what timers, replay and the HTTP routes use (txn_init on the stack).
 * Everything runs on the connection's one thread. */
#ifndef JIUYE_TXN_H
#define JIUYE_TXN_H

#include <libpq-fe.h>
#include <stddef.h>

#include "envelope.pb-c.h"

#define TXN_MAX_PARTS 8

typedef struct txn txn_t;

/* A participant's operations; self is the object given to txn_join(). Any
 * may be NULL (nothing to do at that point). */
typedef struct txn_part {
    const char *name; /* for logs */
    /* Write what is kept, inside the open transaction. 0, or -1 (logged): the
     * transaction (careful mode: the message) is to be rolled back. */
    int (*flush)(void *self, txn_t *t);
    /* Drop what is kept: the whole transaction (whole = 1) or, in careful
     * mode, the message whose savepoint is rolled back (whole = 0; what
     * earlier messages flushed stays). Read-ahead that such a rollback may
     * have made wrong is dropped too. */
    void (*discard)(void *self, txn_t *t, int whole);
    /* After COMMIT or ROLLBACK: forget the transaction (read-ahead sets). */
    void (*end)(void *self, txn_t *t);
} txn_part_t;

/* Fields are the txn module's; use the functions. Public so that a caller
 * can keep one in its own struct or on the stack (no allocation). */
struct txn {
    PGconn *pg;
    int careful;                  /* the consumer's careful mode: a savepoint per message */
    const Jiuye__Envelope *msg;   /* the message whose handler runs, or NULL */
    size_t n_parts;
    struct {
        const txn_part_t *ops;
        void *self;
    } parts[TXN_MAX_PARTS];
};

/* A txn on pg with no participant, not careful, no message. */
void txn_init(txn_t *t, PGconn *pg);
/* Join self as a participant (once, when the service starts; at most
 * TXN_MAX_PARTS). Participants flush in the order they joined. */
void txn_join(txn_t *t, const txn_part_t *ops, void *self);

/* t's connection; 1 when t runs in careful mode (a savepoint per message),
 * else 0; the message whose handler runs (NULL outside a handler). Borrowed
 * from t. */
static inline PGconn *txn_pg(const txn_t *t) { return t->pg; }
static inline int txn_careful(const txn_t *t) { return t->careful; }
static inline const Jiuye__Envelope *txn_message(const txn_t *t) { return t->msg; }

/* The object joined with ops, or NULL when none is (a plain transaction). */
void *txn_part(const txn_t *t, const txn_part_t *ops);

/* Flush every participant, in order; stops at the first failure. 0 or -1. */
int txn_flush(txn_t *t) __attribute__((warn_unused_result));
/* Flush the one participant joined with ops (0 when none is), for a
 * statement that must see its kept rows. 0 or -1. */
int txn_flush_part(txn_t *t, const txn_part_t *ops) __attribute__((warn_unused_result));
/* Call every participant's discard (whole: 1 for the transaction, 0 for the
 * careful mode's message rolled back to its savepoint), and every
 * participant's end (after COMMIT or ROLLBACK; no message then), in the
 * order drawn above. */
void txn_discard(txn_t *t, int whole);
void txn_end(txn_t *t);

/* A whole transaction outside the consumer: BEGIN; COMMIT after txn_flush();
 * ROLLBACK after txn_discard(t, 1). Both of the last run txn_end(). 0 or -1;
 * a txn_commit() that fails has rolled back (txn_rollback()) already. */
int txn_begin(txn_t *t) __attribute__((warn_unused_result));
int txn_commit(txn_t *t) __attribute__((warn_unused_result));
void txn_rollback(txn_t *t);

#endif
