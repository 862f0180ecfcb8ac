/* r13_hard_to_employ.c: R13 HARD_TO_EMPLOY 就业困难人员实名制帮扶 (plan 二(二)5).
 * A registration marked hard_to_employ asks staff to enrol the person in
 * employment assistance. */
#include "rules.h"

rule_result_t r13_hard_to_employ(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    (void)ctx;
    decision_fact(d, "hard_to_employ", "true");
    decision_fact(d, "employment_status", "%s", ev->person_registered->employment_status);
    decision_set(d, "action_required", "就业困难残疾人，请纳入就业援助实名制管理并提供帮扶");
    return RULE_DECIDED;
}
