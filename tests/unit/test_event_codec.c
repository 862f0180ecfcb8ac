/* test_event_codec.c: the event contract of docs/policy.md §5 (services/intake/event_codec.h).
 *
 * One valid event per type, round-tripped JSON -> event -> JSON (byte-identical canonical
 * form) and JSON -> event -> protobuf wire -> event -> validate -> JSON; then every class of
 * error with its exact message, on both the JSON and the protobuf path; then the unchecked
 * decoder a ZeroMQ client uses, whose events the receiver's event_validate judges. Identities
 * are built here with their own check characters (GB 11643, GB 32100), independently of
 * common/ident.c.
 * Run one test by name: pass a glob as argv[1] (test_event_codec 'test_err_*'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/intake/event_codec.h"
#include "ident.h"

static jdate_t TODAY; /* 2026-11-28 */

/* ---- identities ---------------------------------------------------------------------- */

static char CERT_A[21], CERT_B[21], CERT_C[21];
static char CODE_EMP[19], CODE_PROV[19], CODE_AGENCY[19], CODE_BASE[19], CODE_BIZ[19];

static char id_check(const char *first17) {
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (first17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

static void make_cert(const char *first17, char category, char grade, char out[21]) {
    memcpy(out, first17, 17);
    out[17] = id_check(first17);
    out[18] = category;
    out[19] = grade;
    out[20] = '\0';
}

static const char CREDIT_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static char credit_check(const char *first17) {
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (int)(strchr(CREDIT_ALPHABET, first17[i]) - CREDIT_ALPHABET) * w[i];
    return CREDIT_ALPHABET[(31 - sum % 31) % 31];
}

static void make_credit(const char *first17, char out[19]) {
    memcpy(out, first17, 17);
    out[17] = credit_check(first17);
    out[18] = '\0';
}

static int setup_group(void **state) {
    (void)state;
    if (date_from_ymd(2026, 11, 28, &TODAY) != 0) return -1;
    make_cert("32070619900307123", '4', '2', CERT_A); /* male, physical, grade 2 */
    make_cert("32072219850612456", '1', '4', CERT_B); /* female, visual, grade 4 */
    make_cert("32070719951130071", '2', '3', CERT_C);
    make_credit("91320706MA1N2B3C4", CODE_EMP);
    make_credit("52320700MJ5123456", CODE_PROV);
    make_credit("91320700MA2K8P7Q1", CODE_AGENCY);
    make_credit("12320722466001234", CODE_BASE);
    make_credit("92320706MA3D4E5F6", CODE_BIZ);
    return 0;
}

/* ---- examples ------------------------------------------------------------------------ */

/* Templates: @A @B @C are cert_nos, #E #P #G #S #U credit codes (employer, provider, agency,
 * base, business). Written in canonical order, so event_to_json must reproduce them exactly. */
static const struct example {
    const char *type;
    const char *json;
} EXAMPLES[] = {
    {"person.registered",
     "{\"event_id\":\"reg-2024-0001\",\"type\":\"person.registered\",\"occurred_on\":\"2024-03-01\","
     "\"district\":\"320706\",\"payload\":{\"cert_no\":\"@A\",\"name\":\"张三\","
     "\"employment_status\":\"unemployed\",\"wants_job\":true,\"low_income\":false,"
     "\"hard_to_employ\":true}}"},
    {"training.completed",
     "{\"event_id\":\"hrss-2024-000123\",\"type\":\"training.completed\",\"occurred_on\":\"2024-05-10\","
     "\"district\":\"320706\",\"payload\":{\"cert_no\":\"@A\",\"provider_code\":\"#P\","
     "\"course\":\"vocational\",\"hours\":60,\"certificate\":\"level4\",\"cost_fen\":180000}}"},
    {"employment.started",
     "{\"event_id\":\"si:2023/11/0042\",\"type\":\"employment.started\",\"occurred_on\":\"2023-11-01\","
     "\"district\":\"320722\",\"payload\":{\"cert_no\":\"@B\",\"employer_code\":\"#E\","
     "\"channel\":\"public_welfare_post\",\"contract_months\":24,\"monthly_wage_fen\":201000,"
     "\"social_insurance\":true,\"agency_code\":\"#G\"}}"},
    {"employment.ended",
     "{\"event_id\":\"si-2024-end-7\",\"type\":\"employment.ended\",\"occurred_on\":\"2024-04-30\","
     "\"district\":\"320722\",\"payload\":{\"cert_no\":\"@B\",\"employer_code\":\"#E\","
     "\"reason\":\"合同到期\"}}"},
    {"business.started",
     "{\"event_id\":\"amr-2024-9\",\"type\":\"business.started\",\"occurred_on\":\"2024-07-01\","
     "\"district\":\"320707\",\"payload\":{\"cert_no\":\"@C\",\"business_code\":\"#U\","
     "\"kind\":\"individual\"}}"},
    {"graduate.registered",
     "{\"event_id\":\"edu-g-2024-1\",\"type\":\"graduate.registered\",\"occurred_on\":\"2024-06-20\","
     "\"district\":\"320707\",\"payload\":{\"cert_no\":\"@C\",\"school\":\"连云港职业技术学院\","
     "\"graduation_year\":2024,\"wants_job\":true}}"},
    {"internship.completed",
     "{\"event_id\":\"hrss-int-5\",\"type\":\"internship.completed\",\"occurred_on\":\"2024-12-31\","
     "\"district\":\"320722\",\"payload\":{\"cert_no\":\"@C\",\"base_code\":\"#S\",\"months\":6}}"},
    {"education.enrolled",
     "{\"event_id\":\"edu-e-2024-3\",\"type\":\"education.enrolled\",\"occurred_on\":\"2024-09-01\","
     "\"district\":\"320722\",\"payload\":{\"cert_no\":\"@B\",\"school\":\"南京特殊教育师范学院\","
     "\"academic_year\":2024,\"tuition_fen\":500000}}"},
    {"employer.annual_report",
     "{\"event_id\":\"tax-ar-2024-77\",\"type\":\"employer.annual_report\",\"occurred_on\":\"2025-03-15\","
     "\"district\":\"320706\",\"payload\":{\"employer_code\":\"#E\",\"employer_kind\":\"private\","
     "\"year\":2024,\"staff_count\":200,\"avg_wage_fen\":900000,\"levy_paid\":false,"
     "\"disabled_staff\":[{\"cert_no\":\"@A\",\"contract_months\":24,\"monthly_wage_fen\":300000,"
     "\"social_insurance\":true},{\"cert_no\":\"@B\",\"contract_months\":12,\"monthly_wage_fen\":"
     "226000,\"social_insurance\":true},{\"cert_no\":\"@C\",\"contract_months\":36,"
     "\"monthly_wage_fen\":250000,\"social_insurance\":false}]}}"},
    {"recruitment.plan",
     "{\"event_id\":\"sasac-2025-1\",\"type\":\"recruitment.plan\",\"occurred_on\":\"2025-01-10\","
     "\"district\":\"320700\",\"payload\":{\"employer_code\":\"#E\",\"employer_kind\":\"soe\","
     "\"year\":2025,\"positions_total\":200,\"positions_reserved\":3}}"},
    {"public_welfare_posts.created",
     "{\"event_id\":\"hrss-pwp-2024\",\"type\":\"public_welfare_posts.created\","
     "\"occurred_on\":\"2024-02-01\",\"district\":\"320723\",\"payload\":{\"year\":2024,"
     "\"posts_total\":100,\"posts_for_disabled\":10}}"},
    {"service.delivered",
     "{\"event_id\":\"dpf-svc-88\",\"type\":\"service.delivered\",\"occurred_on\":\"2024-03-15\","
     "\"district\":\"320706\",\"payload\":{\"cert_no\":\"@A\",\"service\":\"info_check\","
     "\"staff_id\":\"hz-staff-007\"}}"},
    {"vacancy.posted",
     "{\"event_id\":\"job-2024-001\",\"type\":\"vacancy.posted\",\"occurred_on\":\"2024-06-01\","
     "\"district\":\"320706\",\"payload\":{\"vacancy_id\":\"hz:vac/2024-001\",\"employer_code\":"
     "\"#E\",\"title\":\"盲人按摩师\",\"positions\":3,\"categories\":[1,4],\"max_severity\":2,"
     "\"course\":\"blind_massage\",\"monthly_wage_fen\":350000,\"open_until\":\"2024-12-31\"}}"},
    {"vacancy.closed",
     "{\"event_id\":\"job-2024-001-close\",\"type\":\"vacancy.closed\",\"occurred_on\":\"2024-10-01\","
     "\"district\":\"320706\",\"payload\":{\"vacancy_id\":\"hz:vac/2024-001\",\"employer_code\":"
     "\"#E\",\"filled\":2}}"},
};
#define N_EXAMPLES (sizeof EXAMPLES / sizeof EXAMPLES[0])

/* The template with its placeholders replaced; caller frees. */
static char *expand(const char *t) {
    size_t cap = strlen(t) * 2 + 64, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (; *t; t++) {
        const char *sub = NULL;
        if (*t == '@' && t[1] == 'A') sub = CERT_A;
        if (*t == '@' && t[1] == 'B') sub = CERT_B;
        if (*t == '@' && t[1] == 'C') sub = CERT_C;
        if (*t == '#' && t[1] == 'E') sub = CODE_EMP;
        if (*t == '#' && t[1] == 'P') sub = CODE_PROV;
        if (*t == '#' && t[1] == 'G') sub = CODE_AGENCY;
        if (*t == '#' && t[1] == 'S') sub = CODE_BASE;
        if (*t == '#' && t[1] == 'U') sub = CODE_BIZ;
        size_t add = sub ? strlen(sub) : 1;
        assert_true(n + add + 1 < cap);
        if (sub) {
            memcpy(out + n, sub, add);
            t++;
        } else {
            out[n] = *t;
        }
        n += add;
    }
    out[n] = '\0';
    return out;
}

static json_t *load(const char *template) {
    char *text = expand(template);
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) print_error("bad JSON in test: %s: %s\n", je.text, text);
    free(text);
    assert_non_null(j);
    return j;
}

static json_t *example(const char *type) {
    for (size_t i = 0; i < N_EXAMPLES; i++)
        if (strcmp(EXAMPLES[i].type, type) == 0) return load(EXAMPLES[i].json);
    print_error("no example of type %s\n", type);
    fail();
    return NULL;
}

static char *dump(const json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    assert_non_null(s);
    return s;
}

/* Set a string of a decoded event the way intake sets source: event_from_json promises
 * that every string, even an empty one, is malloc'd. */
static void replace(char **slot, const char *value) {
    assert_ptr_not_equal(*slot, protobuf_c_empty_string);
    free(*slot);
    *slot = strdup(value);
    assert_non_null(*slot);
}

/* ---- round trips --------------------------------------------------------------------- */

static void round_trip(const char *type) {
    char err[256] = "";
    json_t *in = example(type);
    Jiuye__Event *ev = event_from_json(in, TODAY, err, sizeof err);
    if (!ev) print_error("%s: %s\n", type, err);
    assert_non_null(ev);
    assert_string_equal(ev->type, type);
    assert_string_equal(ev->source, "");
    assert_string_equal(ev->received_at, "");
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), 0);

    /* JSON -> event -> JSON: the same canonical text, key order included. */
    json_t *out = event_to_json(ev);
    assert_non_null(out);
    char *a = dump(in), *b = dump(out);
    assert_string_equal(b, a);

    /* Every field of the payload message is covered by the codec's tables. */
    const ProtobufCFieldDescriptor *pf =
        protobuf_c_message_descriptor_get_field(&jiuye__event__descriptor, ev->payload_case);
    assert_non_null(pf);
    const ProtobufCMessageDescriptor *pd = pf->descriptor;
    assert_int_equal(json_object_size(json_object_get(out, "payload")), pd->n_fields);
    assert_int_equal(json_object_size(out), 5);

    /* protobuf wire -> validate -> the same JSON. */
    size_t len = jiuye__event__get_packed_size(ev);
    uint8_t *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    assert_int_equal(jiuye__event__pack(ev, buf), len);
    Jiuye__Event *back = jiuye__event__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_int_equal(event_validate(back, TODAY, err, sizeof err), 0);
    json_t *out2 = event_to_json(back);
    assert_non_null(out2);
    char *c = dump(out2);
    assert_string_equal(c, a);

    free(a), free(b), free(c), free(buf);
    json_decref(in), json_decref(out), json_decref(out2);
    jiuye__event__free_unpacked(ev, NULL);
    jiuye__event__free_unpacked(back, NULL);
}

