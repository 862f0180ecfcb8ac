/* decision.c: decision builder and storage (see decision.h). */
#include "decision.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "pg.h"
#include "pg_rows.h"
#include "xalloc.h"

Jiuye__Decision *decision_new(const Jiuye__Event *ev, const char *key, const char *rule, const char *rule_name,
                              const char *clause, const char *const *audience, const char *subject) {
    Jiuye__Decision *d = xrealloc(NULL, sizeof *d);
    jiuye__decision__init(d);
    char id[400];
    snprintf(id, sizeof id, "%s/%s/%s", ev->source, ev->event_id, key);
    d->decision_id = xstrdup(id);
    d->event_id = xstrdup(ev->event_id);
    d->source = xstrdup(ev->source);
    d->event_type = xstrdup(ev->type);
    d->rule = xstrdup(rule);
    d->rule_name = xstrdup(rule_name);
    d->outcome = xstrdup("info");
    d->clause = xstrdup(clause);
    d->plan_id = xstrdup("");
    d->plan_sha256 = xstrdup("");
    d->reason = xstrdup("");
    d->district = xstrdup(ev->district);
    d->subject = xstrdup(subject);
    d->occurred_on = xstrdup(ev->occurred_on);
    d->corrects_decision_id = xstrdup("");
    char today[DATE_STRLEN];
    d->decided_on = xstrdup(date_format(date_today(), today));
    d->beneficiary = xstrdup("");
    d->beneficiary_kind = xstrdup("");
    for (size_t i = 0; audience && audience[i]; i++) {
        d->audience = xrealloc(d->audience, (d->n_audience + 1) * sizeof *d->audience);
        d->audience[d->n_audience++] = xstrdup(audience[i]);
    }
    return d;
}

void decision_set_id(Jiuye__Decision *d, const char *decision_id) {
    free(d->decision_id);
    d->decision_id = xstrdup(decision_id);
}

void decision_correct(Jiuye__Decision *d, const char *corrected_id) {
    free(d->corrects_decision_id);
    d->corrects_decision_id = xstrdup(corrected_id);
}

void decision_free(Jiuye__Decision *d) {
    if (d) jiuye__decision__free_unpacked(d, NULL);
}

/* vsnprintf into out, cut where it must be at a character boundary: a value
 * cut inside a UTF-8 sequence (a long name) would make the body invalid. */
static void format_whole_chars(char *out, size_t size, const char *fmt, va_list ap) {
    int n = vsnprintf(out, size, fmt, ap);
    if (n >= 0 && (size_t)n >= size) out[json_text_utf8_prefix(out, size - 1)] = '\0';
}

void decision_fact(Jiuye__Decision *d, const char *name, const char *fmt, ...) {
    char value[256];
    va_list ap;
    va_start(ap, fmt);
    format_whole_chars(value, sizeof value, fmt, ap);
    va_end(ap);
    Jiuye__Fact *f = xrealloc(NULL, sizeof *f);
    jiuye__fact__init(f);
    f->name = xstrdup(name);
    f->value = xstrdup(value);
    d->facts = xrealloc(d->facts, (d->n_facts + 1) * sizeof *d->facts);
    d->facts[d->n_facts++] = f;
}

void decision_param(Jiuye__Decision *d, const char *name, const policy_value_t *v) {
    char value[32], from[DATE_STRLEN];
    snprintf(value, sizeof value, "%lld", (long long)v->value);
    Jiuye__ParameterValue *p = xrealloc(NULL, sizeof *p);
    jiuye__parameter_value__init(p);
    p->name = xstrdup(name);
    p->value = xstrdup(value);
    p->effective_from = xstrdup(date_format(v->effective_from, from));
    p->source = xstrdup(v->source);
    d->parameters = xrealloc(d->parameters, (d->n_parameters + 1) * sizeof *d->parameters);
    d->parameters[d->n_parameters++] = p;
}

void decision_plan(Jiuye__Decision *d, const policy_plan_t *plan) {
    free(d->plan_id);
    free(d->plan_sha256);
    d->plan_id = xstrdup(policy_plan_id(plan));
    d->plan_sha256 = xstrdup(policy_plan_sha256(plan));
}

void decision_set(Jiuye__Decision *d, const char *outcome, const char *reason_fmt, ...) {
    char reason[512];
    va_list ap;
    va_start(ap, reason_fmt);
    format_whole_chars(reason, sizeof reason, reason_fmt, ap);
    va_end(ap);
    free(d->outcome);
    free(d->reason);
    d->outcome = xstrdup(outcome);
    d->reason = xstrdup(reason);
}

void decision_beneficiary(Jiuye__Decision *d, const char *beneficiary, const char *kind) {
    free(d->beneficiary);
    free(d->beneficiary_kind);
    d->beneficiary = xstrdup(beneficiary);
    d->beneficiary_kind = xstrdup(kind);
}

static json_t *decision_to_json_base(const Jiuye__Decision *d);

json_t *decision_to_json(const Jiuye__Decision *d) {
    json_t *j = decision_to_json_base(d);
    if (j && *d->corrects_decision_id) json_object_set_new(j, "corrects_decision_id", json_string(d->corrects_decision_id));
    return j;
}

