/*  Unit tests for us_succession: a report's data seen through the unit
    tree of one month. A small province: districts D1, D2 merged into commune
    C1 and district D3 split 0.6/0.4 between communes C2 and C3 (0.75/0.25
    for members.new) on 2025-07; grassroots union G moved from D1 to C1;
    D4 ended with no successor. Each expected figure below is worked out
    by hand in its comment. */
#include "us_succession.h"
#include "us_error.h"
#include "us_period.h"
#include "us_report.h"

#include "us_test.h"

enum { P = 1, D1, D2, D3, D4, C1, C2, C3, G };
enum { NEW = 100, TOTAL, RATE };

static us_report_data_t s_data;
static us_mapping_t s_map;

/* Adds a unit with its validity. */
static void
s_unit (int64_t id, const char *code, int64_t parent, const char *from, const char *to)
{
    us_report_unit_row_t *u = us_report_data_add (s_data.units, s_data.n_units, s_data.cap_units);
    cr_assert_not_null (u);
    u->id = id;
    snprintf (u->code, sizeof u->code, "%s", code);
    snprintf (u->name, sizeof u->name, "Đơn vị %s", code);
    snprintf (u->kind, sizeof u->kind, "%s", parent ? "district" : "province");
    snprintf (u->valid_from, sizeof u->valid_from, "%s", from);
    snprintf (u->valid_to, sizeof u->valid_to, "%s", to);
    u->parent_id = parent;
}

/* Adds an indicator. */
static void
s_ind (int64_t id, const char *code, us_kind_t kind, const char *num, const char *den)
{
    us_indicator_t ind = { .kind = kind };
    snprintf (ind.code, sizeof ind.code, "%s", code);
    snprintf (ind.name, sizeof ind.name, "%s", code);
    snprintf (ind.numerator, sizeof ind.numerator, "%s", num);
    snprintf (ind.denominator, sizeof ind.denominator, "%s", den);
    cr_assert_eq (us_report_data_add_indicator (&s_data, &ind, id), 0);
}

/* Adds an entered figure. */
static void
s_cell (int64_t unit, int64_t ind, const char *month, int64_t value)
{
    us_report_cell_row_t *c = us_report_data_add (s_data.cells, s_data.n_cells, s_data.cap_cells);
    cr_assert_not_null (c);
    cr_assert_eq (us_month_parse (&c->month, month), 0);
    c->unit_id = unit;
    c->ind_id = ind;
    c->value = value;
}

/* Returns an event. */
static us_succession_t
s_ev (us_succ_kind_t kind, const char *unit, const char *other, int64_t ppm,
      const char *indicator, const char *before)
{
    us_succession_t e = { .kind = kind, .ppm = ppm };
    cr_assert_eq (us_month_parse (&e.month, "2025-07"), 0);
    snprintf (e.unit, sizeof e.unit, "%s", unit);
    snprintf (e.other, sizeof e.other, "%s", other);
    snprintf (e.indicator, sizeof e.indicator, "%s", indicator);
    snprintf (e.before, sizeof e.before, "%s", before);
    return e;
}

static us_succession_t s_events [16];
static size_t s_n_events;

/* Builds the province and its events. */
static void
s_setup (void)
{
    memset (&s_data, 0, sizeof s_data);
    memset (&s_map, 0, sizeof s_map);
    s_unit (P, "P", 0, "", "");
    s_unit (D1, "D1", P, "", "2025-06");
    s_unit (D2, "D2", P, "", "2025-06");
    s_unit (D3, "D3", P, "", "2025-06");
    s_unit (D4, "D4", P, "", "2025-06");
    s_unit (C1, "C1", P, "2025-07", "");
    s_unit (C2, "C2", P, "2025-07", "");
    s_unit (C3, "C3", P, "2025-07", "");
    s_unit (G, "G", C1, "", "");            /* today under C1 */
    s_ind (NEW, "members.new", US_KIND_FLOW, "", "");
    s_ind (TOTAL, "members.total", US_KIND_STOCK, "", "");
    s_ind (RATE, "members.rate", US_KIND_RATIO, "members.new", "members.total");
    size_t n = 0;
    s_events [n++] = s_ev (US_SUCC_MOVE, "G", "C1", US_SUCC_WHOLE, "", "D1");
    s_events [n++] = s_ev (US_SUCC_MERGE, "D1", "C1", US_SUCC_WHOLE, "", "");
    s_events [n++] = s_ev (US_SUCC_MERGE, "D2", "C1", US_SUCC_WHOLE, "", "");
    s_events [n++] = s_ev (US_SUCC_SPLIT, "D3", "C2", 600000, "", "");
    s_events [n++] = s_ev (US_SUCC_SPLIT, "D3", "C3", 400000, "", "");
    s_events [n++] = s_ev (US_SUCC_SPLIT, "D3", "C2", 750000, "members.new", "");
    s_events [n++] = s_ev (US_SUCC_SPLIT, "D3", "C3", 250000, "members.new", "");
    s_events [n++] = s_ev (US_SUCC_END, "D4", "", US_SUCC_WHOLE, "", "");
    s_events [n++] = s_ev (US_SUCC_RENAME, "C1", "", US_SUCC_WHOLE, "", "Đơn vị C1 cũ");
    s_n_events = n;
}