#define ROUND_TRIP_TEST(fn, type) \
    static void fn(void **state) { (void)state; round_trip(type); }
ROUND_TRIP_TEST(test_valid_person_registered, "person.registered")
ROUND_TRIP_TEST(test_valid_training_completed, "training.completed")
ROUND_TRIP_TEST(test_valid_employment_started, "employment.started")
ROUND_TRIP_TEST(test_valid_employment_ended, "employment.ended")
ROUND_TRIP_TEST(test_valid_business_started, "business.started")
ROUND_TRIP_TEST(test_valid_graduate_registered, "graduate.registered")
ROUND_TRIP_TEST(test_valid_internship_completed, "internship.completed")
ROUND_TRIP_TEST(test_valid_education_enrolled, "education.enrolled")
ROUND_TRIP_TEST(test_valid_employer_annual_report, "employer.annual_report")
ROUND_TRIP_TEST(test_valid_recruitment_plan, "recruitment.plan")
ROUND_TRIP_TEST(test_valid_public_welfare_posts_created, "public_welfare_posts.created")
ROUND_TRIP_TEST(test_valid_service_delivered, "service.delivered")
ROUND_TRIP_TEST(test_valid_vacancy_posted, "vacancy.posted")
ROUND_TRIP_TEST(test_valid_vacancy_closed, "vacancy.closed")

