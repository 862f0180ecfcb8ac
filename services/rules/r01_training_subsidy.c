/* r01_training_subsidy.c: R01 TRAINING_SUBSIDY 培训补贴 (plan 二(三)9).
 *
 * A training.completed is eligible when the person is registered, of working
 * age on the day (16..59 male, 16..54 female) and the course ran at least
 * r01_min_hours hours. The amount depends on the certificate and is capped by
 * the cost; the yearly limit of three awards is the subsidy ledger's to keep,
 * so the decision passes it on as a parameter. */
#include <stdio.h>
#include <string.h>

#include "ident.h"
#include "persons.h"
#include "rules.h"

/* level3, level2 and level1 share one rate ("三级及以上"). */
static const char *amount_parameter(const char *certificate) {
    static const struct {
        const char *certificate, *parameter;
    } map[] = {
        {"none", "r01_amount_fen.none"},     {"special", "r01_amount_fen.special"},
        {"level5", "r01_amount_fen.level5"}, {"level4", "r01_amount_fen.level4"},
        {"level3", "r01_amount_fen.level3_or_higher"}, {"level2", "r01_amount_fen.level3_or_higher"},
        {"level1", "r01_amount_fen.level3_or_higher"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i].certificate, certificate) == 0) return map[i].parameter;
    return NULL;
}

/* Read a parameter into v and record it in d. Returns 0, or -1 when the plan lacks it. */
static int use_param(const rule_ctx_t *ctx, Jiuye__Decision *d, const char *name, policy_value_t *v) {
    if (policy_value_at(ctx->plan, name, d->district, ctx->occurred_on, v) != 0) {
        decision_set(d, "ineligible", "方案 %s 缺少参数 %s（%s 起），无法认定，请运维核对方案文件", policy_plan_id(ctx->plan),
                     name, d->occurred_on);
        return -1;
    }
    decision_param(d, name, v);
    return 0;
}

int r01_training_subsidy(const rule_ctx_t *ctx, const Jiuye__Event *ev, Jiuye__Decision *d) {
    const Jiuye__TrainingCompleted *t = ev->training_completed;
    decision_plan(d, ctx->plan);
    decision_beneficiary(d, t->cert_no, "person");
    decision_fact(d, "course", "%s", t->course);
    decision_fact(d, "hours", "%d", t->hours);
    decision_fact(d, "certificate", "%s", t->certificate);
    decision_fact(d, "cost_fen", "%lld", (long long)t->cost_fen);

    person_t person;
    int found = persons_find(ctx->pg, t->cert_no, &person);
    if (found < 0) return -1;
    decision_fact(d, "registered", "%s", found ? "true" : "false");
    if (!found) {
        decision_set(d, "pending", "该残疾人尚未登记，待登记信息到达后判定");
        return 0;
    }
    char reg[DATE_STRLEN];
    decision_fact(d, "registered_on", "%s", date_format(person.registered_on, reg));

    cert_info_t info;
    char err[128];
    if (cert_no_parse(t->cert_no, &info, err, sizeof err) != 0) { /* intake validated it */
        decision_set(d, "ineligible", "残疾人证号无效：%s", err);
        return 0;
    }
    int age = date_full_years(info.birth, ctx->occurred_on);
    decision_fact(d, "age", "%d", age);
    decision_fact(d, "sex", "%s", info.male ? "male" : "female");

    policy_value_t min_age, max_age, min_hours, amount, cap;
    const char *amount_name = amount_parameter(t->certificate);
    if (use_param(ctx, d, "working_age_min", &min_age) != 0 ||
        use_param(ctx, d, info.male ? "working_age_max_male" : "working_age_max_female", &max_age) != 0 ||
        use_param(ctx, d, "r01_min_hours", &min_hours) != 0)
        return 0;
    if (age < min_age.value || age > max_age.value) {
        decision_set(d, "ineligible", "培训时 %d 周岁，不在劳动年龄段（%lld-%lld 周岁），不予培训补贴", age,
                     (long long)min_age.value, (long long)max_age.value);
        return 0;
    }
    if (t->hours < min_hours.value) {
        decision_set(d, "ineligible", "培训 %d 学时，不足 %lld 学时，不予培训补贴", t->hours, (long long)min_hours.value);
        return 0;
    }
    if (!amount_name || use_param(ctx, d, amount_name, &amount) != 0 ||
        use_param(ctx, d, "r01_max_awards_per_year", &cap) != 0)
        return 0;
    decision_set(d, "eligible", "已登记、%d 周岁、培训 %d 学时（证书 %s），符合培训补贴条件", age, t->hours, t->certificate);
    return 0;
}
