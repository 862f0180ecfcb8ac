/* fuzz_event_json.c: libFuzzer target for intake's JSON event decoder (event_from_json).
 *
 * Feeds arbitrary bytes through the HTTP path of intake: jansson parses them as intake does
 * (json_loadb, JSON_REJECT_DUPLICATES), and every object goes to event_from_json with a fixed
 * today (FUZZ_TODAY, also exported as JIUYE_TODAY so that cert_no birth dates are judged
 * against the same day on every run). Besides ASan/UBSan/LeakSanitizer findings, these
 * properties of event_codec.h are checked, and a violation aborts (libFuzzer saves the input):
 *
 *   rejected: err holds "field: reason" (non-empty, contains ": ").
 *   accepted: event_validate accepts the event (both paths agree); event_to_json gives its
 *             canonical JSON; the event survives protobuf pack/unpack (validate accepts the
 *             copy, whose canonical JSON is the same string); and the canonical JSON decodes
 *             again to an event with the same canonical JSON (it is a fixed point).
 *
 * Build and run: `make fuzz` (with the dictionary tests/fuzz/event_json.dict). The seeds in
 * tests/fuzz/corpus/event_json/ are valid-*.json, the examples of tests/unit/test_event_codec.c
 * (one per type of docs/policy.md §5, plus a null optional field), and invalid-*.json, one
 * broken rule each. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event_codec.h"

#define FUZZ_TODAY "2026-06-30"
#define ERR_LEN 320 /* as ingest_item_t.error */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jdate_t today;

/* A violated property: say which, with the evidence, and abort so libFuzzer keeps the input. */
#define REQUIRE(cond, ...)                                                                  \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "fuzz_event_json: %s:%d: property failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                                       \
            fprintf(stderr, "  " __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                            \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    if (setenv("JIUYE_TODAY", FUZZ_TODAY, 1) != 0 || date_parse(FUZZ_TODAY, &today) != 0) {
        fprintf(stderr, "fuzz_event_json: cannot fix today to %s\n", FUZZ_TODAY);
        abort();
    }
    return 0;
}

/* The canonical JSON of ev as a compact string; caller frees. Aborts if there is none. */
static char *canonical(const Jiuye__Event *ev, const char *what) {
    json_t *j = event_to_json(ev);
    REQUIRE(j != NULL, "event_to_json returned NULL for the %s", what);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    REQUIRE(s != NULL, "json_dumps failed on the canonical JSON of the %s", what);
    return s;
}

/* Pack ev, unpack it again, and check the copy against canon. */
static void check_protobuf_round_trip(const Jiuye__Event *ev, const char *canon) {
    char err[ERR_LEN] = "";
    size_t len = jiuye__event__get_packed_size(ev);
    uint8_t *buf = malloc(len ? len : 1);
    REQUIRE(buf != NULL, "out of memory packing %zu bytes", len);
    size_t packed = jiuye__event__pack(ev, buf);
    REQUIRE(packed == len, "packed %zu bytes, get_packed_size said %zu", packed, len);
    Jiuye__Event *copy = jiuye__event__unpack(NULL, len, buf);
    REQUIRE(copy != NULL, "unpacking the packed event failed; canonical: %s", canon);
    REQUIRE(event_validate(copy, today, err, sizeof err) == 0,
            "event_validate rejects the unpacked copy: %s; canonical: %s", err, canon);
    char *again = canonical(copy, "unpacked copy");
    REQUIRE(strcmp(again, canon) == 0,
            "canonical JSON changed over protobuf:\n  before %s\n  after  %s", canon, again);
    free(again);
    jiuye__event__free_unpacked(copy, NULL);
    free(buf);
}

/* Decode the canonical JSON again: it must be accepted and canonicalize to itself. */
static void check_fixed_point(const char *canon) {
    char err[ERR_LEN] = "";
    json_error_t jerr;
    json_t *doc = json_loads(canon, JSON_REJECT_DUPLICATES, &jerr);
    REQUIRE(doc != NULL, "canonical JSON does not parse (%s): %s", jerr.text, canon);
    Jiuye__Event *ev = event_from_json(doc, today, err, sizeof err);
    REQUIRE(ev != NULL, "event_from_json rejects its own canonical JSON: %s; canonical: %s", err,
            canon);
    char *again = canonical(ev, "decoded canonical JSON");
    REQUIRE(strcmp(again, canon) == 0,
            "canonical JSON is not a fixed point:\n  first  %s\n  second %s", canon, again);
    free(again);
    jiuye__event__free_unpacked(ev, NULL);
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) return 0;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return 0;
    }
    char err[ERR_LEN] = "";
    Jiuye__Event *ev = event_from_json(doc, today, err, sizeof err);
    if (!ev) {
        REQUIRE(err[0] != '\0', "event_from_json returned NULL without an error");
        REQUIRE(strstr(err, ": ") != NULL, "error is not \"field: reason\": %s", err);
    } else {
        REQUIRE(event_validate(ev, today, err, sizeof err) == 0,
                "event_validate rejects what event_from_json accepted: %s", err);
        char *canon = canonical(ev, "decoded event");
        check_protobuf_round_trip(ev, canon);
        check_fixed_point(canon);
        free(canon);
        jiuye__event__free_unpacked(ev, NULL);
    }
    json_decref(doc);
    return 0;
}
