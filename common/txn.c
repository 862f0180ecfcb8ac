/* txn.c: a transaction and its participants (see txn.h). */
#include "txn.h"

#include <assert.h>
#include <string.h>

#include "pg.h"

void txn_init(txn_t *t, PGconn *pg) {
    memset(t, 0, sizeof *t);
    t->pg = pg;
}

void txn_join(txn_t *t, const txn_part_t *ops, void *self) {
    assert(t->n_parts < TXN_MAX_PARTS && !txn_part(t, ops));
    t->parts[t->n_parts].ops = ops;
    t->parts[t->n_parts++].self = self;
}

void *txn_part(const txn_t *t, const txn_part_t *ops) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].ops == ops) return t->parts[i].self;
    return NULL;
}

int txn_flush(txn_t *t) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].ops->flush && t->parts[i].ops->flush(t->parts[i].self, t) != 0) return -1;
    return 0;
}

int txn_flush_part(txn_t *t, const txn_part_t *ops) {
    void *self = txn_part(t, ops);
    return self && ops->flush ? ops->flush(self, t) : 0;
}

void txn_discard(txn_t *t, int whole) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].ops->discard) t->parts[i].ops->discard(t->parts[i].self, t, whole);
}

void txn_end(txn_t *t) {
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].ops->end) t->parts[i].ops->end(t->parts[i].self, t);
    t->msg = NULL;
}

int txn_begin(txn_t *t) { return pg_begin(t->pg); }

int txn_commit(txn_t *t) {
    int rc = txn_flush(t) == 0 && pg_commit(t->pg) == 0 ? 0 : -1;
    if (rc != 0) {
        txn_rollback(t);
        return -1;
    }
    txn_end(t);
    return 0;
}

void txn_rollback(txn_t *t) {
    txn_discard(t, 1);
    pg_rollback(t->pg);
    txn_end(t);
}