static void test_examples_cover_every_type(void **state) {
    (void)state;
    /* One example per oneof member of Event: 14 types of docs/policy.md §5. */
    size_t payloads = 0;
    for (unsigned i = 0; i < jiuye__event__descriptor.n_fields; i++)
        if (jiuye__event__descriptor.fields[i].type == PROTOBUF_C_TYPE_MESSAGE) payloads++;
    assert_int_equal(payloads, 14);
    assert_int_equal(N_EXAMPLES, 14);
}

static void test_helpers_match_known_codes(void **state) {
    (void)state;
    char code[19];
    make_credit("91350100M000100Y4", code);
    assert_string_equal(code, "91350100M000100Y43");
    char err[128];
    assert_int_equal(credit_code_check(code, err, sizeof err), 0);
    assert_int_equal(cert_no_parse(CERT_A, NULL, err, sizeof err), 0);
}

static void test_decoded_values(void **state) {
    (void)state;
    char err[256];
    json_t *j = example("training.completed");
    Jiuye__Event *ev = event_from_json(j, TODAY, err, sizeof err);
    assert_non_null(ev);
    assert_int_equal(ev->payload_case, JIUYE__EVENT__PAYLOAD_TRAINING_COMPLETED);
    assert_string_equal(ev->training_completed->cert_no, CERT_A);
    assert_string_equal(ev->training_completed->provider_code, CODE_PROV);
    assert_int_equal(ev->training_completed->hours, 60);
    assert_int_equal(ev->training_completed->cost_fen, 180000);
    assert_string_equal(ev->occurred_on, "2024-05-10");
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(j);

    j = example("employer.annual_report");
    ev = event_from_json(j, TODAY, err, sizeof err);
    assert_non_null(ev);
    Jiuye__EmployerAnnualReport *r = ev->employer_annual_report;
    assert_int_equal(r->n_disabled_staff, 3);
    assert_string_equal(r->disabled_staff[1]->cert_no, CERT_B);
    assert_int_equal(r->disabled_staff[1]->monthly_wage_fen, 226000);
    assert_false(r->disabled_staff[2]->social_insurance);
    assert_true(r->disabled_staff[0]->social_insurance);
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(j);

    j = example("vacancy.posted");
    ev = event_from_json(j, TODAY, err, sizeof err);
    assert_non_null(ev);
    assert_int_equal(ev->vacancy_posted->n_categories, 2);
    assert_int_equal(ev->vacancy_posted->categories[1], 4);
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(j);
}

/* ---- mutations ----------------------------------------------------------------------- */

/* Set (value != NULL, stolen) or delete (value == NULL) the member at path in root:
 * "event_id", "payload.hours", "payload.disabled_staff[1].cert_no", "payload.categories[0]". */
static void mutate(json_t *root, const char *path, json_t *value) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    char *seg = buf;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot) *dot = '\0';
        char *br = strchr(seg, '[');
        long idx = -1;
        if (br) {
            *br = '\0';
            idx = strtol(br + 1, NULL, 10);
        }
        if (!dot) { /* last segment */
            if (idx < 0) {
                if (value)
                    assert_int_equal(json_object_set_new(cur, seg, value), 0);
                else
                    assert_int_equal(json_object_del(cur, seg), 0);
            } else {
                json_t *arr = json_object_get(cur, seg);
                assert_non_null(arr);
                if (value)
                    assert_int_equal(json_array_set_new(arr, (size_t)idx, value), 0);
                else
                    assert_int_equal(json_array_remove(arr, (size_t)idx), 0);
            }
            return;
        }
        cur = json_object_get(cur, seg);
        if (idx >= 0) cur = json_array_get(cur, (size_t)idx);
        assert_non_null(cur);
        seg = dot + 1;
    }
}

typedef struct mutation {
    const char *type;  /* example to start from */
    const char *path;  /* member to change */
    const char *value; /* JSON text (placeholders allowed); NULL deletes the member */
    const char *want;  /* exact error; NULL: the event must be accepted */
} mutation_t;

/* Decode the mutated example; returns the event (or NULL) and leaves the error in err. */
static Jiuye__Event *decode_mutated(const mutation_t *m, char *err, size_t errlen) {
    json_t *j = example(m->type);
    mutate(j, m->path, m->value ? load(m->value) : NULL);
    err[0] = '\0';
    Jiuye__Event *ev = event_from_json(j, TODAY, err, errlen);
    json_decref(j);
    return ev;
}

static void run_mutations(const mutation_t *ms, size_t n) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char err[256];
        Jiuye__Event *ev = decode_mutated(&ms[i], err, sizeof err);
        if (ms[i].want == NULL) {
            if (!ev) {
                print_error("case %zu (%s %s): rejected: %s\n", i, ms[i].type, ms[i].path, err);
                failures++;
            }
        } else if (ev) {
            print_error("case %zu (%s %s): accepted, want '%s'\n", i, ms[i].type, ms[i].path,
                        ms[i].want);
            failures++;
        } else if (strcmp(err, ms[i].want) != 0) {
            print_error("case %zu (%s %s):\n   got '%s'\n  want '%s'\n", i, ms[i].type,
                        ms[i].path, err, ms[i].want);
            failures++;
        }
        if (ev) jiuye__event__free_unpacked(ev, NULL);
    }
    assert_int_equal(failures, 0);
}
#define RUN(table) run_mutations(table, sizeof table / sizeof table[0])

