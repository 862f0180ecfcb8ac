/* cmd_report.c: jiuyectl report, the annual report each county committee owes
 * by November 10 (plan 三(四), docs/policy.md §4): the year's awards by program and
 * the plan targets against what was recorded, for one district or the city.
 *
 * Everything comes from one GET /v1/kpi of the subsidy service (kpi.h says how
 * each figure is counted; the sums are made by the database, so no list limit
 * truncates a city's year). Two files, the same figures:
 *   report-YYYY-<district|city>.json  the API's object plus the report's heading
 *   report-YYYY-<district|city>.csv   one table (RFC 4180): a row per program,
 *                                      a total row, a row per target */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "http_client.h"
#include "ident.h"

static void report_usage(FILE *out) {
    fputs("usage: jiuyectl report --year YYYY [--district CODE] [--out DIR] [--url URL]\n", out);
}

/* One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_field(FILE *f, const char *text, int last) {
    if (text[strcspn(text, ",\"\r\n")]) {
        fputc('"', f);
        for (const char *c = text; *c; c++) {
            if (*c == '"') fputc('"', f);
            fputc(*c, f);
        }
        fputc('"', f);
    } else {
        fputs(text, f);
    }
    fputc(last ? '\n' : ',', f);
}

/* A JSON value as CSV text: strings as they are, integers in decimal, null empty. */
static void csv_value(FILE *f, json_t *v, int last) {
    char text[64];
    if (json_is_string(v))
        csv_field(f, json_string_value(v), last);
    else if (json_is_integer(v)) {
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
        csv_field(f, text, last);
    } else
        csv_field(f, "", last);
}

static const char *const csv_columns[] = {
    "section", "id",          "title",        "granted",     "refused",      "waiting_budget", "reversals", "granted_fen",
    "granted_yuan", "waiting_fen", "waiting_yuan", "goal", "actual", "cumulative", "source",
};
#define CSV_NCOLS (sizeof csv_columns / sizeof *csv_columns)

/* One row: section, then the columns read from obj by name (id from key "id" or "program"). */
static void csv_row(FILE *f, const char *section, json_t *obj) {
    csv_field(f, section, 0);
    for (size_t i = 1; i < CSV_NCOLS; i++) {
        json_t *v = json_object_get(obj, csv_columns[i]);
        if (!v && strcmp(csv_columns[i], "id") == 0) v = json_object_get(obj, "program");
        csv_value(f, v, i + 1 == CSV_NCOLS);
    }
}

static int write_csv(const char *path, json_t *kpi) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (size_t i = 0; i < CSV_NCOLS; i++) csv_field(f, csv_columns[i], i + 1 == CSV_NCOLS);
    size_t k;
    json_t *row;
    json_array_foreach(json_object_get(kpi, "awards"), k, row) csv_row(f, "award", row);
    csv_row(f, "total", json_object_get(kpi, "award_totals"));
    json_array_foreach(json_object_get(kpi, "targets"), k, row) csv_row(f, "target", row);
    int failed = ferror(f);
    return fclose(f) != 0 || failed ? -1 : 0;
}

int cmd_report(int argc, char **argv) {
    if (cmd_help_requested(argc, argv)) {
        report_usage(stdout);
        return 0;
    }
    const char *year = NULL, *district = NULL, *out_dir = ".", *url = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            report_usage(stderr);
            return 2;
        }
        if (strcmp(argv[i], "--year") == 0) year = argv[i + 1];
        else if (strcmp(argv[i], "--district") == 0) district = argv[i + 1];
        else if (strcmp(argv[i], "--out") == 0) out_dir = argv[i + 1];
        else if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
        else {
            report_usage(stderr);
            return 2;
        }
    }
    if (!year || strlen(year) != 4 || strspn(year, "0123456789") != 4) {
        fprintf(stderr, "jiuyectl: report: --year: required, a 4-digit year\n");
        return 2;
    }
    if (district && !district_name(district)) {
        fprintf(stderr, "jiuyectl: report: --district: not a district code (320703, 320706, ... or 320700)\n");
        return 2;
    }
    char *base = url ? strdup(url) : http_client_default_url("SUBSIDY_HTTP_PORT", 8082, "");
    if (!base) return 1;
    char request[512], err[512] = "";
    snprintf(request, sizeof request, "%s/v1/kpi?year=%s%s%s", base, year, district ? "&district=" : "",
             district ? district : "");
    free(base);
    http_client_buf_t body = {0};
    long status = http_client_call(request, NULL, NULL, &body, err, sizeof err);
    json_t *kpi = status == 200 && body.data ? json_loads(body.data, 0, NULL) : NULL;
    if (!kpi || !json_is_array(json_object_get(kpi, "targets")) || !json_is_array(json_object_get(kpi, "awards"))) {
        fprintf(stderr, "jiuyectl: report: %s: %s\n", request,
                status == 0 ? err : status != 200 ? (body.data ? body.data : "no body") : "not a KPI object");
        free(body.data);
        json_decref(kpi);
        return 1;
    }
    free(body.data);

    /* The heading of the report (plan 三(四): county committees report by November 10). */
    char due[16];
    snprintf(due, sizeof due, "%s-11-10", year);
    json_object_set_new(kpi, "report", json_string("连云港市促进残疾人就业三年行动方案 年度工作情况报告"));
    json_object_set_new(kpi, "clause", json_string("三(四)"));
    json_object_set_new(kpi, "due_on", json_string(due));
    json_object_set_new(kpi, "source_url", json_string(request));

    char json_path[1024], csv_path[1024];
    const char *who = district ? district : "city";
    snprintf(json_path, sizeof json_path, "%s/report-%s-%s.json", out_dir, year, who);
    snprintf(csv_path, sizeof csv_path, "%s/report-%s-%s.csv", out_dir, year, who);
    int rc = 0;
    if (json_dump_file(kpi, json_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        fprintf(stderr, "jiuyectl: report: cannot write %s: %s\n", json_path, strerror(errno));
        rc = 1;
    } else if (write_csv(csv_path, kpi) != 0) {
        fprintf(stderr, "jiuyectl: report: cannot write %s: %s\n", csv_path, strerror(errno));
        rc = 1;
    } else {
        printf("%s\n%s\n", json_path, csv_path);
    }
    json_decref(kpi);
    return rc;
}
