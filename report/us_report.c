/*  us_report: the consolidation engine and its report model. */
#include "us_report.h"
#include "us_calendar.h"
#include "us_catalog.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_hlc.h"
#include "us_period.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_source_names [US_SOURCE_COUNT] = { "tld", "province", "committed" };

typedef struct {
    int64_t id;
    char code [65];
    char name [257];
    char kind [16];
    int parent;             /* index in the report, -1 for the root */
    int depth;
    int64_t parent_id;
    char parent_code [65];  /* "" for the top of the tree */
    bool reports;           /* expected to submit reports */
} s_unit_t;

typedef struct {
    bool range;
    int64_t lo, hi;
    int months;             /* length of the target's period, to pick the closest */
    int version;            /* the target's version: 1, then +1 at each change */
    char period [US_PERIOD_TEXT];
} s_target_t;

struct _us_report_t {
    us_period_t period;
    s_unit_t *units;        /* the subtree, depth first; units [0] is the root */
    size_t n_units;
    us_indicator_t *inds;
    int64_t *ind_ids;
    size_t n_inds;
    int64_t *total;         /* [unit * n_inds + ind] */
    int *latest;            /* latest month of a stock value */
    bool *has;
    double *ratio;          /* ratios and formulas */
    unsigned char *reason;  /* why a formula has no figure: US_EXPR_* or 0 */
    int *ind_parent;        /* report index of an indicator's parent, or -1 */
    int *target_at;         /* [(unit * n_inds + ind) * US_SOURCE_COUNT + source]: index
                               into targets + 1, 0 for none; the few targets set stay
                               together instead of one wide slot per unit, indicator
                               and source, most never touched (a page fault each) */
    s_target_t *targets;    /* [n_targets] */
    size_t n_targets;
    int expected, submitted, on_time, late;
    int *missing;           /* unit indexes */
    int n_missing;
    int *amended;           /* unit indexes, of the missing */
    int n_amended;
    us_report_schedule_t *scheds;   /* those with reports inside the period */
    size_t n_scheds;
    us_report_schedule_row_t *sched_rows;   /* their rows, kept for the strings */
};

/* Parses a target source name. */
int
us_source_parse (us_source_t *source, const char *text)
{
    for (int i = 0; i < US_SOURCE_COUNT; i++)
        if (strcmp (text, s_source_names [i]) == 0) {
            *source = (us_source_t) i;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown target source '%.20s' (tld, province or committed)", text);
}

/* Returns the name of a target source. */
const char *
us_source_name (us_source_t source)
{
    return (unsigned) source < US_SOURCE_COUNT ? s_source_names [source] : "?";
}

/* Returns true when a unit's validity (YYYY-MM or "") overlaps the period. */
static bool
s_valid_in (const char *from, const char *to, const us_period_t *p)
{
    int m;
    if (*from && us_month_parse (&m, from) == 0 && m > p->last)
        return false;
    if (*to && us_month_parse (&m, to) == 0 && m < p->first)
        return false;
    return true;
}

/* Copies every unit valid in the period into *all_p. */
static int
s_load_units (s_unit_t **all_p, size_t *n_p, const us_report_data_t *data, const us_period_t *p)
{
    s_unit_t *all = calloc (data->n_units + 1, sizeof *all);
    if (!all)
        return us_error_set (US_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t k = 0; k < data->n_units; k++) {
        const us_report_unit_row_t *row = &data->units [k];
        if (row->id <= 0 || !s_valid_in (row->valid_from, row->valid_to, p))
            continue;
        s_unit_t *u = &all [n++];
        u->id = row->id;
        memcpy (u->code, row->code, sizeof u->code);
        memcpy (u->name, row->name, sizeof u->name);
        memcpy (u->kind, row->kind, sizeof u->kind);
        u->code [sizeof u->code - 1] = u->name [sizeof u->name - 1] = u->kind [sizeof u->kind - 1] = 0;
        u->parent_id = row->parent_id;
        u->reports = row->reports;
    }
    *all_p = all;
    *n_p = n;
    return 0;
}

/* Links of the unit tree, by index into the array of all units. */
typedef struct {
    int *first_child;
    int *next_sibling;
} s_tree_t;

/* Appends unit index i of all and its descendants, depth first. */
static void
s_walk (us_report_t *r, const s_unit_t *all, const s_tree_t *tree, int i, int parent,
        int depth, size_t room)
{
    /* Imports refuse cycles; the guard keeps a damaged tree from
       overrunning the array. */
    if (depth > 32 || r->n_units >= room)
        return;
    size_t me = r->n_units++;
    r->units [me] = all [i];
    r->units [me].parent = parent;
    r->units [me].depth = depth;
    for (int j = tree->first_child [i]; j >= 0; j = tree->next_sibling [j])
        s_walk (r, all, tree, j, (int) me, depth + 1, room);
}

/* Picks the subtree of unit (or the root) from every unit. */
static int
s_subtree (us_report_t *r, s_unit_t *all, size_t n, const char *unit)
{
    int root = -1;
    int64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        if (root < 0 && (unit ? strcmp (all [i].code, unit) == 0 : all [i].parent_id == 0))
            root = (int) i;
        if (all [i].id > max)
            max = all [i].id;
    }
    if (root < 0)
        return unit ? us_error_set (US_ENOTFOUND, "unknown unit '%.64s'", unit)
                    : us_error_set (US_ENOTFOUND, "no units in the store");
    int *index = malloc ((size_t) (max + 1) * sizeof *index);
    s_tree_t tree = { malloc ((n + 1) * sizeof (int)), malloc ((n + 1) * sizeof (int)) };
    r->units = calloc (n, sizeof *r->units);
    int rc = 0;
    if (!index || !tree.first_child || !tree.next_sibling || !r->units)
        rc = us_error_set (US_ENOMEM, "out of memory");
    else {
        for (int64_t k = 0; k <= max; k++)
            index [k] = -1;
        for (size_t i = 0; i < n; i++) {
            index [all [i].id] = (int) i;
            tree.first_child [i] = tree.next_sibling [i] = -1;
        }
        /* Walk backwards so each child list keeps the units' order. */
        for (size_t i = n; i-- > 0;) {
            int64_t pid = all [i].parent_id;
            int p = pid > 0 && pid <= max ? index [pid] : -1;
            if (p < 0 || p == (int) i)
                continue;
            memcpy (all [i].parent_code, all [p].code, sizeof all [i].parent_code);
            tree.next_sibling [i] = tree.first_child [p];
            tree.first_child [p] = (int) i;
        }
        s_walk (r, all, &tree, root, -1, 0, n);
    }
    free (index);
    free (tree.first_child);
    free (tree.next_sibling);
    return rc;
}

