/*  us_print_vi: a report as Vietnamese prose. */
#include "us_print.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes ", đạt 96% kế hoạch LĐLĐ tỉnh và ..." for the root's indicator i. */
static void
s_vi_achievement (FILE *out, const us_report_t *r, size_t i, const char *noun)
{
    /* noun names the figure when the clause says two (", số lượt người đạt"). */
    int n = 0, total = 0;
    double pct;
    for (int s = 0; s < US_SOURCE_COUNT; s++)
        total += us_report_pct (&pct, r, 0, i, (us_source_t) s);
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        us_report_target_t t;
        if (!us_report_pct (&pct, r, 0, i, (us_source_t) s)
        ||  !us_report_target (&t, r, 0, i, (us_source_t) s))
            continue;
        char num [48], when [80] = "", range [96] = "";
        us_text_vi_dec (num, sizeof num, pct);
        us_period_t tp;
        if (us_period_parse (&tp, t.period) == 0
        &&  (tp.first != us_report_period (r)->first || tp.last != us_report_period (r)->last)) {
            char words [64];
            us_words_vi_period (words, sizeof words, &tp);
            snprintf (when, sizeof when, " %s", words);
        }
        if (t.range) {
            char value [72];
            us_words_vi_target (value, sizeof value, &t);
            snprintf (range, sizeof range, " (mức %s)", value);
        }
        if (n == 0 && noun)
            fprintf (out, ", %s đạt ", noun);
        else
        if (n == 0)
            fputs (", đạt ", out);
        else
            fputs (n == total - 1 ? " và " : ", ", out);
        fprintf (out, "%s%% %s%s%s", num, us_words_vi_source ((us_source_t) s), when, range);
        n++;
    }
}

/* Writes ", tăng 7,3% so với cùng kỳ năm 2021 (2.050)" for the root's indicator i. */
static void
s_vi_compare (FILE *out, const us_report_t *r, const us_report_t *prev, size_t i,
              const char *noun)
{
    double now, before, change;
    if (!us_report_cell (&now, r, 0, i) || !us_print_previous (&before, r, prev, 0, i))
        return;
    const us_indicator_t *ind = us_report_indicator (r, i);
    const us_period_t *p = us_report_period (r);
    char when [40], was [48], num [48], lead [96];
    if (us_month_year (p->first) == us_month_year (p->last))
        snprintf (when, sizeof when, "cùng kỳ năm %d", us_month_year (p->first) - 1);
    else
        snprintf (when, sizeof when, "cùng kỳ năm trước");
    snprintf (lead, sizeof lead, "%s%s", noun ? noun : "", noun ? " " : "");
    us_words_vi_text (was, sizeof was, ind, before);
    if (!us_print_change (&change, ind->kind, now, before)) {
        fprintf (out, " (%s%s: %s)", lead, when, was);
        return;
    }
    if (change == 0) {
        fprintf (out, ", %sbằng %s", lead, when);
        return;
    }
    us_text_vi_dec (num, sizeof num, fabs (change));
    fprintf (out, ", %s%s %s%s so với %s (%s)", lead, change > 0 ? "tăng" : "giảm", num,
             ind->kind == US_KIND_RATIO ? " điểm phần trăm" : "%", when, was);
}

/* Writes the figure of the root's indicator j the prose way; false when
   it has none. */
static bool
s_figure (char *buf, size_t size, const us_report_t *r, size_t j)
{
    double v;
    if (!us_report_cell (&v, r, 0, j))
        return false;
    us_words_vi_text (buf, size, us_report_indicator (r, j), v);
    return true;
}

/* Writes the part of a phrase from p to end: %s is num, {code} the figure
   of another indicator, which is then said. Returns the report index of
   the first other indicator written, or -1. */
