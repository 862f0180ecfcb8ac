/* event_codec.h: upstream events between JSON, protobuf and validation (docs/policy.md §1, §5).
 *
 * Intake receives events as JSON over HTTP and as protobuf (jiuye.Event) over ZeroMQ. This
 * module is the single place that knows what a valid event is: which types exist, which
 * payload fields each has, which are required, and what values they may hold. Both paths
 * apply the same field rules in the same order, and the first failure is reported as
 * "field: reason" with the field's path ("event_id", "payload.hours",
 * "payload.disabled_staff[2].cert_no", "payload.categories[0]"), so upstream systems get an
 * error they can act on. Reasons never quote a whole identity (cert_no, credit code).
 *
 * Order of checks (the first failure wins):
 *   JSON:     unknown top-level keys, event_id, type, occurred_on, district, payload (an
 *             object), unknown payload keys, payload fields in docs/policy.md §5 order (for each:
 *             JSON type, presence, value; list items in index order), cross-field checks.
 *   protobuf: event_id, type, occurred_on, district, payload set and matching type, payload
 *             fields in the same order, cross-field checks.
 *
 * Conventions: optional fields are agency_code (employment.started), reason
 * (employment.ended), course (vacancy.posted) and every boolean; an absent or JSON null
 * optional field takes its protobuf default ("" or false). A required string that is empty
 * is reported as "required" (protobuf cannot tell empty from absent). `source` and
 * `received_at` are set by intake: they are unknown fields in JSON and ignored here on the
 * protobuf path. */
#ifndef JIUYE_EVENT_CODEC_H
#define JIUYE_EVENT_CODEC_H

#include <stddef.h>

#include <jansson.h>

#include "date.h"
#include "events.pb-c.h"

/* Longest event_id accepted (characters of [A-Za-z0-9._:/-]). */
#define EVENT_ID_MAX 128

/* Decode one JSON event object into a newly allocated, fully validated Jiuye__Event, with
 * occurred_on not later than today. Returns the event (caller owns it and frees it with
 * jiuye__event__free_unpacked(ev, NULL); every string in it is malloc'd, including the empty
 * source, received_at and absent optional fields, so the caller may free() and replace any
 * of them; note that events unpacked by protobuf-c do not promise this) or NULL with err set to "field: reason" (e.g. "cert_no: check digit should
 * be 7", "payload.hours: must be an integer"); nothing is left allocated on failure. obj is
 * not modified. err may be NULL. */
Jiuye__Event *event_from_json(const json_t *obj, jdate_t today, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The same validation for an event that arrived as protobuf (ZeroMQ path); ev is not
 * modified. Returns 0, or -1 with err set as for event_from_json. */
int event_validate(const Jiuye__Event *ev, jdate_t today, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The canonical JSON of a valid event: {"event_id","type","occurred_on","district",
 * "payload":{...}} with every payload field of docs/policy.md §5 in that order, booleans always
 * present, empty optional strings omitted; source and received_at are not included. The type
 * is named after the payload actually set. Caller owns the result (json_decref). Returns NULL
 * when out of memory, when no known payload is set, or when a string is not UTF-8 (an event
 * that event_validate rejects). */
json_t *event_to_json(const Jiuye__Event *ev) __attribute__((warn_unused_result));

/* The event_id of a JSON event object if it has a string one, else NULL (for error replies;
 * the value is not validated). The pointer is owned by obj. */
const char *event_json_id(const json_t *obj);

/* Decode a JSON event into a newly allocated Jiuye__Event WITHOUT validating it: for a
 * client that sends events as protobuf and leaves every check to the receiver's
 * event_validate (jiuyectl publish --zmq). Fills what protobuf can hold: each known field
 * whose JSON type fits is copied (integers clamped to the field's int32/int64 range, so an
 * out-of-range value stays out of range); a value of the wrong JSON type, an unknown key, a
 * null or anything that is not an object is left at its protobuf default ("" / 0 / false /
 * empty list), list entries keep their positions (a non-integer entry becomes 0, a
 * non-object entry an empty message). The payload is set only when the type is one of
 * §5 and "payload" is an object; an unknown type keeps its string and no payload. Strings
 * are malloc'd as for event_from_json. Returns NULL only when out of memory; caller frees
 * with jiuye__event__free_unpacked(ev, NULL). */
Jiuye__Event *event_from_json_lenient(const json_t *obj) __attribute__((warn_unused_result));

/* The event types of docs/policy.md §5, in that order: EVENT_TYPE_COUNT names. */
#define EVENT_TYPE_COUNT 14

/* The index (0..EVENT_TYPE_COUNT-1) of type name, or -1 when name is NULL or not a type. */
int event_type_index(const char *name);

/* The name of type i ("person.registered"), or NULL when i is out of range. */
const char *event_type_name(int i);

#endif