/* Frees the data. */
static void
s_teardown (void)
{
    us_report_data_free (&s_data);
    us_mapping_free (&s_map);
}

TestSuite (succession, .init = s_setup, .fini = s_teardown);

/* Returns the report figure of unit for indicator, or -1 when none. */
static double
s_value (const us_report_t *r, const char *unit, const char *indicator)
{
    double v;
    return us_report_value (&v, r, unit, indicator) ? v : -1;
}

/* Applies the events at month and computes period. */
static us_report_t *
s_report (const char *tree, const char *period)
{
    int month;
    cr_assert_eq (us_month_parse (&month, tree), 0);
    cr_assert_eq (us_succession_apply (&s_data, s_events, s_n_events, month, &s_map), 0,
                  "%s", us_error_msg ());
    us_report_t *r = NULL;
    cr_assert_eq (us_report_compute (&r, &s_data, period, NULL), 0, "%s", us_error_msg ());
    return r;
}

/* 2024 seen through the tree of 2025-12: a merge adds up; a split shares
   by largest remainder (per indicator when given); every figure counted
   once; a stock at the period's end is mapped the same way. */
Test (succession, year_mapped_onto_today)
{
    s_cell (D1, NEW, "2024-03", 10);
    s_cell (D2, NEW, "2024-05", 7);
    s_cell (G, NEW, "2024-04", 2);
    s_cell (D3, NEW, "2024-02", 101);       /* 0.75/0.25: 75.75 -> 76, 25.25 -> 25 */
    s_cell (D3, TOTAL, "2024-12", 1001);    /* 0.6/0.4: 600.6 -> 601, 400.4 -> 400 */
    s_cell (D1, TOTAL, "2024-12", 500);
    s_cell (D2, TOTAL, "2024-12", 300);
    s_cell (D4, NEW, "2024-01", 9);         /* no successor: left out */
    us_report_t *r = s_report ("2025-12", "2024");
    cr_assert_eq (s_value (r, "C1", "members.new"), 10 + 7 + 2);
    cr_assert_eq (s_value (r, "C2", "members.new"), 76);
    cr_assert_eq (s_value (r, "C3", "members.new"), 25);
    cr_assert_eq (s_value (r, "C2", "members.total"), 601);
    cr_assert_eq (s_value (r, "C3", "members.total"), 400);
    cr_assert_eq (s_value (r, "C1", "members.total"), 800);
    cr_assert_eq (s_value (r, "P", "members.new"), 10 + 7 + 2 + 101, "each figure once");
    cr_assert_eq (s_value (r, "P", "members.total"), 1001 + 800);
    /* The ratio is recomputed from the mapped parts: 76 / 601. */
    cr_assert_float_eq (s_value (r, "C2", "members.rate"), 100.0 * 76 / 601, 0.051);
    cr_assert_eq (s_value (r, "D1", "members.new"), -1, "D1 is not in today's tree");
    cr_assert_eq (s_map.n, 4, "D1, D2, D3 and D4 are noted");
    bool d3 = false, d4 = false;
    for (size_t k = 0; k < s_map.n; k++) {
        if (strcmp (s_map.notes [k].unit, "D3") == 0) {
            d3 = true;
            cr_assert (strstr (s_map.notes [k].how, "C2 60.0%"), "%s", s_map.notes [k].how);
            cr_assert (strstr (s_map.notes [k].how, "members.new"), "%s", s_map.notes [k].how);
        }
        if (strcmp (s_map.notes [k].unit, "D4") == 0)
            d4 = strstr (s_map.notes [k].how, "no successor") != NULL;
    }
    cr_assert (d3 && d4);
    us_report_destroy (&r);
}