static int
s_phrase_span (FILE *out, const us_report_t *r, const char *p, const char *end,
               const char *num, bool *said)
{
    int joined = -1;
    while (p < end) {
        if (p [0] == '%' && p [1] == 's') {
            fputs (num, out);
            p += 2;
            continue;
        }
        if (*p == '{') {
            const char *close = strchr (p, '}');
            char code [65], fig [64] = "-";
            snprintf (code, sizeof code, "%.*s", (int) (close - p - 1), p + 1);
            int j = us_report_find_indicator (r, code);
            if (j >= 0 && s_figure (fig, sizeof fig, r, (size_t) j)) {
                /* A figure said already (a formula repeats its terms) gets
                   no second achievement. */
                if (joined < 0 && !said [j])
                    joined = j;
                said [j] = true;
            }
            fputs (fig, out);
            p = close + 1;
            continue;
        }
        fputc (*p++, out);
    }
    return joined;
}

/* Returns true when every {code} between p and end has a figure. */
static bool
s_phrase_ready (const us_report_t *r, const char *p, const char *end)
{
    char fig [64];
    while ((p = memchr (p, '{', (size_t) (end - p))) != NULL) {
        const char *close = strchr (p, '}');
        char code [65];
        snprintf (code, sizeof code, "%.*s", (int) (close - p - 1), p + 1);
        int j = us_report_find_indicator (r, code);
        if (j < 0 || !s_figure (fig, sizeof fig, r, (size_t) j))
            return false;
        p = close;
    }
    return true;
}

/* Writes the phrase of the catalog for indicator i with its figure num;
   an [optional] part is left out when a figure it names is missing or
   said already. Returns the first other indicator said, or -1. */
static int
s_phrase (FILE *out, const us_report_t *r, const char *phrase, const char *num, bool *said)
{
    int joined = -1;
    const char *p = phrase;
    while (*p) {
        const char *open = strchr (p, '[');
        const char *stop = open ? open : p + strlen (p);
        int j = s_phrase_span (out, r, p, stop, num, said);
        joined = joined < 0 ? j : joined;
        if (!open)
            break;
        const char *close = strchr (open, ']');
        if (s_phrase_ready (r, open + 1, close)) {
            j = s_phrase_span (out, r, open + 1, close, num, said);
            joined = joined < 0 ? j : joined;
        }
        p = close + 1;
    }
    return joined;
}

static void s_vi_clause (FILE *out, const us_report_t *r, const us_report_t *prev, size_t i,
                         bool *said, const bool *has);

/* Writes ", trong đó A, B và C" for the parts of indicator i that have
   figures. */
static void
s_vi_parts (FILE *out, const us_report_t *r, const us_report_t *prev, size_t i, bool *said,
            const bool *has)
{
    size_t n = 0, total = 0;
    for (size_t k = 0; k < us_report_indicators (r); k++)
        if (us_report_indicator_parent (r, k) == (int) i && has [k] && !said [k])
            total++;
    for (size_t k = 0; k < us_report_indicators (r); k++)
        if (us_report_indicator_parent (r, k) == (int) i && has [k] && !said [k]) {
            fputs (n == 0 ? ", trong đó " : n + 1 == total ? " và " : ", ", out);
            s_vi_clause (out, r, prev, k, said, has);
            n++;
        }
}

