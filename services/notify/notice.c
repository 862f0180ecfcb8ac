/* notice.c: notification texts and storage (see notice.h). */
#include "notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "ident.h"
#include "money.h"
#include "pg.h"
#include "pg_rows.h"
#include "subscriptions.h"

/* Per rule: the name staff know the program by. Rules absent here use their id. */
static const struct {
    const char *rule, *title;
} rule_titles[] = {
    {"R01", "培训补贴"}, {"R02", "盲人按摩培训"}, {"R03", "盲人学费补贴"}, {"R04", "公益性岗位补贴"},
    {"R05", "求职创业补贴"}, {"R06", "就业见习补贴"}, {"R07", "一次性创业补贴"}, {"R08", "职业介绍补贴"},
    {"R09", "按比例安排就业"}, {"R10", "机关事业单位安排就业"}, {"R11", "国企招聘计划"},
    {"R12", "公益性岗位比例"}, {"R13", "就业困难人员帮扶"}, {"R14", "低保收入核减"},
    {"R15", "“四个一”服务"}, {"R16", "毕业生就业服务"}, {"R17", "人岗适配"},
};

static const char *outcome_labels[][2] = {
    {"eligible", "符合条件"}, {"ineligible", "不符合条件"}, {"action_required", "需要处理"},
    {"not_in_force", "不在方案有效期"}, {"info", "提示"}, {"pending", "待定"},
};

static const char *rule_title(const char *rule) {
    for (size_t i = 0; i < sizeof rule_titles / sizeof *rule_titles; i++)
        if (strcmp(rule_titles[i].rule, rule) == 0) return rule_titles[i].title;
    return rule;
}

static const char *outcome_label(const char *outcome) {
    for (size_t i = 0; i < sizeof outcome_labels / sizeof *outcome_labels; i++)
        if (strcmp(outcome_labels[i][0], outcome) == 0) return outcome_labels[i][1];
    return outcome;
}

static void audience_text(const Jiuye__Decision *d, char *out, size_t len) {
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d->n_audience && at < len; i++) {
        const char *label = audience_label(d->audience[i]);
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? "、" : "", label ? label : d->audience[i]);
    }
}

/* A subject shown outside the suite: a cert_no is masked, a credit code is not personal. */
static void subject_text(const char *subject, char *out, size_t len) {
    if (strlen(subject) == CERT_NO_LEN)
        mask_cert_no(subject, out, len);
    else
        snprintf(out, len, "%s", subject);
}

enum { N_REF, N_KIND, N_RULE, N_DISTRICT, N_AUDIENCE, N_EVENT, N_SOURCE, N_TITLE, N_BODY, N_AMOUNT, N_CLAUSE, N_COLS };

struct notices {
    pg_rows_t kept;
    long stored; /* by flushes since notices_take_stored() */
};

notices_t *notices_new(void) {
    notices_t *n = calloc(1, sizeof *n);
    if (!n) abort(); /* out of memory at start: let the supervisor restart us */
    pg_rows_init(&n->kept, N_COLS, NULL);
    return n;
}

void notices_destroy(notices_t **np) {
    notices_t *n = *np;
    if (!n) return;
    pg_rows_free(&n->kept);
    free(n);
    *np = NULL;
}

long notices_take_stored(notices_t *n) {
    long stored = n->stored;
    n->stored = 0;
    return stored;
}

static void keep(pg_rows_t *rows, const char *ref_id, const char *kind, const Jiuye__Decision *d, const char *title,
                 const char *body, const int64_t *amount) {
    char *aud = pg_text_array((const char *const *)d->audience, (int)d->n_audience);
    if (!aud) abort();
    char amount_text[32];
    if (amount) snprintf(amount_text, sizeof amount_text, "%lld", (long long)*amount);
    const char *row[N_COLS] = {ref_id, kind, d->rule, d->district, aud, d->event_id, d->source, title, body,
                               amount ? amount_text : NULL, d->clause};
    pg_rows_add(rows, row, NULL);
    free(aud);
}

/* Store the rows; the number stored, or -1. */
static long store(PGconn *pg, pg_rows_t *rows) {
    if (pg_rows_count(rows) == 0) return 0;
    /* One statement for every notification of the transaction and its deliveries.
     * Only a notification stored now gets deliveries: a redelivered one finds its
     * ref_id taken and adds nothing (one notification per decision or award and
     * subscription); a ref_id twice in the batch is stored once. */
    PGresult *r = pg_rows_exec(
        pg, rows,
        "WITH n AS (INSERT INTO notify.notifications (ref_id, kind, rule, district, audience, event_id, source, "
        "title, body, amount_fen, clause) "
        "SELECT ref_id, kind, rule, district, audience::text[], event_id, source, title, body, amount_fen::bigint, "
        "clause FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
        "$8::text[], $9::text[], $10::text[], $11::text[]) "
        "AS u(ref_id, kind, rule, district, audience, event_id, source, title, body, amount_fen, clause) "
        "ON CONFLICT (ref_id) DO NOTHING RETURNING notification_id, district, audience, rule), "
        "d AS (" SUBSCRIPTIONS_FAN_OUT("n") ") "
        "SELECT count(*) FROM n");
    if (!r) return -1;
    long stored = strtol(PQgetvalue(r, 0, 0), NULL, 10); /* server-produced integer */
    PQclear(r);
    return stored;
}

