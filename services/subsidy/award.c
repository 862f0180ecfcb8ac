/* award.c: award builder and storage (see award.h). */
#include "award.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "log.h"
#include "pg.h"
#include "pg_rows.h"
#include "xalloc.h"

Jiuye__Award *award_new(const Jiuye__Decision *d, const char *program, int year) {
    Jiuye__Award *a = xrealloc(NULL, sizeof *a);
    jiuye__award__init(a);
    char id[512];
    snprintf(id, sizeof id, "%s/%s", d->decision_id, program);
    a->award_id = xstrdup(id);
    a->decision_id = xstrdup(d->decision_id);
    a->event_id = xstrdup(d->event_id);
    a->source = xstrdup(d->source);
    a->rule = xstrdup(d->rule);
    a->program = xstrdup(program);
    a->beneficiary = xstrdup(d->beneficiary);
    a->beneficiary_kind = xstrdup(d->beneficiary_kind);
    a->status = xstrdup("refused");
    a->reason = xstrdup("");
    a->district = xstrdup(d->district);
    a->year = year;
    a->reverses_award_id = xstrdup("");
    a->clause = xstrdup(d->clause);
    a->occurred_on = xstrdup(d->occurred_on);
    a->replaces_award_id = xstrdup("");
    return a;
}

void award_free(Jiuye__Award *a) {
    if (a) jiuye__award__free_unpacked(a, NULL);
}

void award_line(Jiuye__Award *a, const char *label, const char *factor, int64_t amount_fen, const char *parameter,
                const char *effective_from) {
    Jiuye__BreakdownLine *l = xrealloc(NULL, sizeof *l);
    jiuye__breakdown_line__init(l);
    l->label = xstrdup(label);
    l->factor = xstrdup(factor);
    l->amount_fen = amount_fen;
    l->parameter = xstrdup(parameter);
    l->effective_from = xstrdup(effective_from);
    a->breakdown = xrealloc(a->breakdown, (a->n_breakdown + 1) * sizeof *a->breakdown);
    a->breakdown[a->n_breakdown++] = l;
}

void award_set(Jiuye__Award *a, const char *status, int64_t amount_fen, const char *reason_fmt, ...) {
    char reason[512];
    va_list ap;
    va_start(ap, reason_fmt);
    vsnprintf(reason, sizeof reason, reason_fmt, ap);
    va_end(ap);
    free(a->status);
    free(a->reason);
    a->status = xstrdup(status);
    a->reason = xstrdup(reason);
    a->amount_fen = amount_fen;
}

void award_reverses(Jiuye__Award *a, const char *reverses) {
    char id[600];
    snprintf(id, sizeof id, "%s/reversal", a->award_id);
    free(a->award_id);
    free(a->reverses_award_id);
    a->award_id = xstrdup(id);
    a->reverses_award_id = xstrdup(reverses);
}

json_t *award_to_json(const Jiuye__Award *a) {
    json_t *lines = json_array();
    for (size_t i = 0; i < a->n_breakdown; i++) {
        Jiuye__BreakdownLine *l = a->breakdown[i];
        json_t *line = json_pack("{s:s,s:s,s:I}", "label", l->label, "factor", l->factor, "amount_fen",
                                 (json_int_t)l->amount_fen);
        if (*l->parameter) json_object_set_new(line, "parameter", json_string(l->parameter));
        if (*l->effective_from) json_object_set_new(line, "effective_from", json_string(l->effective_from));
        json_array_append_new(lines, line);
    }
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:o,s:s,s:i,s:s,s:s}", "award_id", a->award_id,
                          "decision_id", a->decision_id, "event_id", a->event_id, "source", a->source, "rule", a->rule,
                          "program", a->program, "beneficiary", a->beneficiary, "beneficiary_kind", a->beneficiary_kind,
                          "amount_fen", (json_int_t)a->amount_fen, "status", a->status, "reason", a->reason,
                          "breakdown", lines, "district", a->district, "year", a->year, "clause", a->clause,
                          "occurred_on", a->occurred_on);
    if (j && *a->reverses_award_id) json_object_set_new(j, "reverses_award_id", json_string(a->reverses_award_id));
    if (j && *a->replaces_award_id) json_object_set_new(j, "replaces_award_id", json_string(a->replaces_award_id));
    return j;
}