/* Copies the indicators in catalog order and links parts to their parents. */
static int
s_load_indicators (us_report_t *r, const us_report_data_t *data)
{
    size_t n = data->n_inds;
    r->inds = calloc (n + 1, sizeof *r->inds);
    r->ind_ids = calloc (n + 1, sizeof *r->ind_ids);
    r->ind_parent = calloc (n + 1, sizeof *r->ind_parent);
    if (!r->inds || !r->ind_ids || !r->ind_parent)
        return us_error_set (US_ENOMEM, "out of memory");
    if (n) {
        memcpy (r->inds, data->inds, n * sizeof *r->inds);
        memcpy (r->ind_ids, data->ind_ids, n * sizeof *r->ind_ids);
    }
    r->n_inds = n;
    for (size_t i = 0; i < n; i++)
        r->ind_parent [i] = *r->inds [i].parent ? us_report_find_indicator (r, r->inds [i].parent) : -1;
    return 0;
}

/* Returns the report index of a unit id, or -1 (binary search is not
   possible: the walk reorders; a map from id keeps this linear-time). */
static int
s_unit_index (const int *map, int64_t map_len, int64_t id)
{
    return id > 0 && id < map_len ? map [id] : -1;
}

/* Returns the report index of an indicator id, or -1. */
static int
s_ind_index (const us_report_t *r, int64_t id)
{
    for (size_t i = 0; i < r->n_inds; i++)
        if (r->ind_ids [i] == id)
            return (int) i;
    return -1;
}

/* Builds a map from unit id to report index. */
static int *
s_unit_map (const us_report_t *r, int64_t *len_p)
{
    int64_t max = 0;
    for (size_t i = 0; i < r->n_units; i++)
        if (r->units [i].id > max)
            max = r->units [i].id;
    int *map = malloc ((size_t) (max + 1) * sizeof *map);
    if (!map)
        return NULL;
    for (int64_t i = 0; i <= max; i++)
        map [i] = -1;
    for (size_t i = 0; i < r->n_units; i++)
        map [r->units [i].id] = (int) i;
    *len_p = max + 1;
    return map;
}

/* Adds two figures, saturating instead of overflowing: cells are bounded
   by US_VALUE_MAX, but a store may hold what an older version let in. */
