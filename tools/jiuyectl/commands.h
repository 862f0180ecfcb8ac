/* commands.h: jiuyectl commands that live in their own file (cmd_NAME.c).
 * Each takes the arguments from its own name on (argv[0] is "report") and
 * returns the process exit status: 0 done, 1 failed (said on stderr), 2 usage. */
#ifndef JIUYE_JIUYECTL_COMMANDS_H
#define JIUYE_JIUYECTL_COMMANDS_H

#include <libpq-fe.h>
#include <string.h>

/* Does a command's argument list ask for its help (--help or -h anywhere after
 * the command's name)? Every command checks this first, then prints its usage
 * to stdout and returns 0: `jiuyectl publish --help`. */
static inline int cmd_help_requested(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
    return 0;
}

/* jiuyectl report --year YYYY [--district CODE] [--out DIR] [--url URL]: the
 * annual report a county committee owes by November 10 (plan 三(四)), from
 * the subsidy service's API (URL, default http://127.0.0.1:$SUBSIDY_HTTP_PORT
 * or 8082): writes DIR/report-YYYY-<district|city>.json and .csv (DIR default
 * "."), and prints their paths. */
int cmd_report(int argc, char **argv);

/* jiuyectl subscribe add NAME --channel inbox|webhook|email [--target URL|ADDRESS]
 * [--format json|wecom|dingtalk] [--secret S] [--district CODE]... [--audience CODE]...
 * [--rule RNN]... | subscribe list | subscribe remove NAME: notify.subscriptions, as
 * role jiuye_notify (services/notify/subscriptions.c). */
int cmd_subscribe(int argc, char **argv);

/* jiuyectl keygen NAME...: a CURVE key pair per service, printed as
 * NAME_CURVE_PUBLIC=... / NAME_CURVE_SECRET=... lines (common/curve.h). */
int cmd_keygen(int argc, char **argv);

/* jiuyectl trace EVENT [--source S] [--json]: one view of an event's chain, read
 * through the services' staff APIs (rules /v1/decisions, subsidy /v1/awards,
 * notify /v1/notifications, at RULES/SUBSIDY/NOTIFY_HTTP_PORT) and, for the
 * stored event itself, intake.events as role jiuye_intake: the event, each
 * decision (clause, outcome, reason, facts, parameters, plan) with its awards
 * (breakdown) and notifications (acknowledgement, deliveries). Exit 0 when
 * anything was found, 1 when nothing was or a service did not answer. */
int cmd_trace(int argc, char **argv);

/* jiuyectl replay --from DATE --to DATE [--rule RNN] [--dry-run] [--json] [--url URL]:
 * POST /v1/replay to the rules service (RULES_HTTP_PORT, 8081), deciding the
 * events of those dates again under the plans it has now; prints per rule the
 * decisions examined, unchanged, corrected and skipped, and each correction.
 * Exit 0 done, 1 the service failed or did not answer, 2 usage (or a request
 * the service refused, its message on stderr). */
int cmd_replay(int argc, char **argv);

/* jiuyectl staff add NAME --district CODE --department AUDIENCE | staff revoke NAME |
 * staff list: who may sign in to the web console (notify.staff, services/notify/staff.h);
 * add prints the token once. */
int cmd_staff(int argc, char **argv);

/* jiuyectl operator|auditor|metrics add NAME [--expires DATE] | revoke NAME | list:
 * the tokens of those roles (access.tokens, as role jiuye_notify); argv[0] is the role. */
int cmd_token(int argc, char **argv);

/* The --expires DATE of a token add (a date after today) as the timestamptz text of
 * that day's start in Asia/Shanghai, into out. Returns 0, or -1 said on stderr. */
int cmd_expiry(const char *cmd, const char *value, char *out, size_t len);

/* jiuyectl audit [--subject CERT_NO] [--who NAME] [--from DATE] [--to DATE] [--url URL]:
 * the access log from notify's GET /v1/audit (an auditor's JIUYE_TOKEN), every page,
 * one line per entry: when, who (role), service, method route, subjects. */
int cmd_audit(int argc, char **argv);

/* jiuyectl source sync FILE: add the sources of FILE ("NAME TOKEN" lines; a compose
 * secret) that are not there yet, in one transaction, on pg (role jiuye_intake);
 * cmd_source_sync.c says the rules. */
int cmd_source_sync(PGconn *pg, const char *path);

#endif