static void test_err_top_level(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"training.completed", "event_id", NULL, "event_id: required"},
        {"training.completed", "event_id", "\"\"", "event_id: required"},
        {"training.completed", "event_id", "42", "event_id: must be a string"},
        {"training.completed", "event_id", "\"a b\"",
         "event_id: must be 1-128 characters of A-Z a-z 0-9 . _ : / -"},
        {"training.completed", "event_id", "\"hrss#1\"",
         "event_id: must be 1-128 characters of A-Z a-z 0-9 . _ : / -"},
        {"training.completed", "type", NULL, "type: required"},
        {"training.completed", "type", "\"foo.bar\"", "type: unknown event type 'foo.bar'"},
        {"training.completed", "type", "\"Training.Completed\"",
         "type: unknown event type 'Training.Completed'"},
        {"training.completed", "occurred_on", "\"2027-01-01\"",
         "occurred_on: 2027-01-01 is later than today 2026-11-28"},
        {"training.completed", "occurred_on", "\"2026-11-29\"",
         "occurred_on: 2026-11-29 is later than today 2026-11-28"},
        {"training.completed", "occurred_on", "\"2026-11-28\"", NULL},
        {"training.completed", "occurred_on", "\"2024-02-30\"",
         "occurred_on: must be a real date YYYY-MM-DD"},
        {"training.completed", "occurred_on", "\"2024-5-10\"",
         "occurred_on: must be a real date YYYY-MM-DD"},
        {"training.completed", "occurred_on", "20240510", "occurred_on: must be a string"},
        {"training.completed", "district", "\"320799\"", "district: unknown district code '320799'"},
        {"training.completed", "district", "\"320700\"", NULL},
        {"training.completed", "district", NULL, "district: required"},
        {"training.completed", "source", "\"hrss\"", "source: unknown field"},
        {"training.completed", "received_at", "\"2024-05-10T00:00:00Z\"",
         "received_at: unknown field"},
        {"training.completed", "Event_ID", "\"x\"", "Event_ID: unknown field"},
        {"training.completed", "payload", NULL, "payload: required"},
        {"training.completed", "payload", "null", "payload: required"},
        {"training.completed", "payload", "[]", "payload: must be an object"},
        /* A payload of another type: its first field the type lacks is unknown. */
        {"person.registered", "type", "\"training.completed\"", "payload.name: unknown field"},
    };
    RUN(ms);
}

static void test_err_not_an_object(void **state) {
    (void)state;
    char err[128];
    json_t *a = json_array();
    assert_null(event_from_json(a, TODAY, err, sizeof err));
    assert_string_equal(err, "event: must be a JSON object");
    assert_null(event_from_json(NULL, TODAY, err, sizeof err));
    assert_string_equal(err, "event: must be a JSON object");
    json_decref(a);
    /* err may be NULL: the caller only wants yes or no. */
    json_t *j = example("training.completed");
    mutate(j, "payload.hours", json_integer(0));
    assert_null(event_from_json(j, TODAY, NULL, 0));
    json_decref(j);
}

static void test_err_required_and_types(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"training.completed", "payload.hours", NULL, "payload.hours: required"},
        {"training.completed", "payload.hours", "null", "payload.hours: required"},
        {"training.completed", "payload.cert_no", NULL, "payload.cert_no: required"},
        {"training.completed", "payload.cert_no", "\"\"", "payload.cert_no: required"},
        {"training.completed", "payload.hours", "\"60\"", "payload.hours: must be an integer"},
        {"training.completed", "payload.hours", "60.0", "payload.hours: must be an integer"},
        {"training.completed", "payload.hours", "true", "payload.hours: must be an integer"},
        {"training.completed", "payload.cost_fen", "1800.5",
         "payload.cost_fen: must be an integer"},
        {"training.completed", "payload.course", "3", "payload.course: must be a string"},
        {"person.registered", "payload.wants_job", "\"yes\"",
         "payload.wants_job: must be true or false"},
        {"person.registered", "payload.wants_job", "1",
         "payload.wants_job: must be true or false"},
        {"vacancy.posted", "payload.categories", "4", "payload.categories: must be a list"},
        {"vacancy.posted", "payload.categories", NULL, "payload.categories: required"},
        {"employer.annual_report", "payload.disabled_staff", "{}",
         "payload.disabled_staff: must be a list"},
        {"employer.annual_report", "payload.disabled_staff", NULL,
         "payload.disabled_staff: required"},
        {"employer.annual_report", "payload.disabled_staff", "[]", NULL},
        {"training.completed", "payload.foo", "1", "payload.foo: unknown field"},
        {"training.completed", "payload.Hours", "60", "payload.Hours: unknown field"},
        {"employer.annual_report", "payload.disabled_staff[0].grade", "2",
         "payload.disabled_staff[0].grade: unknown field"},
    };
    RUN(ms);
}

static void test_err_identities(void **state) {
    (void)state;
    char bad_cert[32], want_cert[128], bad_code[32], want_code[128], bad_staff[32],
        want_staff[128];
    /* cert_no with the wrong check digit: the message names the right one. */
    snprintf(bad_cert, sizeof bad_cert, "\"%s\"", CERT_A);
    char right = CERT_A[17];
    bad_cert[18] = right == '0' ? '1' : '0';
    snprintf(want_cert, sizeof want_cert, "payload.cert_no: check digit should be %c", right);
    /* credit code with the wrong check character. */
    snprintf(bad_code, sizeof bad_code, "\"%s\"", CODE_PROV);
    char rc = CODE_PROV[17];
    bad_code[18] = rc == '0' ? '1' : '0';
    snprintf(want_code, sizeof want_code,
             "payload.provider_code: check character should be '%c'", rc);
    /* the third disabled employee's cert_no with the wrong check digit. */
    snprintf(bad_staff, sizeof bad_staff, "\"%s\"", CERT_C);
    char rs = CERT_C[17];
    bad_staff[18] = rs == '0' ? '1' : '0';
    snprintf(want_staff, sizeof want_staff,
             "payload.disabled_staff[2].cert_no: check digit should be %c", rs);
    char cat_bad[32];
    snprintf(cat_bad, sizeof cat_bad, "\"%.18s82\"", CERT_A);

    const mutation_t ms[] = {
        {"training.completed", "payload.cert_no", bad_cert, want_cert},
        {"training.completed", "payload.provider_code", bad_code, want_code},
        {"employer.annual_report", "payload.disabled_staff[2].cert_no", bad_staff, want_staff},
        {"training.completed", "payload.cert_no", "\"3207061990030712\"",
         "payload.cert_no: must be 20 characters, got 16"},
        {"training.completed", "payload.cert_no", cat_bad,
         "payload.cert_no: category must be 1-7, got 8"},
        {"employment.started", "payload.agency_code", "\"91350100M000100Y44\"",
         "payload.agency_code: check character should be '3'"},
        {"employment.started", "payload.employer_code", "\"91350100M000100Y43\"", NULL},
    };
    RUN(ms);
}

