/* replay.c: deciding past events again after a policy correction (see replay.h). */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "log.h"
#include "pg.h"
#include "timers.h"

/* ------------------------------------------------------------ request */

static int parse_date_field(json_t *obj, const char *name, jdate_t *out, char *err, size_t errlen) {
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v) || date_parse(json_string_value(v), out) != 0) {
        snprintf(err, errlen, "%s: required, a real date (YYYY-MM-DD)", name);
        return -1;
    }
    return 0;
}

int replay_parse_request(const char *body, size_t len, replay_request_t *req, char *err, size_t errlen) {
    memset(req, 0, sizeof *req);
    if (len > REPLAY_MAX_BODY) {
        snprintf(err, errlen, "body: at most %d bytes", REPLAY_MAX_BODY);
        return -1;
    }
    json_error_t jerr;
    json_t *obj = json_loadb(body ? body : "", len, 0, &jerr);
    int rc = -1;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "body: a JSON object {\"from\", \"to\", \"rule\", \"dry_run\"} is required");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (strcmp(key, "from") && strcmp(key, "to") && strcmp(key, "rule") && strcmp(key, "dry_run")) {
            snprintf(err, errlen, "%.64s: unknown field (from, to, rule, dry_run)", key);
            goto out;
        }
    }
    if (parse_date_field(obj, "from", &req->from, err, errlen) != 0 ||
        parse_date_field(obj, "to", &req->to, err, errlen) != 0)
        goto out;
    if (req->to < req->from) {
        snprintf(err, errlen, "to: must not be before from");
        goto out;
    }
    v = json_object_get(obj, "rule");
    if (v && !json_is_null(v)) {
        const char *rule = json_string_value(v);
        int n = -1;
        if (rule && strlen(rule) == 3 && rule[0] == 'R' && rule[1] >= '0' && rule[1] <= '9' && rule[2] >= '0' &&
            rule[2] <= '9')
            n = (rule[1] - '0') * 10 + (rule[2] - '0');
        if (n < 1 || n > 17) {
            snprintf(err, errlen, "rule: one of R01..R17");
            goto out;
        }
        snprintf(req->rule, sizeof req->rule, "%s", rule);
    }
    v = json_object_get(obj, "dry_run");
    if (v && !json_is_boolean(v)) {
        snprintf(err, errlen, "dry_run: true or false");
        goto out;
    }
    req->dry_run = json_is_true(v);
    rc = 0;
out:
    json_decref(obj);
    return rc;
}

/* ------------------------------------------------------------ comparison */

static void add_difference(json_t *diffs, const char *field, const char *name, json_t *before, json_t *after) {
    json_t *d = json_pack("{s:s,s:o,s:o}", "field", field, "before", before ? before : json_null(), "after",
                          after ? after : json_null());
    if (name) json_object_set_new(d, "name", json_string(name));
    json_array_append_new(diffs, d);
}

static void compare_string(json_t *diffs, const char *field, const json_t *before, const json_t *after) {
    json_t *b = json_object_get(before, field), *a = json_object_get(after, field);
    if (!json_equal(b, a)) add_difference(diffs, field, NULL, json_incref(b), json_incref(a));
}

/* Facts by name, in the union of both sides. */
static void compare_facts(json_t *diffs, const json_t *before, const json_t *after) {
    json_t *b = json_object_get(before, "facts"), *a = json_object_get(after, "facts");
    const char *name;
    json_t *v;
    json_object_foreach(b, name, v) {
        json_t *w = json_object_get(a, name);
        if (!json_equal(v, w)) add_difference(diffs, "fact", name, json_incref(v), json_incref(w));
    }
    json_object_foreach(a, name, v) {
        if (!json_object_get(b, name)) add_difference(diffs, "fact", name, NULL, json_incref(v));
    }
}

/* A parameter as compared: "value (from effective_from)"; its source text is not compared. */
static json_t *parameter_text(const json_t *p) {
    if (!p) return NULL;
    const char *value = json_string_value(json_object_get(p, "value"));
    const char *from = json_string_value(json_object_get(p, "effective_from"));
    return json_sprintf("%s (%s)", value ? value : "", from ? from : "");
}

static const json_t *parameter_named(const json_t *list, const char *name) {
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n && strcmp(n, name) == 0) return p;
    }
    return NULL;
}