/* Writes the clause of indicator i of the root; marks what it said. */
static void
s_vi_clause (FILE *out, const us_report_t *r, const us_report_t *prev, size_t i, bool *said,
             const bool *has)
{
    const us_indicator_t *ind = us_report_indicator (r, i);
    char num [64] = "-", name [300];
    us_words_lower_first (name, sizeof name, ind->name);
    said [i] = true;
    int why = us_report_cell_reason (r, 0, i);
    if (!s_figure (num, sizeof num, r, i)) {
        fprintf (out, "%s: - (%s)", name, why ? us_expr_reason_vi (why) : "chưa có số liệu");
        return;
    }
    int w = -1;
    if (ind->kind == US_KIND_RATIO) {
        fprintf (out, "%s đạt %s", name, num);
        int a = us_report_find_indicator (r, ind->numerator), b = us_report_find_indicator (r, ind->denominator);
        double va, vb;
        if (a >= 0 && b >= 0 && us_report_cell (&va, r, 0, (size_t) a)
        &&  us_report_cell (&vb, r, 0, (size_t) b)) {
            char na [48], nb [48], bname [300];
            us_text_vi_int (na, sizeof na, (int64_t) llround (va));
            us_text_vi_int (nb, sizeof nb, (int64_t) llround (vb));
            us_words_lower_first (bname, sizeof bname, us_report_indicator (r, (size_t) b)->name);
            fprintf (out, " (%s/%s %s)", na, nb, bname);
        }
    }
    else
    if (*ind->phrase)
        w = s_phrase (out, r, ind->phrase, num, said);
    else
    if (*ind->unit && ind->kind != US_KIND_RATIO && !us_unit_money (ind->unit)
    &&  strcmp (ind->unit, "%") != 0)
        fprintf (out, "%s: %s %s", name, num, ind->unit);
    else
        fprintf (out, "%s: %s", name, num);
    /* A joined indicator is said in the clause; achievements follow. */
    const char *noun = w >= 0 && *ind->noun ? ind->noun : NULL;
    const us_indicator_t *with = w >= 0 ? us_report_indicator (r, (size_t) w) : NULL;
    s_vi_achievement (out, r, i, noun);
    s_vi_compare (out, r, prev, i, noun);
    if (with) {
        const char *with_noun = *with->noun ? with->noun : NULL;
        s_vi_achievement (out, r, (size_t) w, with_noun);
        s_vi_compare (out, r, prev, (size_t) w, with_noun);
    }
    s_vi_parts (out, r, prev, i, said, has);
    if (with)
        s_vi_parts (out, r, prev, (size_t) w, said, has);
}