static void test_err_enums_and_text(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"training.completed", "payload.course", "\"cooking\"",
         "payload.course: must be one of vocational, entrepreneurship, blind_massage, "
         "new_media, ecommerce, heritage_craft"},
        {"training.completed", "payload.certificate", "\"Level4\"",
         "payload.certificate: must be one of none, special, level5, level4, level3, level2, "
         "level1"},
        {"employment.started", "payload.channel", "\"public-welfare-post\"",
         "payload.channel: must be one of regular, public_welfare_post, auxiliary, "
         "self_employed, platform"},
        {"person.registered", "payload.employment_status", "\"retired\"",
         "payload.employment_status: must be one of unemployed, employed"},
        {"business.started", "payload.kind", "\"\"", "payload.kind: required"},
        {"employer.annual_report", "payload.employer_kind", "\"ngo\"",
         "payload.employer_kind: must be one of organ, institution, school, soe, private, "
         "social_org"},
        {"service.delivered", "payload.service", "\"followup\"",
         "payload.service: must be one of info_check, capability_assessment, "
         "demand_registration, employment_service, graduate_guidance"},
        {"vacancy.posted", "payload.course", "\"knitting\"",
         "payload.course: must be one of vocational, entrepreneurship, blind_massage, "
         "new_media, ecommerce, heritage_craft"},
        {"person.registered", "payload.name", "\"\"", "payload.name: required"},
        {"person.registered", "payload.name", "\"   \"", "payload.name: must not be blank"},
        {"person.registered", "payload.name", "\"张\\t三\"",
         "payload.name: must not contain control characters"},
        {"person.registered", "payload.name", "\"张\\u0000三\"",
         "payload.name: must not contain NUL characters"},
        {"person.registered", "payload.name",
         /* 65 characters: 64 x 一 + 二 */
         "\"一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一"
         "一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一二\"",
         "payload.name: must be 1-64 characters, got 65"},
        {"person.registered", "payload.name",
         "\"一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一"
         "一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一一\"",
         NULL},
        {"service.delivered", "payload.staff_id", "\"\"", "payload.staff_id: required"},
        {"vacancy.posted", "payload.vacancy_id", "\"vac 1\"",
         "payload.vacancy_id: must be 1-64 characters of A-Z a-z 0-9 . _ : / -"},
        {"vacancy.closed", "payload.vacancy_id",
         "\"v123456789v123456789v123456789v123456789v123456789v123456789v1234\"",
         "payload.vacancy_id: must be 1-64 characters of A-Z a-z 0-9 . _ : / -"},
        {"employment.ended", "payload.reason", NULL, NULL},
        {"employment.ended", "payload.reason", "\"\"", NULL},
    };
    RUN(ms);
}

static void test_err_long_values(void **state) {
    (void)state;
    char id[140], title[300], reason[300];
    memset(id + 1, 'a', 129);
    id[0] = '"', id[130] = '"', id[131] = '\0'; /* 129 characters */
    memset(title + 1, 'x', 201);
    title[0] = '"', title[202] = '"', title[203] = '\0';
    memset(reason + 1, 'r', 201);
    reason[0] = '"', reason[202] = '"', reason[203] = '\0';
    const mutation_t ms[] = {
        {"training.completed", "event_id", id,
         "event_id: must be 1-128 characters of A-Z a-z 0-9 . _ : / -"},
        {"vacancy.posted", "payload.title", title, "payload.title: must be 1-200 characters, got 201"},
        {"employment.ended", "payload.reason", reason,
         "payload.reason: must be 0-200 characters, got 201"},
    };
    RUN(ms);
    id[129] = '"', id[130] = '\0'; /* 128 characters: accepted */
    const mutation_t ok[] = {{"training.completed", "event_id", id, NULL}};
    RUN(ok);
}

static void test_err_numbers(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"training.completed", "payload.hours", "0", "payload.hours: must be 1-10000"},
        {"training.completed", "payload.hours", "10001", "payload.hours: must be 1-10000"},
        {"training.completed", "payload.hours", "4294967356", "payload.hours: must be 1-10000"},
        {"training.completed", "payload.hours", "-60", "payload.hours: must be 1-10000"},
        {"training.completed", "payload.cost_fen", "-1",
         "payload.cost_fen: must be 0-10000000000 fen"},
        {"training.completed", "payload.cost_fen", "10000000001",
         "payload.cost_fen: must be 0-10000000000 fen"},
        {"training.completed", "payload.cost_fen", "0", NULL},
        {"employment.started", "payload.contract_months", "601",
         "payload.contract_months: must be 1-600"},
        {"internship.completed", "payload.months", "121", "payload.months: must be 1-120"},
        {"graduate.registered", "payload.graduation_year", "1999",
         "payload.graduation_year: must be a year 2000-2100"},
        {"education.enrolled", "payload.academic_year", "2101",
         "payload.academic_year: must be a year 2000-2100"},
        {"education.enrolled", "payload.tuition_fen", "-500",
         "payload.tuition_fen: must be 0-10000000000 fen"},
        {"employer.annual_report", "payload.staff_count", "-1",
         "payload.staff_count: must be 0-10000000"},
        {"employer.annual_report", "payload.avg_wage_fen", "-1",
         "payload.avg_wage_fen: must be 0-10000000000 fen"},
        {"employer.annual_report", "payload.disabled_staff[1].contract_months", "0",
         "payload.disabled_staff[1].contract_months: must be 1-600"},
        {"vacancy.posted", "payload.max_severity", "5", "payload.max_severity: must be 1-4"},
        {"vacancy.posted", "payload.max_severity", "0", "payload.max_severity: must be 1-4"},
        {"vacancy.posted", "payload.positions", "0", "payload.positions: must be 1-10000"},
        {"vacancy.closed", "payload.filled", "-1", "payload.filled: must be 0-10000"},
        {"vacancy.closed", "payload.filled", "0", NULL},
        {"recruitment.plan", "payload.positions_total", "0",
         "payload.positions_total: must be 1-1000000"},
        {"public_welfare_posts.created", "payload.posts_for_disabled", "-2",
         "payload.posts_for_disabled: must be 0-1000000"},
    };
    RUN(ms);
}