static void compare_parameters(json_t *diffs, const json_t *before, const json_t *after) {
    json_t *b = json_object_get(before, "parameters"), *a = json_object_get(after, "parameters");
    size_t i;
    json_t *p;
    json_array_foreach(b, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        if (!name) continue;
        json_t *old = parameter_text(p), *new = parameter_text(parameter_named(a, name));
        if (!json_equal(old, new))
            add_difference(diffs, "parameter", name, old, new);
        else
            json_decref(old), json_decref(new);
    }
    json_array_foreach(a, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        if (name && !parameter_named(b, name)) add_difference(diffs, "parameter", name, NULL, parameter_text(p));
    }
}

json_t *replay_diff(const json_t *before, const json_t *after) {
    json_t *diffs = json_array();
    if (!before && !after) return diffs;
    if (!before || !after) {
        json_t *b = before ? json_object_get(before, "outcome") : NULL, *a = after ? json_object_get(after, "outcome") : NULL;
        add_difference(diffs, "decision", NULL, json_incref(b), json_incref(a));
        return diffs;
    }
    compare_string(diffs, "outcome", before, after);
    compare_string(diffs, "beneficiary", before, after);
    compare_facts(diffs, before, after);
    compare_parameters(diffs, before, after);
    return diffs;
}

int replay_chain_member(const char *decision_id, const char *source, const char *event_id, const char *key) {
    size_t ls = strlen(source), le = strlen(event_id), lk = strlen(key);
    if (strncmp(decision_id, source, ls) != 0 || decision_id[ls] != '/') return 0;
    const char *at = decision_id + ls + 1;
    if (strncmp(at, event_id, le) != 0 || at[le] != '/') return 0;
    at += le + 1;
    if (strncmp(at, key, lk) != 0) return 0;
    at += lk;
    if (*at == '\0' || strcmp(at, "/registered") == 0 || strcmp(at, "/expired") == 0) return 1;
    if (strncmp(at, "/replay/", 8) != 0 || !at[8]) return 0;
    for (const char *c = at + 8; *c; c++)
        if (*c < '0' || *c > '9') return 0;
    return 1;
}

/* ------------------------------------------------------------ which rules */

/* Rules whose decisions a plan change cannot move, or that were fixed by their
 * own day's state: docs/policy.md §3 and replay.h. Every other rule is re-run. */
static const struct {
    const char *key;
    const char *why;
} not_rerun[] = {
    {"R08", "the placement notice: its anniversary timer was set on the start's day (the anniversary decision is re-run)"},
    {"R10", "judged with the district's other reports and the levy as known then"},
    {"R13", "no plan parameter decides it"},
    {"R14", "no plan parameter decides it"},
    {"R15", "service deadlines, fired or cancelled on their days"},
    {"R16", "service deadlines, fired or cancelled on their days"},
    {"R17", "a ranking of the persons and vacancies open on that day"},
};

const char *replay_not_rerun(const rule_def_t *r) {
    if (r->correction) return "a correction by a later fact (employment.ended): not re-run";
    for (size_t i = 0; i < sizeof not_rerun / sizeof *not_rerun; i++)
        if (strcmp(not_rerun[i].key, r->key) == 0) return not_rerun[i].why;
    return NULL;
}

/* ------------------------------------------------------------ the run */

typedef struct rule_stats {
    long examined, unchanged, corrected, skipped;
    json_t *skipped_why; /* reason -> count */
} rule_stats_t;

typedef struct replay_state {
    PGconn *pg;
    txn_t txn; /* on pg, no participant: a replay writes at once */
    const policy_set_t *plans;
    const replay_request_t *req;
    long long replay_id;
    rule_stats_t stats[17]; /* R01..R17 */
    json_t *corrections;
    int truncated;
    long events;
    size_t stored;
    char *err;
    size_t errlen;
} replay_state_t;

static rule_stats_t *stats_for(replay_state_t *st, const char *rule) {
    int n = atoi(rule + 1);
    return n >= 1 && n <= 17 ? &st->stats[n - 1] : NULL;
}

static void skip(rule_stats_t *s, const char *why) {
    s->skipped++;
    if (!s->skipped_why) s->skipped_why = json_object();
    json_t *n = json_object_get(s->skipped_why, why);
    json_object_set_new(s->skipped_why, why, json_integer(json_integer_value(n) + 1));
}

