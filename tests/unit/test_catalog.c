/*  Unit tests for us_catalog: the built-in catalog and catalog checks. */
#include "us_catalog.h"
#include "us_error.h"
#include "us_text.h"

#include "us_test.h"

#define HEADER "code,name,kind,numerator,denominator,policy,rule\n"

/* Parses catalog text and returns the code. */
static int
s_parse (us_catalog_t **cat, const char *text)
{
    us_error_clear ();
    return us_catalog_parse (cat, text, strlen (text), "test.csv");
}

/* Expects text to be refused with an error naming origin and fragment. */
static void
s_refused (const char *text, const char *fragment)
{
    us_catalog_t *cat = (us_catalog_t *) 1;
    int rc = s_parse (&cat, text);
    cr_assert_eq (rc, US_EINVAL, "catalog should be refused:\n%s", text);
    cr_assert_null (cat);
    cr_assert_not_null (strstr (us_error_msg (), "test.csv"),
                        "error '%s' should name the origin", us_error_msg ());
    if (fragment)
        cr_assert_not_null (strstr (us_error_msg (), fragment),
                            "error '%s' should mention '%s'", us_error_msg (), fragment);
}

/* The built-in catalog has every indicator of the glossary with its kind. */
Test (catalog, default_has_glossary)
{
    static const char *flows [] = {
        "members.new", "cdcs.new", "cla.signed", "propaganda.sessions",
        "propaganda.attendees", "training.classes", "training.attendees",
        "dialogues.held", "party.introduced", "party.admitted", "commended.chairs",
    };
    static const char *stocks [] = { "members.total", "cdcs.cla_eligible", "cdcs.with_cla" };
    us_catalog_t *cat;
    cr_assert_eq (us_catalog_default (&cat), 0, "%s", us_error_msg ());
    for (size_t i = 0; i < sizeof flows / sizeof flows [0]; i++) {
        const us_indicator_t *ind = us_catalog_find (cat, flows [i]);
        cr_assert_not_null (ind, "%s missing", flows [i]);
        cr_assert_eq (ind->kind, US_KIND_FLOW, "%s should be a flow", flows [i]);
    }
    for (size_t i = 0; i < sizeof stocks / sizeof stocks [0]; i++) {
        const us_indicator_t *ind = us_catalog_find (cat, stocks [i]);
        cr_assert_not_null (ind, "%s missing", stocks [i]);
        cr_assert_eq (ind->kind, US_KIND_STOCK, "%s should be a stock", stocks [i]);
    }
    const us_indicator_t *cov = us_catalog_find (cat, "cla.coverage");
    cr_assert_not_null (cov);
    cr_assert_eq (cov->kind, US_KIND_RATIO);
    cr_assert_str_eq (cov->numerator, "cdcs.with_cla");
    cr_assert_str_eq (cov->denominator, "cdcs.cla_eligible");
    cr_assert_eq (cat->count, 24);
    us_catalog_destroy (&cat);
    cr_assert_null (cat);
}

/* Every built-in indicator has a Vietnamese name, a valid code and a known
   policy; the Party rule reads admitted <= introduced. */
Test (catalog, default_well_formed)
{
    us_catalog_t *cat;
    cr_assert_eq (us_catalog_default (&cat), 0);
    for (size_t i = 0; i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        cr_assert (us_text_code_valid (ind->code), "%s", ind->code);
        cr_assert_neq (ind->name [0], 0, "%s has no name", ind->code);
        cr_assert (us_text_utf8_valid (ind->name), "%s", ind->code);
        cr_assert_eq (us_policy_check (ind->policy), 0, "%s", ind->code);
        cr_assert_eq (us_catalog_find (cat, ind->code), ind, "%s twice", ind->code);
    }
    cr_assert_str_eq (us_catalog_find (cat, "members.new")->name, "Phát triển đoàn viên mới");
    cr_assert_str_eq (us_catalog_find (cat, "party.admitted")->rule, "<= party.introduced");
    cr_assert_str_eq (us_catalog_find (cat, "cdcs.with_cla")->rule, "<= cdcs.cla_eligible");
    cr_assert_null (us_catalog_find (cat, "members.lost"));
    cr_assert_null (us_catalog_find (cat, ""));
    us_catalog_destroy (&cat);
}

