/* replay.h: deciding past events again after a policy correction
 * (`jiuyectl replay --from DATE --to DATE [--rule RNN] [--dry-run]`, which
 * calls POST /v1/replay on this service).
 *
 * Where the events come from. The rules service keeps every event it consumes
 * (rules.events, migration 013: the jiuye.Event as intake sent it, in the
 * transaction that decides it), so a replay never reads intake's schema.
 * Events consumed before migration 013 are not kept and cannot be re-run.
 *
 * What is compared. For each kept event with occurred_on in [from, to], in
 * date order (occurred_on, source, event_id), and each rule it triggers
 * (optionally one rule), the latest effective decision is the decision of that
 * event and rule key that no other decision corrects: the first decision,
 * its re-decision after a pending registration ("/registered"), or an earlier
 * replay's correction ("/replay/N"). The rule is decided again under the
 * plans in force now (after SIGHUP or a restart) and compared with it on what
 * the plan can change: outcome, beneficiary, facts, and each parameter's name,
 * value and effective date (not the plan's SHA-256, the reason's wording or
 * the processing date). No difference: nothing is written. A difference: a
 * corrective decision "<source>/<event_id>/<key>/replay/<replay_id>" that
 * corrects the effective one (decision_correct), stored with the event's
 * other corrections in one rules.outbox message, in the same transaction
 * (kill -9 safe: a page of events is committed whole or not at all, and a
 * replay run again finds what was committed already equal). Because the
 * comparison is with the latest effective decision, a second identical replay
 * finds no difference and writes nothing; the subsidy service turns each
 * correction into a reversal of the old award plus, when still eligible, a new
 * award that keeps the old one's place in its limit (programs.h).
 *
 * As of the event's own time. A past event is decided on the facts of the
 * case recorded by the decision it replays (registered and registered_on, a
 * graduate's record: rule_ctx_t.replay_facts), not on what later events
 * changed, with the parameters of the current plan files read on the event's
 * date as always. Limits that depend on money already granted (yearly caps,
 * once-per-person programs, agency tiers, tuition caps) stay the subsidy
 * ledger's: a replaced award keeps its place, so no cap or tier moves.
 *
 * Which rules are re-run (replay_not_rerun says why not, per rule):
 *   R01 R02 R03 R04 R05 R06 R07 R07-loan R08/anniversary R09 R11 R12: decided from the event,
 *     the recorded facts and plan parameters (amounts, rates, minimum wage,
 *     hours, ages, ratios): a parameter change can change them.
 *   R13 R14: no parameter decides them: nothing a plan change can move.
 *   R08 "/anniversary": the decision its timer made (tiers, months) is
 *     decided again as the timer did; the placement notice on the start is
 *     not (its timer was set then). R10: judged with the other reports of
 *     the district and the levy as known then; R15 R16: deadlines, fired or
 *     cancelled on their days; R17: a ranking of the persons and vacancies
 *     open on that day. Their decisions are counted as skipped.
 *   Corrections by a later fact (an employment.ended before a post's end or
 *   an anniversary) are not re-run, and a decision they corrected is skipped
 *   too: the chain of a post that ended early is left as it is.
 *   Decisions still pending, or expired without a registration, are skipped. */
#ifndef JIUYE_RULES_REPLAY_H
#define JIUYE_RULES_REPLAY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "date.h"
#include "events.pb-c.h"
#include "policy.h"
#include "rules.h"

#define REPLAY_PAGE 200           /* events per transaction */
#define REPLAY_MAX_LISTED 1000    /* corrections listed in a reply (all are counted) */
#define REPLAY_MAX_BODY 4096      /* request body */

typedef struct replay_request {
    jdate_t from, to;
    char rule[8]; /* "" for every rule, else "R01".."R17" */
    int dry_run;
} replay_request_t;

/* Parse a POST /v1/replay body {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
 * "rule": "R01" (optional), "dry_run": false (optional)}. Returns 0, or -1
 * with err naming the field and the reason (req is then undefined). */
int replay_parse_request(const char *body, size_t len, replay_request_t *req, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The differences between two decisions as stored (decision_to_json), either
 * may be NULL (no decision): an array of {"field": "decision" | "outcome" |
 * "beneficiary" | "fact" | "parameter", "name" (facts, parameters), "before",
 * "after"}, empty when nothing the plan can change differs. Caller owns it. */
json_t *replay_diff(const json_t *before, const json_t *after);

/* Is decision_id one of the chain of rule key for the event: the event's
 * decision "<source>/<event_id>/<key>" or a correction of it made for the
 * same event ("/registered", "/expired", "/replay/N")? 1 or 0. */
int replay_chain_member(const char *decision_id, const char *source, const char *event_id, const char *key);

/* Why rule r is never re-run (a static string), or NULL when it is. */
const char *replay_not_rerun(const rule_def_t *r);

/* Run a replay (see above). Returns the reply {"replay_id" (null for a dry
 * run), "from", "to", "rule", "dry_run", "events", "rules": [{"rule",
 * "examined", "unchanged", "corrected", "skipped", "skipped_why": {reason:
 * count}}], "totals", "corrections": [{"source", "event_id", "occurred_on",
 * "rule", "decision_id", "corrects", "outcome_before", "outcome_after",
 * "differences"}], "corrections_truncated"}; caller owns it. NULL on a
 * database error (err says where; pages committed before it stay, and the
 * replay can be run again). *decisions_out counts the corrective decisions
 * stored (0 for a dry run). */
json_t *replay_run(PGconn *pg, const policy_set_t *plans, const replay_request_t *req, size_t *decisions_out,
                   char *err, size_t errlen);

#endif