/* The decisions of one event and rule key, latest first. */
typedef struct chain {
    char effective_id[400];   /* "" when none is effective */
    json_t *effective;        /* its body, or NULL */
    char corrected_by[400];   /* when every member is corrected: by what */
    int members;
} chain_t;

static int load_chain(replay_state_t *st, const Jiuye__Event *ev, const rule_def_t *r, const char *key, chain_t *c) {
    memset(c, 0, sizeof *c);
    const char *p[] = {ev->source, ev->event_id, r->id};
    PGresult *res = pg_exec(st->pg,
                            "SELECT d.decision_id, d.body::text, (SELECT c.decision_id FROM rules.decisions c "
                            "WHERE c.body->>'corrects_decision_id' = d.decision_id ORDER BY c.decided_at DESC, "
                            "c.decision_id DESC LIMIT 1) FROM rules.decisions d WHERE d.source = $1 AND d.event_id = $2 "
                            "AND d.rule = $3 ORDER BY d.decided_at DESC, d.decision_id DESC",
                            3, p);
    if (!res) return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0);
        if (!replay_chain_member(id, ev->source, ev->event_id, key)) continue;
        c->members++;
        if (PQgetisnull(res, i, 2)) {
            if (!c->effective) {
                snprintf(c->effective_id, sizeof c->effective_id, "%s", id);
                c->effective = json_loads(PQgetvalue(res, i, 1), 0, NULL);
            }
        } else if (!c->corrected_by[0] || !replay_chain_member(PQgetvalue(res, i, 2), ev->source, ev->event_id, key)) {
            snprintf(c->corrected_by, sizeof c->corrected_by, "%s", PQgetvalue(res, i, 2));
        }
    }
    PQclear(res);
    return 0;
}

static void list_correction(replay_state_t *st, const Jiuye__Event *ev, const char *key, const char *new_id,
                            const chain_t *c, const json_t *after, json_t *diffs) {
    if (json_array_size(st->corrections) >= REPLAY_MAX_LISTED) {
        st->truncated = 1;
        json_decref(diffs);
        return;
    }
    json_t *before_outcome = c->effective ? json_object_get(c->effective, "outcome") : NULL;
    json_t *after_outcome = after ? json_object_get(after, "outcome") : NULL;
    json_array_append_new(st->corrections,
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:O?,s:O?,s:o}", "source", ev->source, "event_id",
                                    ev->event_id, "occurred_on", ev->occurred_on, "rule", key, "decision_id", new_id,
                                    "corrects", c->effective_id[0] ? c->effective_id : NULL, "outcome_before",
                                    before_outcome, "outcome_after", after_outcome, "differences", diffs));
}

/* A rule that has nothing to say any more about an event it decided before:
 * the correction says so (and the subsidy service reverses what was granted). */
static Jiuye__Decision *no_longer_applies(const Jiuye__Event *ev, const rule_def_t *r, const char *key,
                                          const chain_t *c, const char *new_id, const policy_set_t *plans) {
    Jiuye__Decision *d = decision_new(ev, key, r->id, r->name, r->clause, r->audience, rules_event_subject(ev));
    decision_set_id(d, new_id);
    jdate_t on;
    const policy_plan_t *plan = date_parse(ev->occurred_on, &on) == 0 ? policy_for_date(plans, on) : NULL;
    if (plan) decision_plan(d, plan);
    const char *who = json_string_value(json_object_get(c->effective, "beneficiary"));
    const char *kind = json_string_value(json_object_get(c->effective, "beneficiary_kind"));
    decision_beneficiary(d, who ? who : "", kind ? kind : "");
    decision_set(d, "info", "按现行方案重新评估，本规则不再适用于该事件");
    return d;
}

/* "重新评估（回放 #N）：<reason>；更正 <id>" as the correction's reason. */
static void replay_reason(Jiuye__Decision *d, long long replay_id, const char *corrects) {
    char reason[768];
    snprintf(reason, sizeof reason, "按现行方案重新评估（回放 #%lld）：%s%s%s", replay_id, d->reason,
             corrects[0] ? "；更正 " : "", corrects);
    free(d->reason);
    d->reason = strdup(reason);
    if (!d->reason) abort();
}

/* How a chain is decided again: a rule of the table (rules_redecide), or the
 * R08 anniversary, which a timer decides (anniversary_redecide). */