/* The built-in catalog is data/indicators.csv, and each call returns an
   independent copy. */
Test (catalog, default_matches_data_file)
{
    us_catalog_t *a, *b, *file;
    cr_assert_eq (us_catalog_default (&a), 0);
    cr_assert_eq (us_catalog_default (&b), 0);
    cr_assert_eq (us_catalog_load (&file, US_SOURCE_DIR "/data/indicators.csv"), 0,
                  "%s", us_error_msg ());
    cr_assert_neq (a->items, b->items);
    cr_assert_eq (a->count, file->count);
    for (size_t i = 0; i < a->count; i++) {
        cr_assert_str_eq (a->items [i].code, file->items [i].code);
        cr_assert_str_eq (a->items [i].name, file->items [i].name);
        cr_assert_eq (a->items [i].kind, file->items [i].kind);
    }
    a->items [0].code [0] = 'X';
    cr_assert_str_eq (b->items [0].code, "members.new");
    us_catalog_destroy (&a);
    us_catalog_destroy (&b);
    us_catalog_destroy (&file);
}

/* A small catalog parses with or without header, with a BOM and CRLF;
   an empty policy means lww. */
Test (catalog, parse_small)
{
    us_catalog_t *cat;
    cr_assert_eq (s_parse (&cat, "\xEF\xBB\xBF" HEADER
                                 "a.x,Chỉ tiêu A,flow,,,max,\r\n"
                                 "b.y,Chỉ tiêu B,stock\r\n"
                                 "c.z,Tỷ lệ,ratio,a.x,b.y,,\r\n"
                                 "d.w,D,flow,,,,<= a.x\r\n"), 0, "%s", us_error_msg ());
    cr_assert_eq (cat->count, 4);
    cr_assert_str_eq (cat->items [0].policy, "max");
    cr_assert_str_eq (cat->items [1].policy, "lww");
    cr_assert_eq (cat->items [1].kind, US_KIND_STOCK);
    cr_assert_eq (cat->items [2].kind, US_KIND_RATIO);
    cr_assert_str_eq (cat->items [2].numerator, "a.x");
    cr_assert_str_eq (cat->items [3].rule, "<= a.x");
    us_catalog_destroy (&cat);

    cr_assert_eq (s_parse (&cat, "only.one,Một,flow\n"), 0);
    cr_assert_eq (cat->count, 1);
    us_catalog_destroy (&cat);
}

/* An unknown kind is refused, naming the line. */
Test (catalog, unknown_kind)
{
    s_refused (HEADER "a,A,flow\nb,B,gauge\n", "line 3");
    s_refused (HEADER "a,A,Flow\n", "line 2");
    s_refused (HEADER "a,A,\n", NULL);
}

/* A ratio needs both parts; only a ratio may have parts. */
Test (catalog, ratio_parts)
{
    s_refused (HEADER "a,A,flow\nr,R,ratio\n", "line 3");
    s_refused (HEADER "a,A,flow\nr,R,ratio,a\n", "line 3");
    s_refused (HEADER "a,A,flow\nr,R,ratio,,a\n", "line 3");
    s_refused (HEADER "a,A,flow\nb,B,flow,a,a\n", "line 3");
}

/* A ratio's parts must exist and be entered indicators. */
Test (catalog, ratio_references)
{
    s_refused (HEADER "a,A,flow\nr,R,ratio,a,missing\n", "r");
    s_refused (HEADER "a,A,flow\nb,B,flow\nr,R,ratio,a,b\nq,Q,ratio,r,b\n", "q");
    s_refused (HEADER "r,R,ratio,r,r\n", NULL);
}

/* The same code twice is refused. */
Test (catalog, duplicate_code)
{
    s_refused (HEADER "a,A,flow\nb,B,flow\na,A again,stock\n", "a");
}