static int flush(void *self, txn_t *t) {
    notices_t *n = self;
    long stored = store(txn_pg(t), &n->kept);
    if (stored < 0) return -1;
    n->stored += stored;
    return 0;
}

static void discard(void *self, txn_t *t, int whole) {
    (void)t;
    notices_t *n = self;
    pg_rows_clear(&n->kept);
    if (whole) n->stored = 0; /* what this transaction stored is gone */
}

const txn_part_t notices_part = {.name = "notices", .flush = flush, .discard = discard, .end = NULL};

static const Jiuye__Decision *decision_of(const Jiuye__Settled *s, const char *decision_id) {
    for (size_t i = 0; i < s->n_decisions; i++)
        if (strcmp(s->decisions[i]->decision_id, decision_id) == 0) return s->decisions[i];
    return NULL;
}

long notice_keep_settled(txn_t *t, const Jiuye__Settled *s) {
    notices_t *n = txn_part(t, &notices_part);
    pg_rows_t alone, *rows = n ? &n->kept : &alone;
    if (!n) pg_rows_init(&alone, N_COLS, NULL);
    long kept_now = 0;
    char title[256], body[2048], who[64], aud[128], yuan[32];
    for (size_t i = 0; i < s->n_awards; i++) {
        const Jiuye__Award *a = s->awards[i];
        const Jiuye__Decision *d = decision_of(s, a->decision_id);
        if (!d) continue;
        const char *district = district_name(d->district);
        subject_text(a->beneficiary, who, sizeof who);
        audience_text(d, aud, sizeof aud);
        money_format_yuan(a->amount_fen, yuan, sizeof yuan);
        int granted = strcmp(a->status, "granted") == 0, waiting = strcmp(a->status, "waiting_budget") == 0;
        if (granted)
            snprintf(title, sizeof title, "%s %s 元：%s", rule_title(d->rule), yuan, who);
        else if (waiting) /* owed, not refused: the money waits for the budget (subsidy's budget.h) */
            snprintf(title, sizeof title, "%s %s 元等待预算：%s", rule_title(d->rule), yuan, who);
        else
            snprintf(title, sizeof title, "%s不予发放：%s", rule_title(d->rule), who);
        size_t at = (size_t)snprintf(body, sizeof body, "%s：%s（%s）。%s。依据方案%s，%s。", district ? district : d->district,
                                     rule_title(d->rule), d->occurred_on, d->reason, d->clause, a->reason);
        for (size_t k = 0; k < a->n_breakdown && at < sizeof body; k++)
            at += (size_t)snprintf(body + at, sizeof body - at, " [%s: %s → %lld 分]", a->breakdown[k]->label,
                                   a->breakdown[k]->factor, (long long)a->breakdown[k]->amount_fen);
        if (at < sizeof body)
            snprintf(body + at, sizeof body - at, " 请%s%s。事件 %s/%s。", aud,
                     granted ? "按规定办理发放" : waiting ? "知悉：等待预算，预算到位后按规定发放" : "知悉",
                     d->source, d->event_id);
        keep(rows, a->award_id, "award", d, title, body, &a->amount_fen);
        kept_now++;
    }
    for (size_t i = 0; i < s->n_decisions; i++) {
        const Jiuye__Decision *d = s->decisions[i];
        int has_award = 0;
        for (size_t k = 0; k < s->n_awards; k++) has_award |= strcmp(s->awards[k]->decision_id, d->decision_id) == 0;
        if (has_award) continue;
        const char *district = district_name(d->district);
        subject_text(d->subject, who, sizeof who);
        audience_text(d, aud, sizeof aud);
        snprintf(title, sizeof title, "%s：%s（%s）", rule_title(d->rule), outcome_label(d->outcome), who);
        snprintf(body, sizeof body, "%s：%s（%s）。%s（方案%s）。请%s知悉。事件 %s/%s。", district ? district : d->district,
                 rule_title(d->rule), d->occurred_on, d->reason, d->clause, aud, d->source, d->event_id);
        keep(rows, d->decision_id, "decision", d, title, body, NULL);
        kept_now++;
    }
    if (n) return kept_now;
    long stored = store(txn_pg(t), &alone);
    pg_rows_free(&alone);
    return stored;
}