typedef Jiuye__Decision *(*redecide_fn)(replay_state_t *st, const Jiuye__Event *ev, const rule_def_t *r,
                                        const json_t *facts, const char *decision_id, int *failed);

static Jiuye__Decision *rule_redecide(replay_state_t *st, const Jiuye__Event *ev, const rule_def_t *r,
                                      const json_t *facts, const char *decision_id, int *failed) {
    return rules_redecide(&st->txn, st->plans, ev, r, facts, decision_id, failed);
}

/* The R08 anniversary of a placement, decided again as its timer decided it
 * (the plan of the start, the tiers in force then; a job that ended before
 * the anniversary corrects the decision instead, and is skipped). */
static Jiuye__Decision *anniversary_redecide(replay_state_t *st, const Jiuye__Event *ev, const rule_def_t *r,
                                             const json_t *facts, const char *decision_id, int *failed) {
    (void)r;
    jdate_t on;
    if (date_parse(ev->occurred_on, &on) != 0) {
        *failed = 1;
        return NULL;
    }
    rule_ctx_t ctx = {.txn = &st->txn, .pg = st->pg, .plans = st->plans, .plan = policy_for_date(st->plans, on),
                     .occurred_on = on, .today = date_today(), .replay_facts = facts};
    decision_list_t l = {0};
    if (r08_anniversary_fire(&ctx, ev, decision_id, &l) != 0) {
        decision_list_clear(&l);
        *failed = 1;
        return NULL;
    }
    Jiuye__Decision *d = l.n ? l.items[0] : NULL;
    free(l.items);
    return d;
}

/* Re-run the chain key (a rule key, or "R08/anniversary") of ev. Returns 0 or -1 (database error). */
static int replay_rule(replay_state_t *st, const Jiuye__Event *ev, const rule_def_t *r, const char *key,
                       redecide_fn redecide, decision_list_t *out) {
    rule_stats_t *s = stats_for(st, r->id);
    if (!s) return 0;
    chain_t c;
    if (load_chain(st, ev, r, key, &c) != 0) return -1;
    int rc = 0;
    const char *why = redecide == anniversary_redecide ? NULL : replay_not_rerun(r);
    const char *outcome = json_string_value(json_object_get(c.effective, "outcome"));
    const char *registered =
        json_string_value(json_object_get(json_object_get(c.effective, "facts"), "registered"));
    if (why) {
        if (c.members) skip(s, why);
        goto out;
    }
    if (c.members && !c.effective) {
        skip(s, "corrected by a later fact (an employment.ended): left as corrected");
        goto out;
    }
    if (outcome && strcmp(outcome, "pending") == 0) {
        skip(s, "still pending: waits for the person's registration");
        goto out;
    }
    if (registered && strcmp(registered, "true") != 0) {
        skip(s, "decided without a registration (pending expired)");
        goto out;
    }
    s->examined++;
    char new_id[400], rid[32];
    if (st->req->dry_run)
        snprintf(rid, sizeof rid, "dry-run");
    else
        snprintf(rid, sizeof rid, "%lld", st->replay_id);
    snprintf(new_id, sizeof new_id, "%s/%s/%s/replay/%s", ev->source, ev->event_id, key, rid);
    if (pg_cmd(st->pg, "SAVEPOINT replay_rule", 0, NULL) != 0) {
        rc = -1;
        goto out;
    }
    int failed = 0;
    Jiuye__Decision *d = redecide(st, ev, r, c.effective ? json_object_get(c.effective, "facts") : NULL, new_id, &failed);
    if (failed) {
        decision_free(d);
        snprintf(st->err, st->errlen, "re-deciding %s for %s/%s failed", r->key, ev->source, ev->event_id);
        rc = -1;
        goto out;
    }
    json_t *after = d ? decision_to_json(d) : NULL;
    json_t *diffs = replay_diff(c.effective, after);
    int changed = json_array_size(diffs) > 0;
    if (!changed || st->req->dry_run) {
        /* Nothing to write (or a dry run): undo whatever deciding touched. */
        if (pg_cmd(st->pg, "ROLLBACK TO SAVEPOINT replay_rule", 0, NULL) != 0) rc = -1;
    } else if (pg_cmd(st->pg, "RELEASE SAVEPOINT replay_rule", 0, NULL) != 0) {
        rc = -1;
    }
    if (!changed) {
        s->unchanged++;
        json_decref(diffs);
    } else {
        s->corrected++;
        list_correction(st, ev, key, new_id, &c, after, diffs);
    }
    json_decref(after);
    if (changed && !st->req->dry_run && rc == 0) {
        if (!d) d = no_longer_applies(ev, r, key, &c, new_id, st->plans);
        if (c.effective_id[0]) decision_correct(d, c.effective_id);
        replay_reason(d, st->replay_id, c.effective_id);
        decision_list_add(out, d);
        d = NULL;
    }
    decision_free(d);
out:
    json_decref(c.effective);
    return rc;
}