static void test_err_lists(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"vacancy.posted", "payload.categories", "[]",
         "payload.categories: must have 1-7 entries"},
        {"vacancy.posted", "payload.categories", "[1,2,3,4,5,6,7,1]",
         "payload.categories: must have 1-7 entries"},
        {"vacancy.posted", "payload.categories", "[1,2,3,4,5,6,7]", NULL},
        {"vacancy.posted", "payload.categories", "[0]", "payload.categories[0]: must be 1-7"},
        {"vacancy.posted", "payload.categories", "[1,8]", "payload.categories[1]: must be 1-7"},
        {"vacancy.posted", "payload.categories", "[1,\"4\"]",
         "payload.categories[1]: must be an integer"},
        {"vacancy.posted", "payload.categories", "[1,4,1]",
         "payload.categories[2]: 1 is listed twice"},
        {"employer.annual_report", "payload.disabled_staff[1]", "5",
         "payload.disabled_staff[1]: must be an object"},
        {"employer.annual_report", "payload.disabled_staff[1].cert_no", NULL,
         "payload.disabled_staff[1].cert_no: required"},
        {"employer.annual_report", "payload.disabled_staff[2].monthly_wage_fen", "\"x\"",
         "payload.disabled_staff[2].monthly_wage_fen: must be an integer"},
        {"employer.annual_report", "payload.disabled_staff[2].social_insurance", "null", NULL},
        {"employer.annual_report", "payload.disabled_staff[2].cert_no", "\"@A\"",
         "payload.disabled_staff[2].cert_no: same as disabled_staff[0]"},
        {"employer.annual_report", "payload.disabled_staff[1].cert_no", "\"@C\"",
         "payload.disabled_staff[2].cert_no: same as disabled_staff[1]"},
    };
    RUN(ms);
}

static void test_err_list_too_long(void **state) {
    (void)state;
    char err[256];
    json_t *j = example("employer.annual_report");
    json_t *staff = json_array();
    for (int i = 0; i < 10001; i++) json_array_append_new(staff, json_object());
    mutate(j, "payload.disabled_staff", staff);
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "payload.disabled_staff: must have 0-10000 entries");
    json_decref(j);
}

static void test_err_cross_field(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"recruitment.plan", "payload.positions_reserved", "201",
         "payload.positions_reserved: 201 is more than positions_total 200"},
        {"recruitment.plan", "payload.positions_reserved", "200", NULL},
        {"public_welfare_posts.created", "payload.posts_for_disabled", "101",
         "payload.posts_for_disabled: 101 is more than posts_total 100"},
        {"employer.annual_report", "payload.year", "2026",
         "payload.year: 2026 is after the year of occurred_on 2025-03-15"},
        {"employer.annual_report", "payload.year", "2025", NULL},
        {"employer.annual_report", "payload.staff_count", "2",
         "payload.disabled_staff: 3 entries but staff_count is 2"},
        {"vacancy.posted", "payload.open_until", "\"2024-05-31\"",
         "payload.open_until: 2024-05-31 is before occurred_on 2024-06-01"},
        {"vacancy.posted", "payload.open_until", "\"2024-06-01\"", NULL},
        {"vacancy.posted", "payload.open_until", "\"2024-13-01\"",
         "payload.open_until: must be a real date YYYY-MM-DD"},
    };
    RUN(ms);
}

static void test_optional_fields(void **state) {
    (void)state;
    char err[256];
    /* Booleans may be absent (false); agency_code and course may be absent, null or "". */
    json_t *j = example("person.registered");
    mutate(j, "payload.wants_job", NULL);
    mutate(j, "payload.hard_to_employ", json_null());
    Jiuye__Event *ev = event_from_json(j, TODAY, err, sizeof err);
    assert_non_null(ev);
    assert_false(ev->person_registered->wants_job);
    assert_false(ev->person_registered->hard_to_employ);
    json_t *out = event_to_json(ev);
    assert_true(json_is_false(json_object_get(json_object_get(out, "payload"), "wants_job")));
    assert_true(
        json_is_false(json_object_get(json_object_get(out, "payload"), "hard_to_employ")));
    json_decref(out), json_decref(j);
    jiuye__event__free_unpacked(ev, NULL);

    const char *agency[] = {NULL, "null", "\"\""};
    for (int i = 0; i < 3; i++) {
        j = example("employment.started");
        mutate(j, "payload.agency_code", agency[i] ? load(agency[i]) : NULL);
        ev = event_from_json(j, TODAY, err, sizeof err);
        assert_non_null(ev);
        assert_string_equal(ev->employment_started->agency_code, "");
        replace(&ev->employment_started->agency_code, ""); /* malloc'd even when absent */
        out = event_to_json(ev);
        assert_non_null(out);
        assert_null(json_object_get(json_object_get(out, "payload"), "agency_code"));
        assert_int_equal(json_object_size(json_object_get(out, "payload")), 6);
        json_decref(out), json_decref(j);
        jiuye__event__free_unpacked(ev, NULL);
    }

    j = example("vacancy.posted");
    mutate(j, "payload.course", NULL);
    ev = event_from_json(j, TODAY, err, sizeof err);
    assert_non_null(ev);
    out = event_to_json(ev);
    assert_null(json_object_get(json_object_get(out, "payload"), "course"));
    json_decref(out), json_decref(j);
    jiuye__event__free_unpacked(ev, NULL);
}

static void test_first_error_wins(void **state) {
    (void)state;
    char err[256];
    /* Unknown keys are reported before missing or bad ones, at each level. */
    json_t *j = example("training.completed");
    mutate(j, "event_id", NULL);
    mutate(j, "source", json_string("x"));
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "source: unknown field");
    json_decref(j);

    j = example("training.completed");
    mutate(j, "payload.hours", json_string("60"));
    mutate(j, "payload.hour", json_integer(60));
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "payload.hour: unknown field");
    json_decref(j);

    /* Then the envelope in order, then the payload in §5 order. */
    j = example("training.completed");
    mutate(j, "type", json_string("nope"));
    mutate(j, "event_id", json_string(""));
    mutate(j, "payload.cert_no", NULL);
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "event_id: required");
    json_decref(j);

    j = example("training.completed");
    mutate(j, "district", json_string("110000"));
    mutate(j, "payload.hours", json_integer(0));
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "district: unknown district code '110000'");
    json_decref(j);

    j = example("training.completed");
    mutate(j, "payload.cost_fen", json_integer(-1));
    mutate(j, "payload.hours", json_integer(0));
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "payload.hours: must be 1-10000");
    json_decref(j);
}

static void test_unsafe_text_is_not_echoed(void **state) {
    (void)state;
    char err[256];
    /* Unknown names and types are quoted as printable ASCII only, at most 64 characters. */
    json_t *j = example("training.completed");
    mutate(j, "type", json_string("培训.completed\n"));
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "type: unknown event type '??????.completed?'");
    json_decref(j);

    j = example("training.completed");
    char longkey[200], want[128];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(json_object_set_new(json_object_get(j, "payload"), longkey, json_true()), 0);
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    snprintf(want, sizeof want, "payload.%.64s: unknown field", longkey);
    assert_string_equal(err, want);
    json_decref(j);

    /* A key with a NUL inside is not taken for the known key it starts with. */
    j = example("training.completed");
    assert_int_equal(json_object_setn_new(json_object_get(j, "payload"), "hours\0x", 7,
                                          json_integer(1)), 0);
    assert_null(event_from_json(j, TODAY, err, sizeof err));
    assert_string_equal(err, "payload.hours?x: unknown field");
    json_decref(j);
}