static json_t *decision_to_json_base(const Jiuye__Decision *d) {
    json_t *facts = json_object(), *params = json_array(), *aud = json_array();
    for (size_t i = 0; i < d->n_facts; i++) json_object_set_new(facts, d->facts[i]->name, json_string(d->facts[i]->value));
    for (size_t i = 0; i < d->n_parameters; i++) {
        Jiuye__ParameterValue *p = d->parameters[i];
        json_array_append_new(params, json_pack("{s:s,s:s,s:s,s:s}", "name", p->name, "value", p->value,
                                                "effective_from", p->effective_from, "source", p->source));
    }
    for (size_t i = 0; i < d->n_audience; i++) json_array_append_new(aud, json_string(d->audience[i]));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s}",
                     "decision_id", d->decision_id, "event_id", d->event_id, "source", d->source, "event_type",
                     d->event_type, "rule", d->rule, "rule_name", d->rule_name, "outcome", d->outcome, "clause",
                     d->clause, "facts", facts, "parameters", params, "plan_id", d->plan_id, "plan_sha256",
                     d->plan_sha256, "reason", d->reason, "district", d->district, "subject", d->subject,
                     "occurred_on", d->occurred_on, "audience", aud, "decided_on", d->decided_on, "beneficiary",
                     d->beneficiary, "beneficiary_kind", d->beneficiary_kind);
}

#define DECISION_INSERT_COLUMNS "decision_id, source, event_id, rule, outcome, subject, district, occurred_on, body"

/* The body of d's row, the same document as decision_to_json() (its members in
 * the same order; a fact named twice keeps its first place and its last
 * value, as json_object_set_new() does), written as text at once
 * (json_text.h): building it through jansson was rules' largest CPU cost
 * (docs/performance.md). NULL when a string is not UTF-8, as
 * json_pack() would fail. Valid until the next call. */
/* The body's string members, in decision_to_json()'s order: before the facts,
 * between the parameters and the audience, after the audience. */
typedef struct {
    const char *key;
    size_t offset; /* of the char * in Jiuye__Decision */
} body_member_t;
#define MEMBER(field) {#field, offsetof(Jiuye__Decision, field)}
static const body_member_t head_members[] = {MEMBER(decision_id), MEMBER(event_id), MEMBER(source),
                                             MEMBER(event_type),  MEMBER(rule),     MEMBER(rule_name),
                                             MEMBER(outcome),     MEMBER(clause)};
static const body_member_t middle_members[] = {MEMBER(plan_id),  MEMBER(plan_sha256), MEMBER(reason),
                                               MEMBER(district), MEMBER(subject),     MEMBER(occurred_on)};
static const body_member_t tail_members[] = {MEMBER(decided_on), MEMBER(beneficiary), MEMBER(beneficiary_kind)};
#undef MEMBER

static void put_members(json_text_t *t, const Jiuye__Decision *d, const body_member_t *m, size_t n) {
    for (size_t i = 0; i < n; i++) json_text_member(t, m[i].key, *(char *const *)((const char *)d + m[i].offset));
}

const char *decision_body(const Jiuye__Decision *d) {
    static json_text_t t = JSON_TEXT_INIT;
    json_text_reset(&t);
    json_text_open(&t, '{');
    put_members(&t, d, head_members, sizeof head_members / sizeof *head_members);
    json_text_key(&t, "facts");
    json_text_open(&t, '{');
    for (size_t i = 0; i < d->n_facts; i++) {
        const char *name = d->facts[i]->name, *value = d->facts[i]->value;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++) seen = strcmp(d->facts[k]->name, name) == 0;
        if (seen) continue;
        for (size_t k = i + 1; k < d->n_facts; k++)
            if (strcmp(d->facts[k]->name, name) == 0) value = d->facts[k]->value;
        json_text_member(&t, name, value);
    }
    json_text_close(&t, '}');
    json_text_key(&t, "parameters");
    json_text_open(&t, '[');
    for (size_t i = 0; i < d->n_parameters; i++) {
        const Jiuye__ParameterValue *p = d->parameters[i];
        json_text_open(&t, '{');
        json_text_member(&t, "name", p->name);
        json_text_member(&t, "value", p->value);
        json_text_member(&t, "effective_from", p->effective_from);
        json_text_member(&t, "source", p->source);
        json_text_close(&t, '}');
    }
    json_text_close(&t, ']');
    put_members(&t, d, middle_members, sizeof middle_members / sizeof *middle_members);
    json_text_key(&t, "audience");
    json_text_open(&t, '[');
    for (size_t i = 0; i < d->n_audience; i++) json_text_string(&t, d->audience[i]);
    json_text_close(&t, ']');
    put_members(&t, d, tail_members, sizeof tail_members / sizeof *tail_members);
    if (*d->corrects_decision_id) json_text_member(&t, "corrects_decision_id", d->corrects_decision_id);
    json_text_close(&t, '}');
    return json_text_done(&t);
}

/* d's row for rules.decisions (the body is decision_body()'s, valid until its
 * next call); -1 when a string is not UTF-8. */
static int decision_row(const Jiuye__Decision *d, const char *row[9]) {
    const char *body = decision_body(d);
    if (!body) return -1;
    const char *values[] = {d->decision_id, d->source, d->event_id, d->rule, d->outcome,
                            d->subject, d->district, d->occurred_on, body};
    memcpy(row, values, sizeof values);
    return 0;
}

#define INSERT_DECISIONS                                                                                  \
    "INSERT INTO rules.decisions (" DECISION_INSERT_COLUMNS ") "                                          \
    "SELECT decision_id, source, event_id, rule, outcome, subject, district, "                            \
    "occurred_on::date, body::jsonb FROM unnest($1::text[], $2::text[], $3::text[], "                     \
    "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) "                            \
    "AS u(" DECISION_INSERT_COLUMNS ")"

const txn_part_t decision_rows_part = PG_ROWS_PART("decisions");

pg_rows_kept_t *decision_rows_new(void) { return pg_rows_kept_new(INSERT_DECISIONS, 9, NULL); }

int decision_write(txn_t *t, const Jiuye__Decision *d) {
    const char *row[9];
    if (decision_row(d, row) != 0) return -1;
    return pg_rows_keep(t, &decision_rows_part, INSERT_DECISIONS, 9, NULL, row, NULL);
}