/* Every rule of one kept event; its corrections leave in one outbox message. */
static int replay_event(replay_state_t *st, const Jiuye__Event *ev) {
    decision_list_t out = {0};
    size_t cursor = 0;
    const rule_def_t *r;
    int rc = 0;
    while (rc == 0 && (r = rules_next_triggered(ev, &cursor))) {
        if (st->req->rule[0] && strcmp(r->id, st->req->rule) != 0) continue;
        rc = replay_rule(st, ev, r, r->key, rule_redecide, &out);
        /* A placement's own entitlement is its anniversary decision, made by a timer. */
        if (rc == 0 && strcmp(r->key, "R08") == 0 && !r->correction)
            rc = replay_rule(st, ev, r, "R08/anniversary", anniversary_redecide, &out);
    }
    if (rc == 0 && out.n) {
        char message_id[400];
        snprintf(message_id, sizeof message_id, "rules/replay/%lld/%s/%s", st->replay_id, ev->source, ev->event_id);
        if (decisions_emit(&st->txn, ev, &out, message_id) != 0) {
            snprintf(st->err, st->errlen, "storing the corrections of %s/%s failed", ev->source, ev->event_id);
            rc = -1;
        } else {
            st->stored += out.n;
        }
    }
    decision_list_clear(&out);
    return rc;
}

/* One page of events after the last one seen, in one transaction. Returns the
 * number of events read, or -1. last_* are updated. */
static int replay_page(replay_state_t *st, char *last_on, char *last_source, char *last_event) {
    char from[DATE_STRLEN], to[DATE_STRLEN], limit[16];
    snprintf(limit, sizeof limit, "%d", REPLAY_PAGE);
    const char *p[] = {date_format(st->req->from, from), date_format(st->req->to, to),
                       last_on[0] ? last_on : NULL, last_source, last_event, limit};
    if (pg_begin(st->pg) != 0) return -1;
    PGresult *r = pg_exec_bin(st->pg,
                              "SELECT occurred_on::text, source, event_id, event FROM rules.events "
                              "WHERE occurred_on BETWEEN $1::date AND $2::date AND ($3::date IS NULL OR "
                              "(occurred_on, source, event_id) > ($3::date, $4, $5)) "
                              "ORDER BY occurred_on, source, event_id LIMIT $6::int",
                              6, p, NULL, NULL, 1);
    if (!r) {
        snprintf(st->err, st->errlen, "reading the kept events failed");
        pg_rollback(st->pg);
        return -1;
    }
    int n = PQntuples(r), rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        Jiuye__Event *ev =
            jiuye__event__unpack(NULL, (size_t)PQgetlength(r, i, 3), (const uint8_t *)PQgetvalue(r, i, 3));
        if (!ev) {
            log_error("replay: kept event %s/%s cannot be read; skipped", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        } else {
            rc = replay_event(st, ev);
            jiuye__event__free_unpacked(ev, NULL);
        }
        st->events++;
        snprintf(last_on, DATE_STRLEN, "%s", PQgetvalue(r, i, 0));
        snprintf(last_source, 200, "%s", PQgetvalue(r, i, 1));
        snprintf(last_event, 200, "%s", PQgetvalue(r, i, 2));
    }
    PQclear(r);
    if (rc != 0 || st->req->dry_run) { /* a dry run writes nothing, ever */
        pg_rollback(st->pg);
        return rc != 0 ? -1 : n;
    }
    if (pg_commit(st->pg) != 0) {
        snprintf(st->err, st->errlen, "commit failed");
        pg_rollback(st->pg);
        return -1;
    }
    return n;
}