/* A year spanning the change: figures before it are mapped, those after
   stay; the sum is the sum of every figure entered, once. */
Test (succession, year_spanning_the_change)
{
    s_cell (D1, NEW, "2025-03", 4);
    s_cell (C1, NEW, "2025-08", 6);
    s_cell (D3, NEW, "2025-01", 3);         /* 2.25 -> 2, 0.75 -> 1 */
    s_cell (C3, NEW, "2025-09", 1);
    us_report_t *r = s_report ("2025-12", "2025");
    cr_assert_eq (s_value (r, "C1", "members.new"), 10);
    cr_assert_eq (s_value (r, "C2", "members.new"), 2);
    cr_assert_eq (s_value (r, "C3", "members.new"), 2);
    cr_assert_eq (s_value (r, "P", "members.new"), 4 + 6 + 3 + 1);
    us_report_destroy (&r);
}

/* The tree of an earlier month: the later move and rename are undone,
   the old districts stand and nothing is mapped. */
Test (succession, earlier_tree_kept)
{
    s_cell (G, NEW, "2024-04", 2);
    s_cell (D1, NEW, "2024-03", 10);
    us_report_t *r = s_report ("2024-12", "2024");
    cr_assert_eq (s_value (r, "D1", "members.new"), 12, "G is under D1 in 2024");
    cr_assert_eq (s_value (r, "C1", "members.new"), -1, "C1 did not exist");
    cr_assert_eq (s_map.n, 0);
    for (size_t k = 0; k < s_data.n_units; k++)
        if (s_data.units [k].id == C1 || s_data.units [k].id == -C1)
            cr_assert_str_eq (s_data.units [k].name, "Đơn vị C1 cũ");
    us_report_destroy (&r);
}

/* A chain (merged, then the successor split) follows both; negative
   figures are shared too. */
Test (succession, chain_and_negative)
{
    s_unit (20, "OLD", P, "", "2025-06");
    s_events [s_n_events++] = s_ev (US_SUCC_MERGE, "OLD", "D3", US_SUCC_WHOLE, "", "");
    s_cell (20, TOTAL, "2025-01", -10);     /* via D3: 0.6/0.4 -> -6, -4 */
    us_report_t *r = s_report ("2025-12", "2025");
    cr_assert_eq (s_value (r, "C2", "members.total"), -6);
    cr_assert_eq (s_value (r, "C3", "members.total"), -4);
    us_report_destroy (&r);
}

/* An event naming a unit the data does not have is refused; the data is
   unchanged. */
Test (succession, unknown_unit_refused)
{
    s_cell (D1, NEW, "2024-03", 10);
    s_events [0] = s_ev (US_SUCC_MERGE, "D1", "NOWHERE", US_SUCC_WHOLE, "", "");
    cr_assert_eq (us_succession_apply (&s_data, s_events, s_n_events, 24311, &s_map), US_EINVAL);
    cr_assert (strstr (us_error_msg (), "NOWHERE"));
    cr_assert_eq (s_data.n_cells, 1);
    cr_assert_eq (s_data.cells [0].unit_id, D1);
    us_succ_kind_t kind;
    cr_assert_eq (us_succ_kind_parse (&kind, "split"), 0);
    cr_assert_eq (kind, US_SUCC_SPLIT);
    cr_assert_eq (us_succ_kind_parse (&kind, "annex"), US_EINVAL);
    us_mapping_free (&s_map);
    us_mapping_free (&s_map);
}

/* One mapping gathers the notes of two loads (a report and its
   comparison): the general shares come first, an indicator's own after. */
Test (succession, notes_of_two_loads)
{
    s_cell (D3, NEW, "2025-02", 33);
    us_report_t *r = s_report ("2025-12", "2025");
    us_report_destroy (&r);
    us_report_data_free (&s_data);
    us_mapping_t kept = s_map;
    s_setup ();
    s_map = kept;
    s_cell (D3, NEW, "2024-03", 101);
    s_cell (D3, TOTAL, "2024-12", 6003);
    r = s_report ("2025-12", "2024");
    cr_assert_eq (s_map.n, 1);
    cr_assert_str_eq (s_map.notes [0].how, "shared: C2 60.0%, C3 40.0%; members.new shared: C2 75.0%, C3 25.0%");
    us_report_destroy (&r);
}