/* Rules must read '<= INDICATOR' with a known indicator. */
Test (catalog, bad_rule)
{
    s_refused (HEADER "a,A,flow\nb,B,flow,,,,>= a\n", "b");
    s_refused (HEADER "a,A,flow\nb,B,flow,,,,<= missing\n", "b");
    s_refused (HEADER "a,A,flow\nb,B,flow,,,,<=a\n", "b");
    s_refused (HEADER "a,A,flow\nb,B,flow,,,,a\n", "b");
    s_refused (HEADER "a,A,flow\nb,B,flow,,,,<= \n", "b");
}

/* An unknown conflict policy is refused, naming the line. */
Test (catalog, unknown_policy)
{
    s_refused (HEADER "a,A,flow\nb,B,flow,,,random,\n", "line 3");
    s_refused (HEADER "a,A,flow,,,LWW,\n", "line 2");
}

/* Bad codes, missing names and wrong field counts are refused. */
Test (catalog, bad_rows)
{
    s_refused (HEADER "members new,A,flow\n", "line 2");
    s_refused (HEADER "a/b,A,flow\n", "line 2");
    s_refused (HEADER "a,,flow\n", "line 2");
    s_refused (HEADER "a,A\n", "line 2");
    s_refused (HEADER "a,A,flow,,,lww,,extra\n", "line 2");
}

/* Errors found by the CSV reader (bad quoting, bad UTF-8) still name the
   origin and the line. */
Test (catalog, csv_errors_keep_line)
{
    s_refused (HEADER "a,A,flow\n\"b,B,flow\n", "line 3");
    s_refused (HEADER "a,A\xC3(,flow\n", "line 2");
    s_refused (HEADER "a,A,flow\nb\"x,B,flow\n", "line 3");
}

/* A catalog with no indicators is refused. */
Test (catalog, empty)
{
    s_refused (HEADER, NULL);
    s_refused ("", NULL);
    s_refused ("\n\n", NULL);
}

/* A too-long name is refused rather than cut. */
Test (catalog, name_too_long)
{
    char text [1024];
    char name [300];
    memset (name, 'n', sizeof name - 1);
    name [sizeof name - 1] = 0;
    snprintf (text, sizeof text, HEADER "a,%s,flow\n", name);
    s_refused (text, "line 2");
}

/* Loading a missing file fails and leaves the catalog NULL. */
Test (catalog, load_missing)
{
    us_catalog_t *cat = (us_catalog_t *) 1;
    cr_assert_neq (us_catalog_load (&cat, "/nonexistent/indicators.csv"), 0);
    cr_assert_null (cat);
}

/* Kind names and policies parse and print. */
Test (catalog, kinds_and_policies)
{
    us_kind_t k;
    cr_assert_eq (us_kind_parse (&k, "flow"), 0);
    cr_assert_eq (k, US_KIND_FLOW);
    cr_assert_eq (us_kind_parse (&k, "stock"), 0);
    cr_assert_eq (k, US_KIND_STOCK);
    cr_assert_eq (us_kind_parse (&k, "ratio"), 0);
    cr_assert_eq (k, US_KIND_RATIO);
    cr_assert_eq (us_kind_parse (&k, "sum"), US_EINVAL);
    cr_assert_str_eq (us_kind_name (US_KIND_FLOW), "flow");
    cr_assert_str_eq (us_kind_name (US_KIND_STOCK), "stock");
    cr_assert_str_eq (us_kind_name (US_KIND_RATIO), "ratio");
    cr_assert_eq (us_policy_check ("lww"), 0);
    cr_assert_eq (us_policy_check ("higher-level-wins"), 0);
    cr_assert_eq (us_policy_check ("max"), 0);
    cr_assert_eq (us_policy_check ("manual"), 0);
    cr_assert_eq (us_policy_check ("min"), US_EINVAL);
    cr_assert_eq (us_policy_check (""), US_EINVAL);
}