static json_t *summary(replay_state_t *st) {
    char from[DATE_STRLEN], to[DATE_STRLEN];
    json_t *rules = json_array();
    long t_examined = 0, t_unchanged = 0, t_corrected = 0, t_skipped = 0;
    for (int i = 0; i < 17; i++) {
        rule_stats_t *s = &st->stats[i];
        if (!s->examined && !s->skipped) continue;
        char id[16];
        snprintf(id, sizeof id, "R%02d", i + 1);
        json_array_append_new(rules, json_pack("{s:s,s:i,s:i,s:i,s:i,s:o}", "rule", id, "examined", (json_int_t)s->examined,
                                               "unchanged", (json_int_t)s->unchanged, "corrected",
                                               (json_int_t)s->corrected, "skipped", (json_int_t)s->skipped,
                                               "skipped_why", s->skipped_why ? json_incref(s->skipped_why) : json_object()));
        t_examined += s->examined, t_unchanged += s->unchanged, t_corrected += s->corrected, t_skipped += s->skipped;
    }
    json_t *reply = json_pack("{s:s,s:s,s:b,s:I,s:o,s:{s:I,s:I,s:I,s:I},s:b}", "from",
                              date_format(st->req->from, from), "to", date_format(st->req->to, to), "dry_run",
                              st->req->dry_run, "events", (json_int_t)st->events, "rules", rules, "totals", "examined",
                              (json_int_t)t_examined, "unchanged", (json_int_t)t_unchanged, "corrected",
                              (json_int_t)t_corrected, "skipped", (json_int_t)t_skipped, "corrections_truncated",
                              st->truncated);
    json_object_set_new(reply, "rule", st->req->rule[0] ? json_string(st->req->rule) : json_null());
    json_object_set_new(reply, "replay_id", st->req->dry_run ? json_null() : json_integer(st->replay_id));
    return reply;
}

/* Record the run (not for a dry run) before it starts: its id names the corrections. */
static int replay_begin(replay_state_t *st) {
    char from[DATE_STRLEN], to[DATE_STRLEN];
    const char *p[] = {date_format(st->req->from, from), date_format(st->req->to, to),
                       st->req->rule[0] ? st->req->rule : NULL};
    PGresult *r = pg_exec(st->pg,
                          "INSERT INTO rules.replays (from_on, to_on, rule) VALUES ($1::date, $2::date, $3) "
                          "RETURNING replay_id",
                          3, p);
    if (!r) return -1;
    st->replay_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

json_t *replay_run(PGconn *pg, const policy_set_t *plans, const replay_request_t *req, size_t *decisions_out,
                   char *err, size_t errlen) {
    replay_state_t st = {.pg = pg, .plans = plans, .req = req, .corrections = json_array(), .err = err, .errlen = errlen};
    json_t *reply = NULL;
    txn_init(&st.txn, pg);
    *decisions_out = 0;
    err[0] = '\0';
    if (!req->dry_run && replay_begin(&st) != 0) {
        snprintf(err, errlen, "recording the replay failed");
        goto out;
    }
    char last_on[DATE_STRLEN] = "", last_source[200] = "", last_event[200] = "";
    for (;;) {
        int n = replay_page(&st, last_on, last_source, last_event);
        if (n < 0) goto out;
        if (n < REPLAY_PAGE) break;
    }
    reply = summary(&st);
    json_object_set(reply, "corrections", st.corrections);
    if (!req->dry_run) {
        char id[32];
        snprintf(id, sizeof id, "%lld", st.replay_id);
        json_t *brief = json_deep_copy(reply);
        json_object_del(brief, "corrections"); /* the decisions themselves are in rules.decisions */
        char *text = json_dumps(brief, JSON_COMPACT);
        json_decref(brief);
        const char *p[] = {id, text};
        if (!text || pg_cmd(pg, "UPDATE rules.replays SET summary = $2::jsonb WHERE replay_id = $1::bigint", 2, p) != 0)
            log_error("replay #%lld: its summary could not be recorded", st.replay_id);
        free(text);
        log_info("replay #%lld %s..%s%s%s: %lld event(s), %zu corrective decision(s)", st.replay_id,
                 json_string_value(json_object_get(reply, "from")), json_string_value(json_object_get(reply, "to")),
                 req->rule[0] ? " rule " : "", req->rule, (long long)st.events, st.stored);
    }
    *decisions_out = st.stored;
out:
    for (int i = 0; i < 17; i++) json_decref(st.stats[i].skipped_why);
    json_decref(st.corrections);
    return reply;
}