static int64_t
s_add (int64_t a, int64_t b)
{
    int64_t sum;
    if (__builtin_add_overflow (a, b, &sum))
        return a > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

/* Adds every entered cell of the period to its unit's own figures. */
static void
s_load_cells (us_report_t *r, const us_report_data_t *data, const int *map, int64_t map_len)
{
    int64_t last_ind_id = -1;
    int ii = -1;
    for (size_t c = 0; c < data->n_cells; c++) {
        const us_report_cell_row_t *row = &data->cells [c];
        if (row->month < r->period.first || row->month > r->period.last)
            continue;
        int u = s_unit_index (map, map_len, row->unit_id);
        if (row->ind_id != last_ind_id) {
            ii = s_ind_index (r, row->ind_id);
            last_ind_id = row->ind_id;
        }
        if (u < 0 || ii < 0 || us_kind_computed (r->inds [ii].kind))
            continue;
        size_t k = (size_t) u * r->n_inds + (size_t) ii;
        if (r->inds [ii].kind == US_KIND_FLOW)
            r->total [k] = s_add (r->total [k], row->value);
        else
        if (!r->has [k] || row->month > r->latest [k]) {
            r->total [k] = row->value;
            r->latest [k] = row->month;
        }
        r->has [k] = true;
    }
}

/* Adds children's figures into their parents, then computes ratios. */
static void
s_consolidate (us_report_t *r)
{
    /* Depth-first order puts every child after its parent, so walking
       backwards finishes a child before adding it to the parent. */
    for (size_t u = r->n_units; u-- > 1;) {
        int p = r->units [u].parent;
        for (size_t i = 0; i < r->n_inds; i++) {
            size_t c = u * r->n_inds + i, k = (size_t) p * r->n_inds + i;
            if (r->has [c]) {
                r->total [k] = s_add (r->total [k], r->total [c]);
                r->has [k] = true;
            }
        }
    }
    for (size_t i = 0; i < r->n_inds; i++) {
        const us_indicator_t *ind = &r->inds [i];
        if (ind->kind != US_KIND_RATIO)
            continue;
        int a = -1, b = -1;
        for (size_t j = 0; j < r->n_inds; j++) {
            if (strcmp (r->inds [j].code, ind->numerator) == 0)   a = (int) j;
            if (strcmp (r->inds [j].code, ind->denominator) == 0) b = (int) j;
        }
        for (size_t u = 0; u < r->n_units && a >= 0 && b >= 0; u++) {
            size_t ka = u * r->n_inds + (size_t) a, kb = u * r->n_inds + (size_t) b;
            size_t k = u * r->n_inds + i;
            if (r->has [ka] && r->has [kb] && r->total [kb] > 0) {
                r->ratio [k] = (double) r->total [ka] * 100.0 / (double) r->total [kb];
                r->has [k] = true;
            }
        }
    }
}

/* What a formula's lookup needs: the report, the unit, what is under way. */
typedef struct {
    us_report_t *r;
    size_t u;
    us_expr_t **exprs;
    unsigned char *state;   /* per indicator: 0 to do, 1 under way, 2 done */
    int present;            /* figures found, to tell "nothing entered" */
    int inner;              /* the reason of an inner formula without a figure */
} s_eval_t;

static void s_formula (s_eval_t *e, size_t i);

/* Gives a formula the consolidated figure of one of its codes. */
static int
s_formula_lookup (size_t ref, const char *name, void *arg, int64_t *value_p, bool *missing_p)
{
    (void) ref;
    s_eval_t *e = arg;
    int j = us_report_find_indicator (e->r, name);
    *value_p = 0;
    *missing_p = false;
    if (j < 0)
        return 0;
    if (e->r->inds [j].kind == US_KIND_FORMULA && e->state [j] == 0)
        s_formula (e, (size_t) j);
    size_t k = e->u * e->r->n_inds + (size_t) j;
    if (e->r->inds [j].kind == US_KIND_FORMULA) {
        if (e->r->reason [k]) {
            *missing_p = true;
            e->inner = e->r->reason [k];
            return 0;
        }
        if (e->r->has [k]) {
            *value_p = llround (e->r->ratio [k]);
            e->present++;
        }
        return 0;
    }
    /* A figure not entered counts as 0 beside figures that are. */
    if (e->r->has [k]) {
        *value_p = e->r->total [k];
        e->present++;
    }
    return 0;
}

/* Evaluates formula indicator i of the context's unit. */
static void
s_formula (s_eval_t *e, size_t i)
{
    us_report_t *r = e->r;
    size_t k = e->u * r->n_inds + i;
    e->state [i] = 1;
    int present = e->present;
    e->present = 0;
    e->inner = 0;
    us_expr_value_t v;
    int rc = e->exprs [i] ? us_expr_eval (e->exprs [i], s_formula_lookup, e, &v) : US_EXPR_MISSING;
    int64_t tenths;
    if (rc == 0 && e->present > 0) {
        if (us_expr_value_scale (v, 1, &tenths) == 0) {
            r->ratio [k] = (double) tenths / 10.0;
            r->has [k] = true;
        }
        else
            r->reason [k] = US_EXPR_OVERFLOW;
    }
    else
    if (e->present > 0 && (rc == US_EXPR_DIVZERO || rc == US_EXPR_OVERFLOW))
        r->reason [k] = (unsigned char) rc;
    else
    if (rc == US_EXPR_MISSING && e->inner)
        r->reason [k] = (unsigned char) e->inner;
    e->present = present;
    e->state [i] = 2;
}

/* Evaluates every formula of every unit on the consolidated figures. */
static int
s_formulas (us_report_t *r)
{
    size_t n = r->n_inds;
    us_expr_t **exprs = calloc (n + 1, sizeof *exprs);
    unsigned char *state = calloc (n + 1, 1);
    if (!exprs || !state) {
        free (exprs);
        free (state);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    bool any = false;
    for (size_t i = 0; i < n; i++)
        if (r->inds [i].kind == US_KIND_FORMULA) {
            /* The catalog was checked at import; a formula that no longer
               parses computes nothing. */
            exprs [i] = us_expr_parse (r->inds [i].formula, NULL, 0);
            any = true;
        }
    for (size_t u = 0; any && u < r->n_units; u++) {
        s_eval_t e = { r, u, exprs, state, 0, 0 };
        memset (state, 0, n);
        for (size_t i = 0; i < n; i++)
            if (r->inds [i].kind == US_KIND_FORMULA && state [i] == 0)
                s_formula (&e, i);
    }
    for (size_t i = 0; i < n; i++)
        us_expr_destroy (&exprs [i]);
    free (exprs);
    free (state);
    return 0;
}

/* Picks the target that applies to the period for each unit and indicator. */
static void
s_load_targets (us_report_t *r, const us_report_data_t *data, const int *map, int64_t map_len)
{
    for (size_t c = 0; c < data->n_targets; c++) {
        const us_report_target_row_t *row = &data->targets [c];
        if (row->first > r->period.first || row->last < r->period.last)
            continue;
        int u = s_unit_index (map, map_len, row->unit_id);
        int i = s_ind_index (r, row->ind_id);
        if (u < 0 || i < 0 || (unsigned) row->source >= US_SOURCE_COUNT)
            continue;
        int months = row->last - row->first + 1;
        int *at = &r->target_at [((size_t) u * r->n_inds + (size_t) i) * US_SOURCE_COUNT
                                 + row->source];
        if (*at && r->targets [*at - 1].months <= months)
            continue;           /* a closer period's target already applies */
        if (!*at)
            *at = (int) ++r->n_targets;
        s_target_t *t = &r->targets [*at - 1];
        t->months = months;
        t->version = row->version;
        snprintf (t->period, sizeof t->period, "%s", row->period);
        t->lo = row->lo;
        t->hi = row->hi;
        t->range = row->range;
    }
}

/* Marks the months of the period each unit's submissions cover (cover is
   n_units x months) and keeps the latest submission time per unit. A
   quarter or a half is complete when its own report is submitted or when
   each of its months is. */
static void
s_cover (us_report_t *r, const us_report_data_t *data, const int *map, int64_t map_len,
         bool *cover, int64_t *latest, int months)
{
    for (size_t c = 0; c < data->n_subs; c++) {
        const us_report_submission_row_t *row = &data->subs [c];
        int u = s_unit_index (map, map_len, row->unit_id);
        if (u < 0 || row->amended || row->last < r->period.first || row->first > r->period.last)
            continue;
        int from = row->first > r->period.first ? row->first : r->period.first;
        int to = row->last < r->period.last ? row->last : r->period.last;
        for (int m = from; m <= to; m++)
            cover [(size_t) u * months + (m - r->period.first)] = true;
        int64_t at = us_hlc_ms ((uint64_t) row->at);
        if (at > latest [u])
            latest [u] = at;
    }
}

/* Returns true when unit u's kind is one of the space-separated kinds. */
static bool
s_kind_in (const char *kinds, const char *kind)
{
    size_t len = strlen (kind);
    for (const char *p = kinds; len && (p = strstr (p, kind)) != NULL; p += len)
        if ((p == kinds || p [-1] == ' ') && (p [len] == ' ' || p [len] == '\0'))
            return true;
    return false;
}

/* The submissions of each unit of the report: those of unit index u are
   index [start [u] .. start [u + 1]) into data->subs, in their order, so
   that a unit's are found without reading every unit's (a province's
   year holds thousands). */
typedef struct {
    const us_report_data_t *data;
    int *start;             /* [n_units + 1] */
    int *index;             /* [n_subs] */
} s_by_unit_t;

/* Groups the submissions by the report's units; false when out of memory. */
static bool
s_by_unit (s_by_unit_t *subs, const us_report_t *r, const us_report_data_t *data,
           const int *map, int64_t map_len)
{
    subs->data = data;
    subs->start = calloc (r->n_units + 2, sizeof *subs->start);
    subs->index = calloc (data->n_subs + 1, sizeof *subs->index);
    if (!subs->start || !subs->index)
        return false;
    for (size_t c = 0; c < data->n_subs; c++) {
        int u = s_unit_index (map, map_len, data->subs [c].unit_id);
        if (u >= 0)
            subs->start [u + 2]++;
    }
    for (size_t u = 0; u < r->n_units; u++)
        subs->start [u + 2] += subs->start [u + 1];
    for (size_t c = 0; c < data->n_subs; c++) {
        int u = s_unit_index (map, map_len, data->subs [c].unit_id);
        if (u >= 0)
            subs->index [subs->start [u + 1]++] = (int) c;
    }
    return true;
}

/* Finds whether unit index u's submissions cover months first..last and
   when the last of those came (ms). */
static bool
s_covered (const s_by_unit_t *subs, int u, int first, int last, int64_t *last_ms)
{
    *last_ms = 0;
    for (int m = first; m <= last; m++) {
        bool covered = false;
        for (int k = subs->start [u]; k < subs->start [u + 1]; k++) {
            const us_report_submission_row_t *row = &subs->data->subs [subs->index [k]];
            if (row->amended || row->first > m || row->last < m)
                continue;
            covered = true;
            int64_t at = us_hlc_ms ((uint64_t) row->at);
            *last_ms = at > *last_ms ? at : *last_ms;
        }
        if (!covered)
            return false;
    }
    return true;
}

/* Counts one schedule's reports inside the period into *out; marks in
   late_units the units that reported one of them after its deadline and
   in judged those that had one. Returns false when it has none. */
static bool
s_schedule_count (us_report_t *r, const s_by_unit_t *subs, const us_report_schedule_row_t *row,
                  us_report_schedule_t *out, bool *late_units, bool *judged, bool *of_kind)
{
    us_deadline_rule_t rule;
    int n = us_calendar_type_months (row->type);
    if (n == 0 || us_deadline_rule_parse (&rule, row->deadline) != 0)
        return false;
    memset (out, 0, sizeof *out);
    out->code = row->code;
    out->name = row->name;
    for (size_t u = 0; u < r->n_units; u++)
        of_kind [u] = s_kind_in (row->kinds, r->units [u].kind);
    for (int m = (r->period.first + n - 1) / n * n; m + n - 1 <= r->period.last; m += n) {
        us_period_t sp;
        if (us_calendar_type_period (&sp, row->type, m) != 0)
            continue;
        int64_t deadline = us_calendar_deadline_ms (&sp, &rule);
        us_calendar_deadline_day (out->periods ? out->last_deadline : out->first_deadline,
                                  sizeof out->first_deadline, &sp, &rule);
        if (out->periods++ == 0)
            snprintf (out->last_deadline, sizeof out->last_deadline, "%s", out->first_deadline);
        for (size_t u = 0; u < r->n_units; u++) {
            if (!of_kind [u])
                continue;
            int64_t last_ms;
            out->expected++;
            judged [u] = true;
            if (!s_covered (subs, (int) u, sp.first, sp.last, &last_ms))
                continue;
            out->submitted++;
            if (last_ms > deadline) {
                out->late++;
                late_units [u] = true;
            }
            else
                out->on_time++;
        }
    }
    return out->periods > 0 && out->expected > 0;
}

/* Counts each schedule's reports inside the period; late_units and
   judged as s_schedule_count. */
static int
s_load_schedules (us_report_t *r, const s_by_unit_t *subs, bool *late_units, bool *judged)
{
    const us_report_data_t *data = subs->data;
    if (data->n_scheds == 0)
        return 0;
    r->scheds = calloc (data->n_scheds, sizeof *r->scheds);
    r->sched_rows = calloc (data->n_scheds, sizeof *r->sched_rows);
    bool *of_kind = calloc (r->n_units + 1, sizeof *of_kind);
    if (!r->scheds || !r->sched_rows || !of_kind) {
        free (of_kind);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    memcpy (r->sched_rows, data->scheds, data->n_scheds * sizeof *r->sched_rows);
    for (size_t k = 0; k < data->n_scheds; k++)
        if (s_schedule_count (r, subs, &r->sched_rows [k], &r->scheds [r->n_scheds], late_units,
                              judged, of_kind))
            r->n_scheds++;
    free (of_kind);
    return 0;
}

/* Returns true when unit index u has an amended report overlapping the
   period. */
static bool
s_has_amended (const us_report_t *r, const s_by_unit_t *subs, int u)
{
    for (int k = subs->start [u]; k < subs->start [u + 1]; k++) {
        const us_report_submission_row_t *row = &subs->data->subs [subs->index [k]];
        if (row->amended && row->first <= r->period.last && row->last >= r->period.first)
            return true;
    }
    return false;
}

/* Counts expected and submitted reports for the period. */
static int
s_load_completeness (us_report_t *r, const us_report_data_t *data, const int *map,
                     int64_t map_len)
{
    int months = us_period_months (&r->period);
    bool *cover = calloc (r->n_units * (size_t) months + 1, sizeof *cover);
    int64_t *latest = calloc (r->n_units + 1, sizeof *latest);
    bool *late_units = calloc (r->n_units + 1, sizeof *late_units);
    bool *judged = calloc (r->n_units + 1, sizeof *judged);
    r->missing = calloc (r->n_units + 1, sizeof *r->missing);
    r->amended = calloc (r->n_units + 1, sizeof *r->amended);
    s_by_unit_t subs = { 0 };
    int rc = !cover || !latest || !late_units || !judged || !r->missing || !r->amended
           || !s_by_unit (&subs, r, data, map, map_len)
           ? us_error_set (US_ENOMEM, "out of memory") : 0;
    if (rc == 0)
        rc = s_load_schedules (r, &subs, late_units, judged);
    if (rc == 0)
        s_cover (r, data, map, map_len, cover, latest, months);
    int64_t deadline = us_period_deadline_ms (&r->period);
    for (size_t u = 0; rc == 0 && u < r->n_units; u++) {
        if (!r->units [u].reports)
            continue;
        r->expected++;
        bool done = true;
        for (int m = 0; m < months && done; m++)
            done = cover [u * (size_t) months + m];
        if (done) {
            r->submitted++;
            if (judged [u] ? late_units [u] : latest [u] > deadline)
                r->late++;
            else
                r->on_time++;
        }
        else {
            r->missing [r->n_missing++] = (int) u;
            if (s_has_amended (r, &subs, (int) u))
                r->amended [r->n_amended++] = (int) u;
        }
    }
    free (cover);
    free (latest);
    free (late_units);
    free (judged);
    free (subs.start);
    free (subs.index);
    return rc;
}

/* Computes the report of period for the subtree of unit from data. */
int
us_report_compute (us_report_t **report_p, const us_report_data_t *data, const char *period,
                   const char *unit)
{
    *report_p = NULL;
    us_report_t *r = calloc (1, sizeof *r);
    if (!r)
        return us_error_set (US_ENOMEM, "out of memory");
    s_unit_t *all = NULL;
    size_t n_all = 0;
    int *map = NULL;
    int64_t map_len = 0;
    int rc = us_period_parse (&r->period, period);
    if (rc == 0)
        rc = s_load_units (&all, &n_all, data, &r->period);
    if (rc == 0)
        rc = s_subtree (r, all, n_all, unit);
    if (rc == 0)
        rc = s_load_indicators (r, data);
    if (rc == 0) {
        size_t cells = r->n_units * r->n_inds + 1;
        r->total = calloc (cells, sizeof *r->total);
        r->latest = calloc (cells, sizeof *r->latest);
        r->has = calloc (cells, sizeof *r->has);
        r->ratio = calloc (cells, sizeof *r->ratio);
        r->reason = calloc (cells, sizeof *r->reason);
        r->target_at = calloc (cells * US_SOURCE_COUNT, sizeof *r->target_at);
        r->targets = calloc (data->n_targets + 1, sizeof *r->targets);
        map = s_unit_map (r, &map_len);
        if (!r->total || !r->latest || !r->has || !r->ratio || !r->reason || !r->target_at
        ||  !r->targets || !map)
            rc = us_error_set (US_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        s_load_cells (r, data, map, map_len);
        s_consolidate (r);
        rc = s_formulas (r);
    }
    if (rc == 0) {
        s_load_targets (r, data, map, map_len);
        rc = s_load_completeness (r, data, map, map_len);
    }
    free (all);
    free (map);
    if (rc) {
        us_report_destroy (&r);
        return rc;
    }
    *report_p = r;
    return 0;
}

/* Returns the figure of unit u, indicator i; false when there is none. */
static bool
s_value (double *v, const us_report_t *r, size_t u, size_t i)
{
    size_t k = u * r->n_inds + i;
    if (!r->has [k])
        return false;
    *v = us_kind_computed (r->inds [i].kind) ? r->ratio [k] : (double) r->total [k];
    return true;
}

/* Returns the target of (u, i, source), or NULL. */
static const s_target_t *
s_target (const us_report_t *r, size_t u, size_t i, int source)
{
    int at = r->target_at [(u * r->n_inds + i) * US_SOURCE_COUNT + (size_t) source];
    return at ? &r->targets [at - 1] : NULL;
}

/* Computes the achievement of (u, i) against a source, one decimal. */
static bool
s_achievement (double *pct, const us_report_t *r, size_t u, size_t i, int source)
{
    const s_target_t *t = s_target (r, u, i, source);
    double v;
    if (!t || t->lo <= 0 || !s_value (&v, r, u, i))
        return false;
    *pct = round (v * 1000.0 / (double) t->lo) / 10.0;
    return true;
}

/* Finds the report index of a unit and an indicator by code. */
static bool
s_find (size_t *u, size_t *i, const us_report_t *r, const char *unit, const char *ind)
{
    for (*u = 0; *u < r->n_units; (*u)++)
        if (strcmp (r->units [*u].code, unit) == 0)
            break;
    for (*i = 0; *i < r->n_inds; (*i)++)
        if (strcmp (r->inds [*i].code, ind) == 0)
            break;
    return *u < r->n_units && *i < r->n_inds;
}

/* Looks up a consolidated figure. */
bool
us_report_value (double *value, const us_report_t *report, const char *unit,
                 const char *indicator)
{
    size_t u, i;
    return s_find (&u, &i, report, unit, indicator) && s_value (value, report, u, i);
}

/* Looks up an achievement percentage against a source's target. */
bool
us_report_achievement (double *pct, const us_report_t *report, const char *unit,
                       const char *indicator, us_source_t source)
{
    size_t u, i;
    return s_find (&u, &i, report, unit, indicator)
        && s_achievement (pct, report, u, i, (int) source);
}

/* Context of a rule lookup: a report and one of its units. */
typedef struct {
    const us_report_t *r;
    size_t u;
} s_rule_ctx_t;

/* Looks up a figure of the context's unit for us_rule_check. */
static bool
s_rule_lookup (double *value, void *ctx, const char *code)
{
    const s_rule_ctx_t *c = ctx;
    for (size_t i = 0; i < c->r->n_inds; i++)
        if (strcmp (c->r->inds [i].code, code) == 0)
            return s_value (value, c->r, c->u, i);
    return false;
}

/* Checks every indicator rule on the figures of unit. */
int
us_report_check_rules (char *msg, size_t size, const us_report_t *report, const char *unit)
{
    s_rule_ctx_t ctx = { report, 0 };
    while (ctx.u < report->n_units && strcmp (report->units [ctx.u].code, unit) != 0)
        ctx.u++;
    if (ctx.u == report->n_units)
        return 0;
    for (size_t i = 0; i < report->n_inds; i++)
        if (us_rule_check (msg, size, &report->inds [i], s_rule_lookup, &ctx) != 0)
            return US_EINVAL;
    return 0;
}

/* Returns the report's period. */
const us_period_t *
us_report_period (const us_report_t *report)
{
    return &report->period;
}

/* Returns the number of units in the report (the subtree, depth first). */
size_t
us_report_units (const us_report_t *report)
{
    return report->n_units;
}

/* Describes unit u (0 is the root of the subtree). */
void
us_report_unit (us_report_unit_t *info, const us_report_t *report, size_t u)
{
    const s_unit_t *x = &report->units [u];
    info->code = x->code;
    info->name = x->name;
    info->parent = x->parent_code;
    info->kind = x->kind;
    info->depth = x->depth;
    info->parent_index = x->parent;
}

/* Returns the number of indicators in the report. */
size_t
us_report_indicators (const us_report_t *report)
{
    return report->n_inds;
}

/* Returns indicator i; owned by the report. */
const us_indicator_t *
us_report_indicator (const us_report_t *report, size_t i)
{
    return &report->inds [i];
}

/* Returns the report index of an indicator code, or -1. */
int
us_report_find_indicator (const us_report_t *report, const char *code)
{
    for (size_t i = 0; i < report->n_inds; i++)
        if (strcmp (report->inds [i].code, code) == 0)
            return (int) i;
    return -1;
}

/* Returns the figure of unit u, indicator i; false when there is none. */
bool
us_report_cell (double *value, const us_report_t *report, size_t u, size_t i)
{
    return s_value (value, report, u, i);
}

/* Returns true when unit u has any figure. */
bool
us_report_has_figures (const us_report_t *report, size_t u)
{
    double v;
    for (size_t i = 0; i < report->n_inds; i++)
        if (s_value (&v, report, u, i))
            return true;
    return false;
}

/* Returns the target of unit u, indicator i from a source; false when none. */
bool
us_report_target (us_report_target_t *target, const us_report_t *report, size_t u,
                  size_t i, us_source_t source)
{
    const s_target_t *t = s_target (report, u, i, (int) source);
    if (!t)
        return false;
    target->lo = t->lo;
    target->hi = t->hi;
    target->range = t->range;
    target->period = t->period;
    target->version = t->version;
    return true;
}

/* Returns the sources with a target of unit u, indicator i, one bit each. */
unsigned
us_report_target_sources (const us_report_t *report, size_t u, size_t i)
{
    const int *at = &report->target_at [(u * report->n_inds + i) * US_SOURCE_COUNT];
    unsigned mask = 0;
    for (int s = 0; s < US_SOURCE_COUNT; s++)
        if (at [s])
            mask |= 1u << s;
    return mask;
}

/* Returns the achievement (one decimal) of unit u, indicator i. */
bool
us_report_pct (double *pct, const us_report_t *report, size_t u, size_t i, us_source_t source)
{
    return s_achievement (pct, report, u, i, (int) source);
}

/* Returns the indexes of the units that have not submitted; owned by the report. */
const int *
us_report_missing (int *count, const us_report_t *report)
{
    *count = report->n_missing;
    return report->missing;
}

/* Returns the units whose amended reports leave the period unreported. */
const int *
us_report_amended (int *count, const us_report_t *report)
{
    *count = report->n_amended;
    return report->amended;
}

/* Returns how many schedules have reports inside the report's period. */
size_t
us_report_schedules (const us_report_t *report)
{
    return report->n_scheds;
}

/* Fills *out with schedule k. */
void
us_report_schedule (us_report_schedule_t *out, const us_report_t *report, size_t k)
{
    assert (k < report->n_scheds);
    *out = report->scheds [k];
}

/* Returns the on-time and late submission counts. */
void
us_report_timeliness (int *on_time, int *late, const us_report_t *report)
{
    *on_time = report->on_time;
    *late = report->late;
}

/* Returns the completeness counts. */
void
us_report_completeness (int *expected, int *submitted, const us_report_t *report)
{
    *expected = report->expected;
    *submitted = report->submitted;
}

/* Returns why a formula of unit u, indicator i has no figure, or 0. */
int
us_report_cell_reason (const us_report_t *report, size_t u, size_t i)
{
    return report->reason [u * report->n_inds + i];
}

/* Returns the report index of the parent of indicator i, or -1. */
int
us_report_indicator_parent (const us_report_t *report, size_t i)
{
    return report->ind_parent [i];
}

/* Returns how deep indicator i is among parts. */
int
us_report_indicator_depth (const us_report_t *report, size_t i)
{
    int depth = 0;
    for (int p = report->ind_parent [i]; p >= 0 && depth < 8; p = report->ind_parent [p])
        depth++;
    return depth;
}

/* Appends a zeroed row to one of a data's arrays. */
void *
us_report_data_grow (void **rows, size_t *count, size_t *cap, size_t size)
{
    if (*count == *cap) {
        size_t more = *cap ? *cap * 2 : 64;
        void *grown = realloc (*rows, more * size);
        if (!grown) {
            us_error_set (US_ENOMEM, "out of memory");
            return NULL;
        }
        *rows = grown;
        *cap = more;
    }
    void *row = (char *) *rows + (*count)++ * size;
    memset (row, 0, size);
    return row;
}

/* Appends an indicator of the catalog with its store id. */
int
us_report_data_add_indicator (us_report_data_t *data, const us_indicator_t *ind, int64_t id)
{
    size_t cap = data->cap_inds;
    us_indicator_t *row = us_report_data_add (data->inds, data->n_inds, data->cap_inds);
    if (!row)
        return US_ENOMEM;
    if (data->cap_inds != cap || !data->ind_ids) {
        int64_t *ids = realloc (data->ind_ids, data->cap_inds * sizeof *ids);
        if (!ids) {
            data->n_inds--;
            return us_error_set (US_ENOMEM, "out of memory");
        }
        data->ind_ids = ids;
    }
    *row = *ind;
    data->ind_ids [data->n_inds - 1] = id;
    return 0;
}

/* Frees the rows of data and zeroes it. */
void
us_report_data_free (us_report_data_t *data)
{
    free (data->units);
    free (data->inds);
    free (data->ind_ids);
    free (data->cells);
    free (data->targets);
    free (data->subs);
    free (data->scheds);
    memset (data, 0, sizeof *data);
}

/* Frees a report and nulls the pointer; safe on NULL. */
void
us_report_destroy (us_report_t **report_p)
{
    if (!report_p || !*report_p)
        return;
    us_report_t *r = *report_p;
    free (r->units);
    free (r->inds);
    free (r->ind_ids);
    free (r->total);
    free (r->latest);
    free (r->has);
    free (r->ratio);
    free (r->reason);
    free (r->ind_parent);
    free (r->target_at);
    free (r->targets);
    free (r->missing);
    free (r->amended);
    free (r->scheds);
    free (r->sched_rows);
    free (r);
    *report_p = NULL;
}