/* Writes the sentence of the root's results. */
static void
s_vi_results (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    size_t n = us_report_indicators (r);
    bool *said = calloc (n + 1, sizeof *said);
    bool *has = calloc (n + 1, sizeof *has);
    if (!said || !has) {
        free (said);
        free (has);
        return;
    }
    double v;
    /* A zero says nothing unless a target or last year's figure makes it news. */
    for (size_t i = 0; i < n; i++) {
        bool figure = us_report_cell (&v, r, 0, i);
        has [i] = figure || us_report_cell_reason (r, 0, i);
        double before, pct;
        if (figure && v == 0 && us_report_indicator (r, i)->kind != US_KIND_RATIO) {
            bool news = us_print_previous (&before, r, prev, 0, i) && before != 0;
            for (int s = 0; s < US_SOURCE_COUNT; s++)
                news |= us_report_pct (&pct, r, 0, i, (us_source_t) s);
            has [i] = news;
        }
    }
    /* A ratio states its numerator and denominator. */
    for (size_t i = 0; i < n; i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        if (ind->kind != US_KIND_RATIO || !has [i])
            continue;
        int a = us_report_find_indicator (r, ind->numerator), b = us_report_find_indicator (r, ind->denominator);
        if (a >= 0 && b >= 0 && has [a] && has [b])
            said [a] = said [b] = true;
    }
    char period [96], who [300];
    us_words_vi_period (period, sizeof period, us_report_period (r));
    period [0] = (char) (period [0] >= 'a' && period [0] <= 'z' ? period [0] - 32 : period [0]);
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    /* A city under the centre (Hà Nội) says "toàn thành phố". */
    const char *whole = strstr (root.name, "thành phố") ? "toàn thành phố" : "toàn tỉnh";
    snprintf (who, sizeof who, "%s", us_print_is_province (r) ? whole : root.name);
    fprintf (out, "%s, %s ", period, who);
    int clauses = 0;
    /* Ratios and formulas go last, after the counts they are made of; a
       part is said in its whole's clause when the whole has a figure. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            bool computed = us_kind_computed (us_report_indicator (r, i)->kind);
            int whole = us_report_indicator_parent (r, i);
            if (!has [i] || said [i] || computed != (pass == 1) || (whole >= 0 && has [whole]))
                continue;
            if (clauses++)
                fputs ("; ", out);
            s_vi_clause (out, r, prev, i, said, has);
        }
    if (!clauses)
        fputs ("chưa có số liệu báo cáo", out);
    fputs (".", out);
    if (prev && us_print_prev_empty (prev)) {
        char was [96];
        us_words_vi_period (was, sizeof was, us_report_period (prev));
        fprintf (out, " Cùng kỳ (%s) chưa có số liệu để so sánh.", was);
    }
    fputc ('\n', out);
    free (said);
    free (has);
}

/* Names the units that report to the root: a province's districts and
   sectors before July 2025, or "đơn vị trực thuộc" once its tree holds
   communes, parks or other kinds directly under it. */
static const char *
s_vi_members (const us_report_t *r)
{
    if (!us_print_is_province (r))
        return "đơn vị";
    for (size_t i = 1; i < us_report_units (r); i++) {
        us_report_unit_t info;
        us_report_unit (&info, r, i);
        if (info.depth == 1 && strcmp (info.kind, "district") != 0
        &&  strcmp (info.kind, "sector") != 0)
            return "đơn vị trực thuộc";
    }
    return "LĐLĐ cấp huyện, CĐ ngành";
}

/* Writes the sentence of who has reported and when. */
static void
s_vi_completeness (FILE *out, const us_report_t *r)
{
    int expected, submitted, on_time, late, n_missing;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    if (expected == 0)
        return;
    const int *missing = us_report_missing (&n_missing, r);
    fprintf (out, "%d/%d %s đã nộp báo cáo", submitted, expected,
             s_vi_members (r));
    for (int k = 0; k < n_missing; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, (size_t) missing [k]);
        fprintf (out, "%s%s", k ? ", " : " (chưa nộp: ", info.name);
    }
    if (n_missing)
        fputc (')', out);
    int n_amended;
    const int *amended = us_report_amended (&n_amended, r);
    for (int k = 0; k < n_amended; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, (size_t) amended [k]);
        fprintf (out, "%s%s", k ? ", " : "; báo cáo đã sửa sau khi nộp, chờ nộp lại: ", info.name);
    }
    if (us_report_schedules (r) > 0) {
        /* Each schedule says its own deadline and counts its own reports. */
        fputs (".", out);
        for (size_t k = 0; k < us_report_schedules (r); k++) {
            us_report_schedule_t s;
            char text [600];
            us_report_schedule (&s, r, k);
            us_print_vi_schedule (text, sizeof text, &s);
            fprintf (out, " %s.", text);
        }
        fputc ('\n', out);
        return;
    }
    char deadline [32];
    us_period_deadline_day (deadline, sizeof deadline, us_report_period (r));
    if (submitted > 0 && late == 0)
        fputs ("; tất cả đều nộp đúng hạn", out);
    else
    if (submitted > 1 && on_time == 0)
        fprintf (out, "; cả %d báo cáo đều nộp sau hạn ngày %s", submitted, deadline);
    else
    if (submitted > 0 && on_time == 0)
        fprintf (out, "; báo cáo nộp sau hạn ngày %s", deadline);
    else
    if (submitted > 0)
        fprintf (out, "; %d báo cáo nộp đúng hạn, %d báo cáo nộp sau hạn ngày %s",
                 on_time, late, deadline);
    fputs (".\n", out);
}

