/* award.c: award builder and storage (see award.h). */
#include "award.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award_rows.h"
#include "budget.h"
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

int award_store(txn_t *t, Jiuye__Award *a, const char *limit_key, int slot) {
    char reason[1024];
    int wait = budget_judge(t, a, reason, sizeof reason);
    if (wait < 0) return -1;
    if (wait) award_set(a, "waiting_budget", a->amount_fen, "%s", reason);
    json_t *j = award_to_json(a);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!body) return -1;
    char year[16], amount[32], slot_text[16];
    snprintf(year, sizeof year, "%d", a->year);
    snprintf(amount, sizeof amount, "%lld", (long long)a->amount_fen);
    snprintf(slot_text, sizeof slot_text, "%d", slot);
    const char *row[AWARD_ROW_COLS] = {
        [AWARD_ROW_ID] = a->award_id, [AWARD_ROW_DECISION] = a->decision_id, [AWARD_ROW_PROGRAM] = a->program,
        [AWARD_ROW_RULE] = a->rule, [AWARD_ROW_BENEFICIARY] = a->beneficiary, [AWARD_ROW_DISTRICT] = a->district,
        [AWARD_ROW_YEAR] = year, [AWARD_ROW_AMOUNT] = amount, [AWARD_ROW_STATUS] = a->status,
        [AWARD_ROW_SLOT] = slot ? slot_text : NULL,
        [AWARD_ROW_REVERSES] = *a->reverses_award_id ? a->reverses_award_id : NULL, [AWARD_ROW_BODY] = body,
        [AWARD_ROW_LIMIT_KEY] = limit_key,
        [AWARD_ROW_REPLACES] = *a->replaces_award_id ? a->replaces_award_id : NULL};
    int rc = award_rows_add(t, row);
    free(body);
    return rc;
}

void award_list_add(award_list_t *l, Jiuye__Award *a) {
    l->items = xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = a;
}

int award_store_into(txn_t *t, Jiuye__Award *a, const char *limit_key, int slot, award_list_t *out, const char *what,
                     char *err, size_t errlen) {
    if (award_store(t, a, limit_key, slot) != 0) {
        snprintf(err, errlen, "storing %s of %s failed", what, a->decision_id);
        award_free(a);
        return -1;
    }
    award_list_add(out, a);
    return 0;
}

void award_list_clear(award_list_t *l) {
    for (size_t i = 0; i < l->n; i++) award_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
    for (size_t i = 0; i < l->n_moved; i++) jiuye__decision__free_unpacked(l->moved[i], NULL);
    free(l->moved);
    l->moved = NULL;
    l->n_moved = 0;
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