static void test_event_json_id(void **state) {
    (void)state;
    json_t *j = example("training.completed");
    assert_string_equal(event_json_id(j), "hrss-2024-000123");
    mutate(j, "event_id", json_integer(5));
    assert_null(event_json_id(j));
    mutate(j, "event_id", NULL);
    assert_null(event_json_id(j));
    json_decref(j);
    json_t *a = json_array();
    assert_null(event_json_id(a));
    assert_null(event_json_id(NULL));
    json_decref(a);
}

/* ---- protobuf path ------------------------------------------------------------------- */

static Jiuye__Event *decoded(const char *type) {
    char err[256];
    json_t *j = example(type);
    Jiuye__Event *ev = event_from_json(j, TODAY, err, sizeof err);
    json_decref(j);
    assert_non_null(ev);
    return ev;
}


static void test_validate_proto_values(void **state) {
    (void)state;
    char err[256];
    Jiuye__Event *ev = decoded("training.completed");
    ev->training_completed->hours = 0;
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.hours: must be 1-10000");
    ev->training_completed->hours = 60;
    replace(&ev->training_completed->course, "");
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.course: required");
    replace(&ev->training_completed->course, "vocational");
    replace(&ev->occurred_on, "2027-01-01");
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "occurred_on: 2027-01-01 is later than today 2026-11-28");
    replace(&ev->occurred_on, "2024-05-10");
    /* source and received_at are intake's: allowed on the protobuf path. */
    replace(&ev->source, "hrss");
    replace(&ev->received_at, "2024-05-10T01:02:03Z");
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), 0);
    json_t *out = event_to_json(ev);
    assert_null(json_object_get(out, "source"));
    json_decref(out);
    /* type and payload disagree */
    replace(&ev->type, "person.registered");
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err,
                        "payload: type person.registered needs person_registered, got "
                        "training_completed");
    jiuye__event__free_unpacked(ev, NULL);

    ev = decoded("employer.annual_report");
    replace(&ev->employer_annual_report->disabled_staff[1]->cert_no,
            ev->employer_annual_report->disabled_staff[0]->cert_no);
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.disabled_staff[1].cert_no: same as disabled_staff[0]");
    ev->employer_annual_report->disabled_staff[1]->contract_months = 700;
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.disabled_staff[1].contract_months: must be 1-600");
    jiuye__event__free_unpacked(ev, NULL);

    ev = decoded("vacancy.posted");
    ev->vacancy_posted->categories[1] = 1;
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.categories[1]: 1 is listed twice");
    ev->vacancy_posted->n_categories = 0;
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.categories: must have 1-7 entries");
    ev->vacancy_posted->n_categories = 2;
    jiuye__event__free_unpacked(ev, NULL);
}

static void test_validate_proto_shapes(void **state) {
    (void)state;
    char err[256];
    Jiuye__Event ev = JIUYE__EVENT__INIT;
    ev.event_id = "zmq-1";
    ev.type = "person.registered";
    ev.occurred_on = "2024-03-01";
    ev.district = "320706";
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload: required");
    assert_null(event_to_json(&ev));

    Jiuye__PersonRegistered p = JIUYE__PERSON_REGISTERED__INIT;
    ev.payload_case = JIUYE__EVENT__PAYLOAD_PERSON_REGISTERED;
    ev.person_registered = &p;
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.cert_no: required");
    p.cert_no = CERT_A;
    p.name = "\xff\xfe";
    p.employment_status = "employed";
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.name: must be valid UTF-8");
    assert_null(event_to_json(&ev)); /* not UTF-8: no JSON */
    p.name = "李四";
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), 0);
    json_t *out = event_to_json(&ev);
    assert_non_null(out);
    assert_string_equal(json_string_value(json_object_get(out, "type")), "person.registered");
    json_decref(out);

    ev.event_id = "";
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "event_id: required");
    ev.event_id = "zmq-1";
    ev.type = "vacancy.closed";
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err,
                        "payload: type vacancy.closed needs vacancy_closed, got person_registered");
    ev.person_registered = NULL;
    ev.type = "person.registered";
    assert_int_equal(event_validate(&ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload: required");
    assert_int_equal(event_validate(NULL, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "event: missing");
}

/* ---- unchecked decoding (event_from_json_lenient) ----------------------------------- */

/* What a ZeroMQ client built with the lenient decoder makes the server say: decode the
 * mutated example without checks, then event_validate it. want NULL: valid. */
static void run_lenient(const mutation_t *ms, size_t n) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char err[256] = "";
        json_t *j = example(ms[i].type);
        mutate(j, ms[i].path, ms[i].value ? load(ms[i].value) : NULL);
        Jiuye__Event *ev = event_from_json_lenient(j);
        json_decref(j);
        assert_non_null(ev);
        int rc = event_validate(ev, TODAY, err, sizeof err);
        if (ms[i].want == NULL && rc != 0) {
            print_error("case %zu (%s %s): rejected: %s\n", i, ms[i].type, ms[i].path, err);
            failures++;
        } else if (ms[i].want && (rc == 0 || strcmp(err, ms[i].want) != 0)) {
            print_error("case %zu (%s %s):\n   got '%s'\n  want '%s'\n", i, ms[i].type,
                        ms[i].path, rc == 0 ? "(valid)" : err, ms[i].want);
            failures++;
        }
        jiuye__event__free_unpacked(ev, NULL);
    }
    assert_int_equal(failures, 0);
}

static void test_lenient_valid_examples(void **state) {
    (void)state;
    char err[256] = "";
    for (size_t i = 0; i < N_EXAMPLES; i++) {
        json_t *in = load(EXAMPLES[i].json);
        Jiuye__Event *ev = event_from_json_lenient(in);
        assert_non_null(ev);
        if (event_validate(ev, TODAY, err, sizeof err) != 0)
            print_error("%s: %s\n", EXAMPLES[i].type, err);
        assert_int_equal(event_validate(ev, TODAY, err, sizeof err), 0);
        json_t *out = event_to_json(ev);
        assert_non_null(out);
        char *a = dump(in), *b = dump(out);
        assert_string_equal(b, a); /* the same event as the checked decoder makes */
        /* Every string is malloc'd, as event_from_json promises. */
        replace(&ev->source, "hrss");
        replace(&ev->received_at, "2024-05-10T01:02:03Z");
        free(a), free(b);
        json_decref(in), json_decref(out);
        jiuye__event__free_unpacked(ev, NULL);
    }
}