/* Picks the indicator, source and order the leading units are named for. */
static bool
s_pick_ranking (const us_report_t *r, size_t *ind, us_source_t *source, us_rank_by_t *by)
{
    /* The first indicator (members.new first) whose target from a source is
       set for at least half of the root's children ranks by achievement;
       else members.new (or the first indicator with figures) by figure;
       false when nothing can be ranked. */
    static const us_source_t order [] = { US_SOURCE_PROVINCE, US_SOURCE_TLD, US_SOURCE_COMMITTED };
    size_t n = us_report_indicators (r), children;
    int first = us_report_find_indicator (r, "members.new");
    for (size_t k = 0; k <= n; k++) {
        int i = k == 0 ? first : (int) k - 1;
        if (i < 0 || (k > 0 && i == first))
            continue;
        for (int s = 0; s < 3; s++) {
            size_t with = us_rank_targeted (r, (size_t) i, order [s], &children);
            if (with > 0 && with * 2 >= children) {
                *ind = (size_t) i;
                *source = order [s];
                *by = US_RANK_ACHIEVEMENT;
                return true;
            }
        }
    }
    us_report_unit_t info;
    double v;
    for (size_t k = 0; k <= n; k++) {
        int i = k == 0 ? first : (int) k - 1;
        if (i < 0 || us_report_indicator (r, (size_t) i)->kind == US_KIND_RATIO)
            continue;
        for (size_t u = 1; u < us_report_units (r); u++) {
            us_report_unit (&info, r, u);
            if (info.parent_index == 0 && us_report_cell (&v, r, u, (size_t) i) && v > 0) {
                *ind = (size_t) i;
                *source = US_SOURCE_PROVINCE;
                *by = US_RANK_VALUE;
                return true;
            }
        }
    }
    return false;
}

/* Writes the sentence naming the leading units. */
static int
s_vi_leaders (FILE *out, const us_report_t *r)
{
    size_t i;
    us_source_t source;
    us_rank_by_t by;
    if (!s_pick_ranking (r, &i, &source, &by))
        return 0;
    us_rank_t *ranks = calloc (us_report_units (r) + 1, sizeof *ranks);
    if (!ranks)
        return us_error_set (US_ENOMEM, "out of memory");
    size_t n;
    const us_indicator_t *ind = us_report_indicator (r, i);
    int rc = us_rank (ranks, &n, r, ind->code, source, by);
    size_t lead = 0;
    while (rc == 0 && lead < n && lead < 6 && ranks [lead].rank && ranks [lead].rank <= 3
       &&  (by == US_RANK_ACHIEVEMENT || ranks [lead].value > 0))
        lead++;
    if (rc == 0 && lead > 0) {
        char topic [300];
        us_words_lower_first (topic, sizeof topic, ind->name);
        if (by == US_RANK_ACHIEVEMENT)
            fprintf (out, "Dẫn đầu về %s so với %s: ", topic, us_words_vi_source (source));
        else
            fprintf (out, "Dẫn đầu về %s: ", topic);
        for (size_t k = 0; k < lead; k++) {
            us_report_unit_t info;
            us_report_unit (&info, r, ranks [k].unit);
            char num [48];
            if (by == US_RANK_ACHIEVEMENT)
                us_text_vi_dec (num, sizeof num, ranks [k].pct);
            else
                us_words_vi_text (num, sizeof num, ind, ranks [k].value);
            fprintf (out, "%s%s (%s%s%s)", k == 0 ? "" : k == lead - 1 ? " và " : ", ",
                     info.name, by == US_RANK_ACHIEVEMENT ? "đạt " : "", num,
                     by == US_RANK_ACHIEVEMENT ? "%" : "");
        }
        fputs (".\n", out);
    }
    free (ranks);
    return rc;
}

/* Writes the Vietnamese text of a report, one paragraph per line. */
int
us_print_vi (const us_report_t *r, FILE *out, const us_report_t *prev)
{
    int expected, submitted;
    us_report_completeness (&expected, &submitted, r);
    /* A comparison with last year first says how much of this year is in. */
    if (prev && expected > 0)
        fprintf (out, "%d/%d đơn vị đã báo cáo; số liệu dưới đây so sánh với cùng kỳ trên "
                 "các báo cáo đã có.\n", submitted, expected);
    s_vi_results (out, r, prev);
    s_vi_completeness (out, r);
    int rc = s_vi_leaders (out, r);
    return rc ? rc : us_print_flush (out, "report");
}