/* The awards of the open transaction not inserted yet, in the order stored. */
static pg_rows_t kept = PG_ROWS_TEXT(14);

/* The barrier's flush: the INSERT names subsidy.awards, so it runs only under
 * the barrier's guard (pg_read_barrier_flush), never called directly. */
static int insert_kept(PGconn *pg, void *ctx) {
    (void)ctx;
    if (pg_rows_count(&kept) == 0) return 0;
    return pg_rows_cmd(pg, &kept,
                       "INSERT INTO subsidy.awards (award_id, decision_id, program, rule, beneficiary, district, year, "
                       "amount_fen, status, slot, reverses_award_id, body, limit_key, replaces_award_id) "
                       "SELECT award_id, decision_id, program, rule, beneficiary, district, year::int, "
                       "amount_fen::bigint, status, slot::int, reverses_award_id, body::jsonb, limit_key, "
                       "replaces_award_id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
                       "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
                       "$13::text[], $14::text[]) AS u(award_id, decision_id, program, rule, beneficiary, district, "
                       "year, amount_fen, status, slot, reverses_award_id, body, limit_key, replaces_award_id)");
}

void awards_use(PGconn *pg) { pg_read_barrier(pg, "subsidy.awards", insert_kept, NULL); }

int awards_flush(PGconn *pg) {
    if (pg_read_barrier_flush(pg) != 0) return -1;
    if (pg_rows_count(&kept) == 0) return 0;
    /* No barrier on pg: the rows would wait for a transaction they are not part of. */
    log_error("awards: %d kept with no read barrier on this connection (awards_use() not called)",
              pg_rows_count(&kept));
    pg_rows_clear(&kept);
    return -1;
}

void awards_discard(void) { pg_rows_clear(&kept); }

int award_store(PGconn *pg, Jiuye__Award *a, const char *limit_key, int slot) {
    if (budget_apply(pg, a) != 0) return -1; /* its read of the ledger flushes the kept awards first */
    json_t *j = award_to_json(a);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!body) return -1;
    char year[16], amount[32], slot_text[16];
    snprintf(year, sizeof year, "%d", a->year);
    snprintf(amount, sizeof amount, "%lld", (long long)a->amount_fen);
    snprintf(slot_text, sizeof slot_text, "%d", slot);
    const char *row[] = {a->award_id, a->decision_id, a->program, a->rule, a->beneficiary, a->district, year,
                         amount, a->status, slot ? slot_text : NULL, *a->reverses_award_id ? a->reverses_award_id : NULL,
                         body, limit_key, *a->replaces_award_id ? a->replaces_award_id : NULL};
    pg_rows_add(&kept, row, NULL);
    free(body);
    return 0;
}

const Jiuye__ParameterValue *decision_parameter(const Jiuye__Decision *d, const char *name) {
    size_t len = strlen(name);
    int prefix = len > 0 && name[len - 1] == '.';
    for (size_t i = 0; i < d->n_parameters; i++) {
        const char *n = d->parameters[i]->name;
        if (prefix ? strncmp(n, name, len) == 0 : strcmp(n, name) == 0) return d->parameters[i];
    }
    return NULL;
}

static int parse_int(const char *text, int64_t *out) {
    if (!text || !*text) return -1;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (*end) return -1;
    *out = v;
    return 0;
}

int decision_param_int(const Jiuye__Decision *d, const char *name, int64_t *out) {
    const Jiuye__ParameterValue *p = decision_parameter(d, name);
    return p ? parse_int(p->value, out) : -1;
}

const char *decision_fact_text(const Jiuye__Decision *d, const char *name) {
    for (size_t i = 0; i < d->n_facts; i++)
        if (strcmp(d->facts[i]->name, name) == 0) return d->facts[i]->value;
    return NULL;
}

int decision_fact_int(const Jiuye__Decision *d, const char *name, int64_t *out) {
    return parse_int(decision_fact_text(d, name), out);
}