static void test_lenient_leaves_checks_to_validate(void **state) {
    (void)state;
    static const mutation_t ms[] = {
        {"training.completed", "type", "\"foo.bar\"", "type: unknown event type 'foo.bar'"},
        {"training.completed", "district", "\"320799\"",
         "district: unknown district code '320799'"},
        {"training.completed", "occurred_on", "\"2024-02-30\"",
         "occurred_on: must be a real date YYYY-MM-DD"},
        {"training.completed", "occurred_on", "\"2027-01-01\"",
         "occurred_on: 2027-01-01 is later than today 2026-11-28"},
        {"training.completed", "event_id", "42", "event_id: required"},
        {"training.completed", "payload", NULL, "payload: required"},
        {"training.completed", "payload", "[]", "payload: required"},
        {"training.completed", "payload.cert_no", NULL, "payload.cert_no: required"},
        {"training.completed", "payload.course", "\"cooking\"",
         "payload.course: must be one of vocational, entrepreneurship, blind_massage, "
         "new_media, ecommerce, heritage_craft"},
        {"training.completed", "payload.cost_fen", "-1",
         "payload.cost_fen: must be 0-10000000000 fen"},
        /* A value of the wrong JSON type is left at 0; a huge one is clamped, not wrapped
         * (4294967356 = 2^32 + 60 would wrap to a valid 60). */
        {"training.completed", "payload.hours", "\"60\"", "payload.hours: must be 1-10000"},
        {"training.completed", "payload.hours", "4294967356", "payload.hours: must be 1-10000"},
        {"training.completed", "payload.hours", "-4294967236", "payload.hours: must be 1-10000"},
        {"vacancy.posted", "payload.categories", "[1,2,3,4,5,6,7,1]",
         "payload.categories: must have 1-7 entries"},
        {"vacancy.posted", "payload.categories", "[1,8]", "payload.categories[1]: must be 1-7"},
        {"vacancy.posted", "payload.categories", "[1,\"4\"]",
         "payload.categories[1]: must be 1-7"},
        {"vacancy.posted", "payload.categories", "4", "payload.categories: must have 1-7 entries"},
        {"employer.annual_report", "payload.disabled_staff[1]", "5",
         "payload.disabled_staff[1].cert_no: required"},
        {"employer.annual_report", "payload.disabled_staff[2].cert_no", "\"@A\"",
         "payload.disabled_staff[2].cert_no: same as disabled_staff[0]"},
        {"recruitment.plan", "payload.positions_reserved", "201",
         "payload.positions_reserved: 201 is more than positions_total 200"},
        /* What protobuf cannot carry is dropped, not refused. */
        {"training.completed", "payload.foo", "1", NULL},
        {"training.completed", "source", "\"hrss\"", NULL},
        {"person.registered", "payload.wants_job", "\"yes\"", NULL},
    };
    run_lenient(ms, sizeof ms / sizeof ms[0]);

    char err[256];
    /* An unknown type keeps its string and carries no payload. */
    json_t *j = example("training.completed");
    mutate(j, "type", json_string("no.such"));
    Jiuye__Event *ev = event_from_json_lenient(j);
    assert_non_null(ev);
    assert_string_equal(ev->type, "no.such");
    assert_int_equal(ev->payload_case, JIUYE__EVENT__PAYLOAD__NOT_SET);
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(j);

    /* Not an object: an empty event, which the receiver rejects. */
    json_t *a = json_array();
    ev = event_from_json_lenient(a);
    assert_non_null(ev);
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "event_id: required");
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(a);
    ev = event_from_json_lenient(NULL);
    assert_non_null(ev);
    assert_string_equal(ev->event_id, "");
    jiuye__event__free_unpacked(ev, NULL);

    /* A list over its maximum travels whole and is refused by the receiver. */
    j = example("employer.annual_report");
    json_t *staff = json_array();
    for (int i = 0; i < 10001; i++) json_array_append_new(staff, json_object());
    mutate(j, "payload.disabled_staff", staff);
    ev = event_from_json_lenient(j);
    assert_non_null(ev);
    assert_int_equal(ev->employer_annual_report->n_disabled_staff, 10001);
    assert_int_equal(event_validate(ev, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "payload.disabled_staff: must have 0-10000 entries");
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(j);
}

static void test_event_type_names(void **state) {
    (void)state;
    assert_int_equal(EVENT_TYPE_COUNT, N_EXAMPLES);
    for (int i = 0; i < EVENT_TYPE_COUNT; i++) {
        assert_string_equal(event_type_name(i), EXAMPLES[i].type); /* §5 order */
        assert_int_equal(event_type_index(EXAMPLES[i].type), i);
    }
    assert_null(event_type_name(-1));
    assert_null(event_type_name(EVENT_TYPE_COUNT));
    assert_int_equal(event_type_index("no.such"), -1);
    assert_int_equal(event_type_index(""), -1);
    assert_int_equal(event_type_index(NULL), -1);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_cover_every_type),
        cmocka_unit_test(test_helpers_match_known_codes),
        cmocka_unit_test(test_valid_person_registered),
        cmocka_unit_test(test_valid_training_completed),
        cmocka_unit_test(test_valid_employment_started),
        cmocka_unit_test(test_valid_employment_ended),
        cmocka_unit_test(test_valid_business_started),
        cmocka_unit_test(test_valid_graduate_registered),
        cmocka_unit_test(test_valid_internship_completed),
        cmocka_unit_test(test_valid_education_enrolled),
        cmocka_unit_test(test_valid_employer_annual_report),
        cmocka_unit_test(test_valid_recruitment_plan),
        cmocka_unit_test(test_valid_public_welfare_posts_created),
        cmocka_unit_test(test_valid_service_delivered),
        cmocka_unit_test(test_valid_vacancy_posted),
        cmocka_unit_test(test_valid_vacancy_closed),
        cmocka_unit_test(test_decoded_values),
        cmocka_unit_test(test_err_top_level),
        cmocka_unit_test(test_err_not_an_object),
        cmocka_unit_test(test_err_required_and_types),
        cmocka_unit_test(test_err_identities),
        cmocka_unit_test(test_err_enums_and_text),
        cmocka_unit_test(test_err_long_values),
        cmocka_unit_test(test_err_numbers),
        cmocka_unit_test(test_err_lists),
        cmocka_unit_test(test_err_list_too_long),
        cmocka_unit_test(test_err_cross_field),
        cmocka_unit_test(test_optional_fields),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_unsafe_text_is_not_echoed),
        cmocka_unit_test(test_event_json_id),
        cmocka_unit_test(test_validate_proto_values),
        cmocka_unit_test(test_validate_proto_shapes),
        cmocka_unit_test(test_lenient_valid_examples),
        cmocka_unit_test(test_lenient_leaves_checks_to_validate),
        cmocka_unit_test(test_event_type_names),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup_group, NULL);
}