/* Rules parse as "<= X" or "== sum(X, Y, ...)" with trimmed terms. */
Test (catalog, rule_parse)
{
    us_rule_t r;
    cr_assert_eq (us_rule_parse (&r, ""), 0);
    cr_assert_eq (r.op, US_RULE_NONE);
    cr_assert_eq (us_rule_parse (&r, "<= party.introduced"), 0);
    cr_assert_eq (r.op, US_RULE_LE);
    cr_assert_eq (r.n_terms, 1);
    cr_assert_str_eq (r.terms [0], "party.introduced");
    cr_assert_eq (us_rule_parse (&r, "== sum(training.attendees,  propaganda.attendees )"), 0);
    cr_assert_eq (r.op, US_RULE_SUM);
    cr_assert_eq (r.n_terms, 2);
    cr_assert_str_eq (r.terms [1], "propaganda.attendees");
    static const char *bad [] = {
        "<=", "<= ", "< x", ">= x", "<=x", "x", "== sum()", "== sum(a,,b)", "== sum(a b)",
        "== sum(a", "== summ(a)", "== sum(a,b,c,d,e,f,g,h,i)", "<= a b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        cr_assert_eq (us_rule_parse (&r, bad [i]), US_EINVAL, "'%s' accepted", bad [i]);
}

/* Figures looked up by us_rule_check in a small table. */
typedef struct {
    const char *code;
    double value;
} s_fig_t;

static bool
s_lookup (double *value, void *ctx, const char *code)
{
    for (const s_fig_t *f = ctx; f->code; f++)
        if (strcmp (f->code, code) == 0) {
            *value = f->value;
            return true;
        }
    return false;
}

/* A broken rule names itself and its figures; a missing left side passes. */
Test (catalog, rule_check)
{
    us_indicator_t adm = { .code = "party.admitted", .rule = "<= party.introduced" };
    s_fig_t ok [] = { { "party.admitted", 1219 }, { "party.introduced", 2289 }, { NULL, 0 } };
    s_fig_t bad [] = { { "party.admitted", 5 }, { "party.introduced", 3 }, { NULL, 0 } };
    s_fig_t none [] = { { "party.introduced", 3 }, { NULL, 0 } };
    char msg [256] = "";
    cr_assert_eq (us_rule_check (msg, sizeof msg, &adm, s_lookup, ok), 0);
    cr_assert_eq (us_rule_check (msg, sizeof msg, &adm, s_lookup, none), 0);
    cr_assert_eq (us_rule_check (msg, sizeof msg, &adm, s_lookup, bad), US_EINVAL);
    cr_assert_not_null (strstr (msg, "party.admitted"), "%s", msg);
    cr_assert_not_null (strstr (msg, "5"), "%s", msg);
    cr_assert_not_null (strstr (msg, "3"), "%s", msg);

    us_indicator_t total = { .code = "training.all",
                             .rule = "== sum(training.attendees, propaganda.attendees)" };
    s_fig_t sum_ok [] = { { "training.all", 15 }, { "training.attendees", 10 },
                          { "propaganda.attendees", 5 }, { NULL, 0 } };
    s_fig_t sum_bad [] = { { "training.all", 16 }, { "training.attendees", 10 },
                           { "propaganda.attendees", 5 }, { NULL, 0 } };
    cr_assert_eq (us_rule_check (msg, sizeof msg, &total, s_lookup, sum_ok), 0);
    cr_assert_eq (us_rule_check (msg, sizeof msg, &total, s_lookup, sum_bad), US_EINVAL);
    cr_assert_not_null (strstr (msg, "16"), "%s", msg);
}

/* A catalog may use sum rules over known indicators only. */
Test (catalog, sum_rule_in_catalog)
{
    us_catalog_t *cat;
    cr_assert_eq (s_parse (&cat, HEADER "a,A,flow\nb,B,flow\nt,T,flow,,,,\"== sum(a, b)\"\n"), 0,
                  "%s", us_error_msg ());
    us_catalog_destroy (&cat);
    s_refused (HEADER "a,A,flow\nt,T,flow,,,,\"== sum(a, missing)\"\n", "missing");
}

/* Destroy is safe on NULL. */
Test (catalog, destroy_null)
{
    us_catalog_t *cat = NULL;
    us_catalog_destroy (&cat);
    us_catalog_destroy (NULL);
    cr_assert_null (cat);
}

#define HEADER_FULL "code,name,kind,numerator,denominator,policy,rule,formula,parent,unit,phrase,noun\n"

/* The columns are read by their header's names, in any order; an older
   catalog with the first seven columns reads as before; an unknown or
   repeated column is refused. */
Test (catalog, header_names)
{
    us_catalog_t *cat;
    cr_assert_eq (s_parse (&cat, "unit,kind,code,name,parent\n"
                                 "người,flow,party.admitted,Kết nạp,\n"
                                 "người,flow,party.admitted.enterprise,Trong doanh nghiệp,party.admitted\n"),
                  0, "%s", us_error_msg ());
    const us_indicator_t *part = us_catalog_find (cat, "party.admitted.enterprise");
    cr_assert_not_null (part);
    cr_assert_str_eq (part->unit, "người");
    cr_assert_str_eq (part->parent, "party.admitted");
    cr_assert_str_eq (part->rule, "<= party.admitted", "the part rule travels as a rule");
    cr_assert_str_eq (part->policy, "lww");
    us_catalog_destroy (&cat);
    cr_assert_eq (s_parse (&cat, HEADER "a,A,flow,,,max,\n"), 0, "%s", us_error_msg ());
    cr_assert_str_eq (cat->items [0].formula, "");
    cr_assert_str_eq (cat->items [0].unit, "");
    us_catalog_destroy (&cat);
    s_refused ("code,name,kind,colour\na,A,flow,red\n", "unknown column 'colour'");
    s_refused ("code,name,kind,unit,unit\na,A,flow,x,y\n", "repeated column 'unit'");
    s_refused ("code,name\na,A\n", "code, name and kind");
}

/* A formula indicator is parsed at import: what it names must exist and
   be no ratio; formulas in a cycle, too long or malformed are refused
   naming the line; only a formula has a formula. */
Test (catalog, formula_column)
{
    us_catalog_t *cat;
    cr_assert_eq (s_parse (&cat, HEADER_FULL
        "a,A,flow,,,,,,,bản,,\n"
        "b,B,flow,,,,,,,bản,,\n"
        "money,Tiền,formula,,,,,8500000 * a + 6000000 * (b - 1),,đồng,hỗ trợ %s[ cho {a} bản],\n"
        "twice,Gấp đôi,formula,,,,,2 * money,,đồng,,\n"), 0, "%s", us_error_msg ());
    const us_indicator_t *m = us_catalog_find (cat, "money");
    cr_assert_eq (m->kind, US_KIND_FORMULA);
    cr_assert_str_eq (m->formula, "8500000 * a + 6000000 * (b - 1)");
    cr_assert (us_kind_computed (m->kind));
    cr_assert (us_unit_money (m->unit));
    us_catalog_destroy (&cat);
    s_refused (HEADER_FULL "a,A,flow\nm,M,formula,,,,,3 * nobody\n", "line 3");
    s_refused (HEADER_FULL "a,A,flow\nm,M,formula,,,,,3 * nobody\n", "unknown indicator nobody");
    s_refused (HEADER_FULL "x.one,X,formula,,,,,x.two + 1\nx.two,Y,formula,,,,,2 * x.one\n",
               "cycle");
    s_refused (HEADER_FULL "x.one,X,formula,,,,,x.one + 1\n", "line 2");
    s_refused (HEADER_FULL "a,A,flow\nm,M,formula,,,,,(a + \n", "line 3");
    s_refused (HEADER_FULL "a,A,flow\nm,M,formula\n", "needs a formula");
    s_refused (HEADER_FULL "a,A,flow,,,,,2 * a\n", "only a formula");
    s_refused (HEADER_FULL "a,A,flow\nb,B,flow\nr,R,ratio,a,b\nm,M,formula,,,,,r * 2\n",
               "names ratio r");
    /* Deeper than the expression's limit. */
    char deep [2048] = HEADER_FULL "a,A,flow\nm,M,formula,,,,,";
    for (int k = 0; k < 40; k++)
        strcat (deep, "(");
    strcat (deep, "a");
    for (int k = 0; k < 40; k++)
        strcat (deep, ")");
    strcat (deep, "\n");
    s_refused (deep, "line 3");
}

/* A part names a known whole of its kind, never itself or a cycle; a
   phrase names known indicators only. */
Test (catalog, parent_column)
{
    s_refused (HEADER_FULL "a,A,flow,,,,,,nobody\n", "unknown indicator nobody");
    s_refused (HEADER_FULL "a,A,flow,,,,,,a\n", "bad parent");
    s_refused (HEADER_FULL "a,A,flow\nb,B,stock,,,,,,a\n", "both be flow or both stock");
    s_refused (HEADER_FULL "a,A,flow,,,,,,b\nb,B,flow,,,,,,a\n", "cycle");
    s_refused (HEADER_FULL "a,A,flow,,,,,,,,phát triển {nobody}\n", "phrase of a names unknown");
    s_refused (HEADER_FULL "a,A,flow,,,,,,,,%s và %s\n", "at most one");
    s_refused (HEADER_FULL "a,A,flow,,,,,,,,[%s [lồng]]\n", "not nested");
}

/* A part larger than its whole breaks the part rule, even beside another
   rule of its own. */
Test (catalog, part_rule_check)
{
    us_indicator_t part = { .code = "party.admitted.enterprise", .parent = "party.admitted",
                            .rule = "<= party.introduced" };
    s_fig_t ok [] = { { "party.admitted.enterprise", 112 }, { "party.admitted", 1219 },
                      { "party.introduced", 2289 }, { NULL, 0 } };
    s_fig_t bad [] = { { "party.admitted.enterprise", 120 }, { "party.admitted", 112 },
                       { "party.introduced", 2289 }, { NULL, 0 } };
    char msg [256] = "";
    cr_assert_eq (us_rule_check (msg, sizeof msg, &part, s_lookup, ok), 0);
    cr_assert_eq (us_rule_check (msg, sizeof msg, &part, s_lookup, bad), US_EINVAL);
    cr_assert_not_null (strstr (msg, "party.admitted.enterprise <= party.admitted"), "%s", msg);
    cr_assert_not_null (strstr (msg, "120 > 112"), "%s", msg);
}

/* Entering a computed indicator is refused naming its kind; the others pass. */
Test (catalog, entry_check)
{
    cr_assert_eq (us_catalog_entry_check ("members.new", "flow"), 0);
    cr_assert_eq (us_catalog_entry_check ("members.total", "stock"), 0);
    cr_assert_eq (us_catalog_entry_check ("cla.coverage", "ratio"), US_EINVAL);
    cr_assert_str_eq (us_error_msg (), "cla.coverage is a ratio; it is computed, not entered");
    cr_assert_eq (us_catalog_entry_check ("support.hanoi", "formula"), US_EINVAL);
    cr_assert_str_eq (us_error_msg (), "support.hanoi is a formula; it is computed, not entered");
}

/* The default catalog has the seeds' figures: the parts, the units and the
   Hà Nội subsidy as a formula. */
Test (catalog, default_parts_units_formula)
{
    us_catalog_t *cat;
    cr_assert_eq (us_catalog_default (&cat), 0, "%s", us_error_msg ());
    const char *parts [][2] = {
        { "cla.signed.a", "cla.signed" }, { "cla.signed.b", "cla.signed" },
        { "cdcs.new.25plus", "cdcs.new" }, { "training.classes.nonstate", "training.classes" },
        { "training.attendees.nonstate", "training.attendees" },
        { "party.admitted.enterprise", "party.admitted" }
    };
    for (size_t k = 0; k < sizeof parts / sizeof parts [0]; k++) {
        const us_indicator_t *ind = us_catalog_find (cat, parts [k][0]);
        cr_assert_not_null (ind, "%s missing", parts [k][0]);
        cr_assert_str_eq (ind->parent, parts [k][1]);
    }
    for (size_t i = 0; i < cat->count; i++)
        cr_assert_neq (cat->items [i].unit [0], 0, "%s has no unit", cat->items [i].code);
    const us_indicator_t *s = us_catalog_find (cat, "support.hanoi");
    cr_assert_not_null (s);
    cr_assert_eq (s->kind, US_KIND_FORMULA);
    cr_assert_str_eq (s->unit, "đồng");
    cr_assert_not_null (us_catalog_find (cat, "commended.province"));
    cr_assert_not_null (us_catalog_find (cat, "bulletin.copies"));
    us_catalog_destroy (&cat);
}
