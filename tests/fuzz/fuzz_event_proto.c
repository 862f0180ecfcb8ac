/* fuzz_event_proto.c: libFuzzer target for intake's protobuf event path (event_validate).
 *
 * Feeds arbitrary bytes through the ZeroMQ front door of intake (ingest.proto): they are
 * unpacked as a jiuye.EventBatch, and every event in it goes to event_validate with a fixed
 * today (FUZZ_TODAY, also exported as JIUYE_TODAY so that cert_no birth dates are judged
 * against the same day on every run). Besides ASan/UBSan/LeakSanitizer findings, these
 * properties of event_codec.h are checked, and a violation aborts (libFuzzer saves the input):
 *
 *   rejected: err holds "field: reason" (non-empty, contains ": ").
 *   accepted: event_to_json gives the canonical JSON, and the JSON path agrees: event_from_json
 *             accepts that JSON and gives back the same canonical JSON.
 *
 * Build and run: `make fuzz`. The seeds in tests/fuzz/corpus/event_proto/ are packed
 * EventBatches: valid-*.pb one per seed of ../event_json/valid-*.json (decoded with
 * event_from_json, source and received_at set), valid-all-types.pb all of them in one batch,
 * empty-batch.pb, and invalid-*.pb the training example with one field broken. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event_codec.h"
#include "ingest.pb-c.h"

#define FUZZ_TODAY "2026-06-30"
#define ERR_LEN 320 /* as ingest_item_t.error */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jdate_t today;

/* A violated property: say which, with the evidence, and abort so libFuzzer keeps the input. */
#define REQUIRE(cond, ...)                                                                  \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "fuzz_event_proto: %s:%d: property failed: %s\n", __FILE__,      \
                    __LINE__, #cond);                                                       \
            fprintf(stderr, "  " __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                            \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    if (setenv("JIUYE_TODAY", FUZZ_TODAY, 1) != 0 || date_parse(FUZZ_TODAY, &today) != 0) {
        fprintf(stderr, "fuzz_event_proto: cannot fix today to %s\n", FUZZ_TODAY);
        abort();
    }
    return 0;
}

/* A valid event's canonical JSON must decode on the JSON path to the same canonical JSON. */
static void check_json_path_agrees(const json_t *canon_json, size_t index) {
    char err[ERR_LEN] = "";
    char *canon = json_dumps(canon_json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    REQUIRE(canon != NULL, "json_dumps failed on the canonical JSON of event %zu", index);
    Jiuye__Event *ev = event_from_json(canon_json, today, err, sizeof err);
    REQUIRE(ev != NULL, "event %zu: valid as protobuf, rejected as JSON: %s; canonical: %s", index,
            err, canon);
    json_t *j = event_to_json(ev);
    REQUIRE(j != NULL, "event %zu: event_to_json returned NULL after the JSON path", index);
    char *again = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    REQUIRE(again != NULL && strcmp(again, canon) == 0,
            "event %zu: canonical JSON differs between paths:\n  protobuf %s\n  json     %s", index,
            canon, again ? again : "(null)");
    free(again);
    json_decref(j);
    jiuye__event__free_unpacked(ev, NULL);
    free(canon);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Jiuye__EventBatch *batch = jiuye__event_batch__unpack(NULL, size, data);
    if (!batch) return 0;
    for (size_t i = 0; i < batch->n_events; i++) {
        char err[ERR_LEN] = "";
        if (event_validate(batch->events[i], today, err, sizeof err) != 0) {
            REQUIRE(err[0] != '\0', "event %zu: event_validate failed without an error", i);
            REQUIRE(strstr(err, ": ") != NULL, "event %zu: error is not \"field: reason\": %s", i,
                    err);
            continue;
        }
        json_t *j = event_to_json(batch->events[i]);
        REQUIRE(j != NULL, "event %zu: event_to_json returned NULL for a valid event", i);
        check_json_path_agrees(j, i);
        json_decref(j);
    }
    jiuye__event_batch__free_unpacked(batch, NULL);
    return 0;
}
