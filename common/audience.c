/* audience.c: audience codes and labels (see audience.h). */
#include "audience.h"

#include <string.h>

static const struct {
    const char *code, *label;
} audiences[] = {
    {"cdpf", "残联"},        /* disabled persons' federation */
    {"hrss", "人社局"},      /* human resources and social security */
    {"health", "卫健委"},    /* health commission */
    {"finance", "财政局"},   /* finance bureau */
    {"education", "教育局"}, /* education bureau */
    {"tax", "税务局"},       /* tax bureau */
    {"org", "组织部"},       /* party organisation department */
    {"staffing", "编办"},    /* staffing office */
    {"sasac", "国资委"},     /* state-owned assets commission */
    {"civil", "民政局"},     /* civil affairs bureau */
};

const char *audience_label(const char *code) {
    for (size_t i = 0; i < sizeof audiences / sizeof *audiences; i++)
        if (strcmp(audiences[i].code, code) == 0) return audiences[i].label;
    return NULL;
}
