/*  us_codec: the wire format, and the only module that sees protobuf. */
#include "us_codec.h"
#include "us_error.h"
#include "us_period.h"

#include "unionsync.pb-c.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  ----------------------------------------------------------------------
    Encoding
    ---------------------------------------------------------------------- */

/* A table of distinct names; entries point at the caller's strings. */
typedef struct {
    char **names;
    size_t count;
    size_t cap;
} s_table_t;

/* Returns the index of name in the table, adding it when new; -1 on OOM. */
static long
s_intern (s_table_t *t, const char *name)
{
    /* Tables hold a handful of units, indicators and authors; a linear
       scan from the end (the likeliest hit) beats hashing here. */
    for (size_t i = t->count; i > 0; i--)
        if (strcmp (t->names [i - 1], name) == 0)
            return (long) (i - 1);
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **n = realloc (t->names, cap * sizeof *n);
        if (!n)
            return -1;
        t->names = n;
        t->cap = cap;
    }
    t->names [t->count] = (char *) name;
    return (long) t->count++;
}

/* Returns true when s is a string within max bytes. */
static bool
s_str_ok (const char *s, size_t max)
{
    return s && strnlen (s, max + 1) <= max;
}

/* Returns s, or the empty string for NULL (protobuf-c wants non-NULL). */
static char *
s_str (const char *s)
{
    return (char *) (s ? s : "");
}

/* Returns bytes as protobuf-c carries them. */
static ProtobufCBinaryData
s_bin (us_bytes_t b)
{
    return (ProtobufCBinaryData) { b.len, (uint8_t *) b.data };
}

/* Checks the strings of a delta before it is encoded. */
static int
s_delta_ok (const us_delta_t *d, size_t i)
{
    if (!s_str_ok (d->unit, US_MAX_CODE) || !s_str_ok (d->indicator, US_MAX_CODE)
    ||  !s_str_ok (d->author, US_MAX_CODE) || (d->note && !s_str_ok (d->note, US_MAX_NOTE)))
        return us_error_set (US_EINVAL, "delta %zu has an over-long field", i);
    return 0;
}

/* Fills a wire-1 Push from a us_push_t: every number absolute. */
static int
s_push_v1_build (Unionsync__Push *pb, Unionsync__DeltaV1 **slots,
                 Unionsync__DeltaV1 *deltas, s_table_t tabs [3], const us_push_t *push)
{
    if (push->count > US_MAX_DELTAS)
        return us_error_set (US_EINVAL, "push has %zu deltas, limit %d",
                             push->count, US_MAX_DELTAS);
    pb->epoch = push->epoch;
    for (size_t i = 0; i < push->count; i++) {
        const us_delta_t *d = &push->deltas [i];
        int rc = s_delta_ok (d, i);
        if (rc)
            return rc;
        Unionsync__DeltaV1 *pd = &deltas [i];
        unionsync__delta_v1__init (pd);
        long u = s_intern (&tabs [0], d->unit);
        long n = s_intern (&tabs [1], d->indicator);
        long a = s_intern (&tabs [2], d->author);
        if (u < 0 || n < 0 || a < 0)
            return us_error_set (US_ENOMEM, "out of memory encoding push");
        pd->seq = d->seq;
        pd->unit = (uint32_t) u;
        pd->indicator = (uint32_t) n;
        pd->month = (uint32_t) d->month;
        pd->value = d->value;
        pd->clear = d->clear;
        pd->hlc = d->hlc;
        pd->base_version = d->base_version;
        pd->author = (uint32_t) a;
        pd->note = s_str (d->note);
        slots [i] = pd;
    }
    pb->n_units = tabs [0].count;
    pb->units = tabs [0].names;
    pb->n_indicators = tabs [1].count;
    pb->indicators = tabs [1].names;
    pb->n_authors = tabs [2].count;
    pb->authors = tabs [2].names;
    pb->n_deltas = push->count;
    pb->deltas = (Unionsync__DeltaV1 **) slots;
    pb->signature.data = (uint8_t *) push->signature;
    pb->signature.len = push->signature ? push->signature_len : 0;
    return 0;
}

/* Returns b - a modulo 2^64 as a signed difference (the wire's sint64). */
static int64_t
s_diff (uint64_t b, uint64_t a)
{
    uint64_t u = b - a;
    return u <= INT64_MAX ? (int64_t) u : -(int64_t) (~u) - 1;
}

/* Fills a Batch from a us_push_t: names once, numbers as differences. */
static int
s_batch_build (Unionsync__Batch *pb, Unionsync__Delta **slots, Unionsync__Delta *deltas,
               s_table_t tabs [3], const us_push_t *push)
{
    if (push->count > US_MAX_DELTAS)
        return us_error_set (US_EINVAL, "push has %zu deltas, limit %d",
                             push->count, US_MAX_DELTAS);
    pb->format = US_WIRE_VERSION;
    pb->epoch = push->epoch;
    pb->resent = push->resent;
    uint64_t seq = 0, hlc = 0;
    int month = 0;
    for (size_t i = 0; i < push->count; i++) {
        const us_delta_t *d = &push->deltas [i];
        int rc = s_delta_ok (d, i);
        if (rc)
            return rc;
        if (!us_month_valid (d->month))
            return us_error_set (US_EINVAL, "delta %zu has a bad month", i);
        if (i == 0) {
            pb->seq_base = seq = d->seq;
            pb->hlc_base = hlc = d->hlc;
            pb->month_base = (uint32_t) (month = d->month);
        }
        Unionsync__Delta *pd = &deltas [i];
        unionsync__delta__init (pd);
        long u = s_intern (&tabs [0], d->unit);
        long n = s_intern (&tabs [1], d->indicator);
        long a = s_intern (&tabs [2], d->author);
        if (u < 0 || n < 0 || a < 0)
            return us_error_set (US_ENOMEM, "out of memory encoding push");
        pd->seq = s_diff (d->seq, seq);
        pd->unit = (uint32_t) u;
        pd->indicator = (uint32_t) n;
        pd->month = d->month - month;
        pd->value = d->value;
        pd->clear = d->clear;
        pd->hlc = s_diff (d->hlc, hlc);
        pd->base_version = d->base_version;
        pd->author = (uint32_t) a;
        pd->note = s_str (d->note);
        slots [i] = pd;
        seq = d->seq;
        hlc = d->hlc;
        month = d->month;
    }
    pb->n_units = tabs [0].count;
    pb->units = tabs [0].names;
    pb->n_indicators = tabs [1].count;
    pb->indicators = tabs [1].names;
    pb->n_authors = tabs [2].count;
    pb->authors = tabs [2].names;
    pb->n_deltas = push->count;
    pb->deltas = slots;
    return 0;
}

/* Everything an encoder allocated for one message. */
typedef struct {
    void *blocks [16];
    size_t count;
    s_table_t tabs [3];
} s_scratch_t;

/* Allocates n zeroed elements of size sz, remembered for s_scratch_free. */
static void *
s_alloc (s_scratch_t *s, size_t n, size_t sz)
{
    if (s->count == sizeof s->blocks / sizeof s->blocks [0])
        return NULL;
    void *p = calloc (n ? n : 1, sz);
    if (p)
        s->blocks [s->count++] = p;
    return p;
}

/* Frees everything an encoder allocated. */
static void
s_scratch_free (s_scratch_t *s)
{
    for (size_t i = 0; i < s->count; i++)
        free (s->blocks [i]);
    for (int i = 0; i < 3; i++)
        free (s->tabs [i].names);
    memset (s, 0, sizeof *s);
}

/* Checks a digest range: both months or neither, at most
   US_DIGEST_MONTHS of them. */
static bool
s_range_ok (int64_t first, int64_t last, bool none_ok)
{
    if (none_ok && first == 0 && last == 0)
        return true;
    return first >= 0 && last <= INT32_MAX && us_month_valid ((int) first)
        && us_month_valid ((int) last) && first <= last && last - first < US_DIGEST_MONTHS;
}

/* Checks a list of months: at most max, valid, strictly ascending. */
static bool
s_months_ok (const void *months, size_t n, bool wide, size_t max)
{
    if (n > max)
        return false;
    int64_t before = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t m = wide ? (int64_t) ((const uint32_t *) months) [i] : ((const int *) months) [i];
        if (m <= before || m > INT32_MAX || !us_month_valid ((int) m))
            return false;
        before = m;
    }
    return true;
}

/* Copies months into a new uint32 array the scratch keeps; NULL on OOM. */
static uint32_t *
s_months_wire (s_scratch_t *s, const int *months, size_t n)
{
    uint32_t *w = s_alloc (s, n, sizeof *w);
    for (size_t i = 0; w && i < n; i++)
        w [i] = (uint32_t) months [i];
    return w;
}

/* Builds the protobuf form of Digests. */
static int
s_digests_build (Unionsync__Digests *pb, s_scratch_t *s, const us_digests_t *d)
{
    if (d->count > US_DIGEST_MONTHS)
        return us_error_set (US_EINVAL, "more than %d month digests", US_DIGEST_MONTHS);
    Unionsync__MonthDigest *md = s_alloc (s, d->count, sizeof *md);
    Unionsync__MonthDigest **mds = s_alloc (s, d->count, sizeof *mds);
    if (!md || !mds)
        return us_error_set (US_ENOMEM, "out of memory encoding digests");
    for (size_t i = 0; i < d->count; i++) {
        unionsync__month_digest__init (&md [i]);
        md [i].month = (uint32_t) d->months [i].month;
        md [i].digest = s_bin (d->months [i].digest);
        mds [i] = &md [i];
    }
    pb->head = d->head;
    pb->n_months = d->count;
    pb->months = mds;
    return 0;
}

/* Builds the schedules of a Changes page. */
static int
s_schedules_build (Unionsync__Changes *pb, s_scratch_t *s, const us_changes_t *c)
{
    if (c->n_schedules > US_MAX_SCHEDULES)
        return us_error_set (US_EINVAL, "changes page holds too many schedules");
    Unionsync__ScheduleDef *sd = s_alloc (s, c->n_schedules, sizeof *sd);
    Unionsync__ScheduleDef **sds = s_alloc (s, c->n_schedules, sizeof *sds);
    if (!sd || !sds)
        return us_error_set (US_ENOMEM, "out of memory encoding changes");
    for (size_t i = 0; i < c->n_schedules; i++) {
        const us_schedule_def_t *x = &c->schedules [i];
        unionsync__schedule_def__init (&sd [i]);
        sd [i].code = s_str (x->code);
        sd [i].name = s_str (x->name);
        sd [i].period = s_str (x->period);
        sd [i].kinds = s_str (x->kinds);
        sd [i].indicators = s_str (x->indicators);
        sd [i].deadline = s_str (x->deadline);
        sds [i] = &sd [i];
    }
    pb->n_schedules = c->n_schedules;
    pb->schedules = sds;
    return 0;
}

/* Builds the protobuf form of a Changes page. */
static int
s_changes_build (Unionsync__Changes *pb, s_scratch_t *s, const us_changes_t *c)
{
    if (c->n_units + c->n_indicators + c->n_cells + c->n_targets
        + c->n_conflicts + c->n_submissions > US_MAX_PAGE)
        return us_error_set (US_EINVAL, "changes page too large");
    pb->next = c->next;
    pb->more = c->more;
    pb->mark = c->mark;
    s_table_t *tu = &s->tabs [0], *ti = &s->tabs [1];

    Unionsync__UnitDef *ud = s_alloc (s, c->n_units, sizeof *ud);
    Unionsync__UnitDef **uds = s_alloc (s, c->n_units, sizeof *uds);
    Unionsync__IndicatorDef *id = s_alloc (s, c->n_indicators, sizeof *id);
    Unionsync__IndicatorDef **ids = s_alloc (s, c->n_indicators, sizeof *ids);
    Unionsync__CellChange *cc = s_alloc (s, c->n_cells, sizeof *cc);
    Unionsync__CellChange **ccs = s_alloc (s, c->n_cells, sizeof *ccs);
    Unionsync__TargetDef *td = s_alloc (s, c->n_targets, sizeof *td);
    Unionsync__TargetDef **tds = s_alloc (s, c->n_targets, sizeof *tds);
    Unionsync__ConflictNotice *cn = s_alloc (s, c->n_conflicts, sizeof *cn);
    Unionsync__ConflictNotice **cns = s_alloc (s, c->n_conflicts, sizeof *cns);
    Unionsync__SubmissionState *ss = s_alloc (s, c->n_submissions, sizeof *ss);
    Unionsync__SubmissionState **sss = s_alloc (s, c->n_submissions, sizeof *sss);
    if (!ud || !uds || !id || !ids || !cc || !ccs || !td || !tds
    ||  !cn || !cns || !ss || !sss)
        return us_error_set (US_ENOMEM, "out of memory encoding changes");
    int rc = s_schedules_build (pb, s, c);
    if (rc)
        return rc;

    for (size_t i = 0; i < c->n_units; i++) {
        const us_unit_def_t *u = &c->units [i];
        unionsync__unit_def__init (&ud [i]);
        ud [i].code = s_str (u->code);
        ud [i].name = s_str (u->name);
        ud [i].parent = s_str (u->parent);
        ud [i].kind = s_str (u->kind);
        ud [i].valid_from = s_str (u->valid_from);
        ud [i].valid_to = s_str (u->valid_to);
        ud [i].successor = s_str (u->successor);
        ud [i].shares = s_str (u->shares);
        uds [i] = &ud [i];
    }
    for (size_t i = 0; i < c->n_indicators; i++) {
        const us_indicator_def_t *x = &c->indicators [i];
        unionsync__indicator_def__init (&id [i]);
        id [i].code = s_str (x->code);
        id [i].name = s_str (x->name);
        id [i].kind = s_str (x->kind);
        id [i].numerator = s_str (x->numerator);
        id [i].denominator = s_str (x->denominator);
        id [i].policy = s_str (x->policy);
        id [i].rule = s_str (x->rule);
        id [i].position = x->position;
        ids [i] = &id [i];
    }
    for (size_t i = 0; i < c->n_cells; i++) {
        const us_cell_change_t *x = &c->cells [i];
        unionsync__cell_change__init (&cc [i]);
        long u = s_intern (tu, x->unit), n = s_intern (ti, x->indicator);
        if (u < 0 || n < 0)
            return us_error_set (US_ENOMEM, "out of memory encoding changes");
        cc [i].unit = (uint32_t) u;
        cc [i].indicator = (uint32_t) n;
        cc [i].month = (uint32_t) x->month;
        cc [i].value = x->value;
        cc [i].cleared = x->cleared;
        cc [i].version = x->version;
        cc [i].hlc = x->hlc;
        cc [i].author = s_str (x->author);
        cc [i].note = s_str (x->note);
        cc [i].corrected = x->corrected;
        ccs [i] = &cc [i];
    }
    for (size_t i = 0; i < c->n_targets; i++) {
        const us_target_def_t *x = &c->targets [i];
        unionsync__target_def__init (&td [i]);
        long u = s_intern (tu, x->unit), n = s_intern (ti, x->indicator);
        if (u < 0 || n < 0)
            return us_error_set (US_ENOMEM, "out of memory encoding changes");
        td [i].unit = (uint32_t) u;
        td [i].indicator = (uint32_t) n;
        td [i].period = s_str (x->period);
        td [i].source = s_str (x->source);
        td [i].lo = x->lo;
        td [i].hi = x->hi;
        td [i].range = x->range;
        td [i].version = x->version;
        tds [i] = &td [i];
    }
    for (size_t i = 0; i < c->n_conflicts; i++) {
        const us_conflict_notice_t *x = &c->conflicts [i];
        unionsync__conflict_notice__init (&cn [i]);
        long u = s_intern (tu, x->unit), n = s_intern (ti, x->indicator);
        if (u < 0 || n < 0)
            return us_error_set (US_ENOMEM, "out of memory encoding changes");
        cn [i].id = x->id;
        cn [i].unit = (uint32_t) u;
        cn [i].indicator = (uint32_t) n;
        cn [i].month = (uint32_t) x->month;
        cn [i].winner_value = x->winner_value;
        cn [i].winner_cleared = x->winner_cleared;
        cn [i].winner_author = s_str (x->winner_author);
        cn [i].loser_value = x->loser_value;
        cn [i].loser_cleared = x->loser_cleared;
        cn [i].loser_author = s_str (x->loser_author);
        cn [i].rule = s_str (x->rule);
        cn [i].at = x->at;
        cns [i] = &cn [i];
    }
    for (size_t i = 0; i < c->n_submissions; i++) {
        const us_submission_state_t *x = &c->submissions [i];
        unionsync__submission_state__init (&ss [i]);
        long u = s_intern (tu, x->unit);
        if (u < 0)
            return us_error_set (US_ENOMEM, "out of memory encoding changes");
        ss [i].unit = (uint32_t) u;
        ss [i].period = s_str (x->period);
        ss [i].state = s_str (x->state);
        ss [i].at = x->at;
        sss [i] = &ss [i];
    }
    pb->n_unit_defs = c->n_units;             pb->unit_defs = uds;
    pb->n_indicator_defs = c->n_indicators;   pb->indicator_defs = ids;
    pb->n_cells = c->n_cells;                 pb->cells = ccs;
    pb->n_targets = c->n_targets;             pb->targets = tds;
    pb->n_conflicts = c->n_conflicts;         pb->conflicts = cns;
    pb->n_submissions = c->n_submissions;     pb->submissions = sss;
    pb->n_units = tu->count;                  pb->units = tu->names;
    pb->n_indicators = ti->count;             pb->indicators = ti->names;
    if ((c->digest.len && c->digest.len != 32)
    ||  !s_months_ok (c->months, c->n_months, false, US_REPAIR_MONTHS))
        return us_error_set (US_EINVAL, "changes page with a bad digest or months");
    pb->digest = s_bin (c->digest);
    pb->n_months = c->n_months;
    pb->months = s_months_wire (s, c->months, c->n_months);
    if (!pb->months)
        return us_error_set (US_ENOMEM, "out of memory encoding changes");
    return 0;
}

/* Packs a built envelope into a new buffer. */
static int
s_pack (uint8_t **buf_p, size_t *len_p, const Unionsync__Envelope *env)
{
    size_t len = unionsync__envelope__get_packed_size (env);
    if (len > US_MAX_MSG_BYTES)
        return us_error_set (US_EINVAL, "message of %zu bytes exceeds the limit", len);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return us_error_set (US_ENOMEM, "out of memory encoding message");
    unionsync__envelope__pack (env, buf);
    *buf_p = buf;
    *len_p = len;
    return 0;
}

/* Encodes push as a Batch into a new buffer the caller frees. */
static int
s_batch_encode (uint8_t **buf_p, size_t *len_p, const us_push_t *push)
{
    Unionsync__Batch batch = UNIONSYNC__BATCH__INIT;
    s_scratch_t s;
    memset (&s, 0, sizeof s);
    Unionsync__Delta **slots = s_alloc (&s, push->count, sizeof *slots);
    Unionsync__Delta *deltas = s_alloc (&s, push->count, sizeof *deltas);
    int rc = slots && deltas ? s_batch_build (&batch, slots, deltas, s.tabs, push)
                             : us_error_set (US_ENOMEM, "out of memory encoding push");
    size_t len = rc ? 0 : unionsync__batch__get_packed_size (&batch);
    if (rc == 0 && len > US_MAX_MSG_BYTES)
        rc = us_error_set (US_EINVAL, "batch of %zu bytes exceeds the limit", len);
    uint8_t *buf = rc ? NULL : malloc (len);
    if (rc == 0 && !buf)
        rc = us_error_set (US_ENOMEM, "out of memory encoding push");
    if (rc == 0) {
        unionsync__batch__pack (&batch, buf);
        *buf_p = buf;
        *len_p = len;
    }
    s_scratch_free (&s);
    return rc;
}

/* Fills a wire-1 Push: its deltas as fields. */
static int
s_push_v1_encode (Unionsync__Push *pb, s_scratch_t *s, const us_push_t *push)
{
    Unionsync__DeltaV1 **slots = s_alloc (s, push->count, sizeof *slots);
    Unionsync__DeltaV1 *deltas = s_alloc (s, push->count, sizeof *deltas);
    if (!slots || !deltas)
        return us_error_set (US_ENOMEM, "out of memory encoding push");
    return s_push_v1_build (pb, slots, deltas, s->tabs, push);
}

/* Fills a wire-2 Push: the batch bytes given, or made from the deltas
   (the scratch keeps them), and the signature. */
static int
s_push_v2_encode (Unionsync__Push *pb, s_scratch_t *s, const us_push_t *push)
{
    if (push->signature_len > US_MAX_SIG)
        return us_error_set (US_EINVAL, "push signature too long");
    pb->signature.data = (uint8_t *) push->signature;
    pb->signature.len = push->signature ? push->signature_len : 0;
    pb->acked = push->acked;
    if (push->batch && push->batch_len) {
        pb->batch.data = (uint8_t *) push->batch;
        pb->batch.len = push->batch_len;
        return 0;
    }
    if (s->count == sizeof s->blocks / sizeof s->blocks [0])
        return us_error_set (US_ENOMEM, "out of memory encoding push");
    uint8_t *buf;
    size_t len;
    int rc = s_batch_encode (&buf, &len, push);
    if (rc)
        return rc;
    s->blocks [s->count++] = buf;
    pb->batch.data = buf;
    pb->batch.len = len;
    return 0;
}

/* Maps an internal error code to the wire's ErrorCode. */
static Unionsync__ErrorCode
s_code_to_wire (int code)
{
    switch (code) {
        case US_EINVAL:    return UNIONSYNC__ERROR_CODE__ERROR_INVALID;
        case US_ENOTFOUND: return UNIONSYNC__ERROR_CODE__ERROR_NOT_FOUND;
        case US_EIO:       return UNIONSYNC__ERROR_CODE__ERROR_IO;
        case US_ENOMEM:    return UNIONSYNC__ERROR_CODE__ERROR_NO_MEMORY;
        case US_EPROTO:    return UNIONSYNC__ERROR_CODE__ERROR_PROTOCOL;
        case US_EPERM:     return UNIONSYNC__ERROR_CODE__ERROR_PERMISSION;
        case US_ECORRUPT:  return UNIONSYNC__ERROR_CODE__ERROR_CORRUPT;
        case US_EEXIST:    return UNIONSYNC__ERROR_CODE__ERROR_EXISTS;
        case US_EVERSION:  return UNIONSYNC__ERROR_CODE__ERROR_UPGRADE;
        case US_EBEHIND:   return UNIONSYNC__ERROR_CODE__ERROR_WENT_BACK;
        default:           return UNIONSYNC__ERROR_CODE__ERROR_UNSPECIFIED;
    }
}

/* Maps the wire's ErrorCode to an internal error code; a code this build
   does not know is a protocol error. */
static int
s_code_from_wire (Unionsync__ErrorCode code)
{
    switch (code) {
        case UNIONSYNC__ERROR_CODE__ERROR_INVALID:    return US_EINVAL;
        case UNIONSYNC__ERROR_CODE__ERROR_NOT_FOUND:  return US_ENOTFOUND;
        case UNIONSYNC__ERROR_CODE__ERROR_IO:         return US_EIO;
        case UNIONSYNC__ERROR_CODE__ERROR_NO_MEMORY:  return US_ENOMEM;
        case UNIONSYNC__ERROR_CODE__ERROR_PERMISSION: return US_EPERM;
        case UNIONSYNC__ERROR_CODE__ERROR_CORRUPT:    return US_ECORRUPT;
        case UNIONSYNC__ERROR_CODE__ERROR_EXISTS:     return US_EEXIST;
        case UNIONSYNC__ERROR_CODE__ERROR_UPGRADE:    return US_EVERSION;
        case UNIONSYNC__ERROR_CODE__ERROR_WENT_BACK:  return US_EBEHIND;
        default:                                      return US_EPROTO;
    }
}

/* Encodes msg into a new buffer *buf_p of *len_p bytes; the caller frees it. */
int
us_codec_encode (uint8_t **buf_p, size_t *len_p, const us_msg_t *msg)
{
    Unionsync__Envelope env = UNIONSYNC__ENVELOPE__INIT;
    Unionsync__Hello hello = UNIONSYNC__HELLO__INIT;
    Unionsync__Welcome welcome = UNIONSYNC__WELCOME__INIT;
    ProtobufCBinaryData proof [US_MAX_HEADS];
    Unionsync__Restore restores [US_MAX_HEADS], *restore_ptrs [US_MAX_HEADS];
    Unionsync__Push push = UNIONSYNC__PUSH__INIT;
    Unionsync__PushAck ack = UNIONSYNC__PUSH_ACK__INIT;
    Unionsync__Pull pull = UNIONSYNC__PULL__INIT;
    Unionsync__Changes changes = UNIONSYNC__CHANGES__INIT;
    Unionsync__Submit submit = UNIONSYNC__SUBMIT__INIT;
    Unionsync__SubmitAck sack = UNIONSYNC__SUBMIT_ACK__INIT;
    Unionsync__Error error = UNIONSYNC__ERROR__INIT;
    Unionsync__Digest digest = UNIONSYNC__DIGEST__INIT;
    Unionsync__Digests digests = UNIONSYNC__DIGESTS__INIT;
    s_scratch_t s;
    memset (&s, 0, sizeof s);
    int rc = 0;

    uint32_t wire = msg->wire ? msg->wire : US_WIRE_VERSION;
    if (wire < US_WIRE_OLDEST || wire > US_WIRE_VERSION)
        return us_error_set (US_EINVAL, "cannot encode wire version %u", wire);
    env.version = wire;
    env.request_id = msg->request_id;
    switch (msg->type) {
        case US_MSG_HELLO:
            hello.epoch = msg->hello.epoch;
            hello.last_seq = msg->hello.last_seq;
            hello.checkpoint = msg->hello.checkpoint;
            hello.hlc = msg->hello.hlc;
            hello.wire = msg->hello.wire;
            hello.acked = msg->hello.acked;
            hello.checkpoint_mark = msg->hello.checkpoint_mark;
            hello.incarnation = s_str (msg->hello.incarnation);
            if (msg->hello.n_audit_counts > US_MAX_HEADS)
                return us_error_set (US_EINVAL, "more than %d audit heads", US_MAX_HEADS);
            hello.n_audit_counts = msg->hello.n_audit_counts;
            hello.audit_counts = (uint64_t *) msg->hello.audit_counts;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_HELLO;
            env.hello = &hello;
            break;
        case US_MSG_WELCOME:
            welcome.server_time = msg->welcome.server_time;
            welcome.epoch = msg->welcome.epoch;
            welcome.high_water = msg->welcome.high_water;
            welcome.unit = s_str (msg->welcome.unit);
            welcome.head = msg->welcome.head;
            welcome.wire = msg->welcome.wire;
            welcome.min_wire = msg->welcome.min_wire;
            welcome.incarnation = s_str (msg->welcome.incarnation);
            welcome.audit_records = msg->welcome.audit_records;
            welcome.audit_hash = s_bin (msg->welcome.audit_hash);
            welcome.audit_signature = s_bin (msg->welcome.audit_signature);
            welcome.audit_key = s_bin (msg->welcome.audit_key);
            if (msg->welcome.n_audit_proof > US_MAX_HEADS)
                return us_error_set (US_EINVAL, "more than %d audit proofs", US_MAX_HEADS);
            for (size_t i = 0; i < msg->welcome.n_audit_proof; i++)
                proof [i] = s_bin (msg->welcome.audit_proof [i]);
            welcome.n_audit_proof = msg->welcome.n_audit_proof;
            welcome.audit_proof = proof;
            if (msg->welcome.n_recoded > US_MAX_RECODED)
                return us_error_set (US_EINVAL, "more than %d re-coded units", US_MAX_RECODED);
            welcome.n_recoded = msg->welcome.n_recoded;
            welcome.recoded = (char **) msg->welcome.recoded;
            if (msg->welcome.n_restores > US_MAX_HEADS)
                return us_error_set (US_EINVAL, "more than %d restores", US_MAX_HEADS);
            for (size_t i = 0; i < msg->welcome.n_restores; i++) {
                const us_restore_notice_t *r = &msg->welcome.restores [i];
                unionsync__restore__init (&restores [i]);
                restores [i].record = r->record;
                restores [i].at = r->at;
                restores [i].before = r->before;
                restores [i].before_hash = s_bin (r->before_hash);
                restores [i].backup = r->backup;
                restores [i].by = s_str (r->by);
                restores [i].noticed = r->noticed;
                restore_ptrs [i] = &restores [i];
            }
            welcome.n_restores = msg->welcome.n_restores;
            welcome.restores = restore_ptrs;
            welcome.digest_months = msg->welcome.digest_months;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_WELCOME;
            env.welcome = &welcome;
            break;
        case US_MSG_PUSH:
            rc = wire == 1 ? s_push_v1_encode (&push, &s, &msg->push)
                           : s_push_v2_encode (&push, &s, &msg->push);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_PUSH;
            env.push = &push;
            break;
        case US_MSG_PUSH_ACK: {
            size_t n = msg->push_ack.count;
            if (n > US_MAX_DELTAS) {
                rc = us_error_set (US_EINVAL, "too many results");
                break;
            }
            Unionsync__DeltaResult *r = s_alloc (&s, n, sizeof *r);
            Unionsync__DeltaResult **rs = s_alloc (&s, n, sizeof *rs);
            if (!r || !rs) {
                rc = us_error_set (US_ENOMEM, "out of memory encoding ack");
                break;
            }
            for (size_t i = 0; i < n; i++) {
                const us_result_t *x = &msg->push_ack.results [i];
                unionsync__delta_result__init (&r [i]);
                r [i].seq = x->seq;
                r [i].outcome = (Unionsync__Outcome) x->outcome;
                r [i].reason = s_str (x->reason);
                r [i].version = x->version;
                r [i].value = x->value;
                r [i].cleared = x->cleared;
                r [i].duplicate = x->duplicate;
                rs [i] = &r [i];
            }
            ack.n_results = n;
            ack.results = rs;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_PUSH_ACK;
            env.push_ack = &ack;
            break;
        }
        case US_MSG_PULL:
            pull.since = msg->pull.since;
            pull.limit = msg->pull.limit;
            pull.acked = msg->pull.acked;
            pull.epoch = msg->pull.epoch;
            if (!s_range_ok (msg->pull.digest_first, msg->pull.digest_last, true)
            ||  !s_months_ok (msg->pull.months, msg->pull.n_months, false, US_REPAIR_MONTHS)) {
                rc = us_error_set (US_EINVAL, "pull with a bad digest range or months");
                break;
            }
            pull.digest_first = (uint32_t) msg->pull.digest_first;
            pull.digest_last = (uint32_t) msg->pull.digest_last;
            pull.n_months = msg->pull.n_months;
            pull.months = s_months_wire (&s, msg->pull.months, msg->pull.n_months);
            if (!pull.months) {
                rc = us_error_set (US_ENOMEM, "out of memory encoding pull");
                break;
            }
            env.body_case = UNIONSYNC__ENVELOPE__BODY_PULL;
            env.pull = &pull;
            break;
        case US_MSG_CHANGES:
            rc = s_changes_build (&changes, &s, &msg->changes);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_CHANGES;
            env.changes = &changes;
            break;
        case US_MSG_SUBMIT:
            submit.unit = s_str (msg->submit.unit);
            submit.period = s_str (msg->submit.period);
            submit.hlc = msg->submit.hlc;
            submit.nil = msg->submit.nil;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_SUBMIT;
            env.submit = &submit;
            break;
        case US_MSG_SUBMIT_ACK:
            sack.ok = msg->submit_ack.ok;
            sack.reason = s_str (msg->submit_ack.reason);
            sack.state = s_str (msg->submit_ack.state);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_SUBMIT_ACK;
            env.submit_ack = &sack;
            break;
        case US_MSG_ERROR:
            error.code = s_code_to_wire (msg->error.code);
            error.message = s_str (msg->error.message);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_ERROR;
            env.error = &error;
            break;
        case US_MSG_DIGEST:
            if (!s_range_ok (msg->digest.first, msg->digest.last, false)) {
                rc = us_error_set (US_EINVAL, "digest of a bad range of months");
                break;
            }
            digest.first = (uint32_t) msg->digest.first;
            digest.last = (uint32_t) msg->digest.last;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_DIGEST;
            env.digest = &digest;
            break;
        case US_MSG_DIGESTS:
            rc = s_digests_build (&digests, &s, &msg->digests);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_DIGESTS;
            env.digests = &digests;
            break;
        default:
            rc = us_error_set (US_EINVAL, "cannot encode message type %d", (int) msg->type);
    }
    if (rc == 0)
        rc = s_pack (buf_p, len_p, &env);
    s_scratch_free (&s);
    return rc;
}

/* Encodes the bytes a Push of wire version wire signs. */
int
us_codec_signed_bytes (uint8_t **buf_p, size_t *len_p, const us_push_t *push, uint32_t wire)
{
    if (wire == 1) {
        us_push_t unsigned_push = *push;
        unsigned_push.signature = NULL;
        unsigned_push.signature_len = 0;
        us_msg_t msg = { .type = US_MSG_PUSH, .wire = 1, .push = unsigned_push };
        return us_codec_encode (buf_p, len_p, &msg);
    }
    if (wire != US_WIRE_VERSION)
        return us_error_set (US_EINVAL, "cannot encode wire version %u", wire);
    return s_batch_encode (buf_p, len_p, push);
}

/* Encodes the bytes a Push of the current wire signs and carries. */
int
us_codec_push_signed_bytes (uint8_t **buf_p, size_t *len_p, const us_push_t *push)
{
    return us_codec_signed_bytes (buf_p, len_p, push, US_WIRE_VERSION);
}

/*  ----------------------------------------------------------------------
    Decoding
    ---------------------------------------------------------------------- */

/* A block of the arena a message is unpacked into. */
typedef struct s_block_t {
    struct s_block_t *next;
    size_t used, size;
    max_align_t data [];
} s_block_t;

#define S_BLOCK_SIZE (64 * 1024)

/* Storage behind a decoded message. protobuf-c allocates every part of a
   message on its own (a page of 10,000 figures: 10,000 structs and their
   strings); they come from the blocks of an arena instead, freed together
   with the message: the mallocs and frees of those parts were some 5% of
   an office's first pull. */
typedef struct {
    Unionsync__Envelope *env;
    Unionsync__Batch *batch;        /* a wire-2 Push's batch, unpacked   */
    uint8_t *signed_bytes;          /* a wire-1 Push's re-encoding       */
    void *arrays [8];
    s_block_t *blocks;              /* the arena, newest block first     */
    ProtobufCAllocator arena;       /* unpacks into blocks               */
} s_owned_t;

/* Under AddressSanitizer every part gets a block of its own, so that a
   read past the end of one (by a decoder, under the fuzzers) still hits
   a red zone. */
#if defined (__SANITIZE_ADDRESS__)
#  define S_ARENA_SHARED 0
#elif defined (__has_feature)
#  if __has_feature (address_sanitizer)
#    define S_ARENA_SHARED 0
#  endif
#endif
#ifndef S_ARENA_SHARED
#  define S_ARENA_SHARED 1
#endif

/* Allocates size bytes from the arena of the s_owned_t data; NULL when
   out of memory (protobuf-c then fails the unpack). */
static void *
s_arena_alloc (void *data, size_t size)
{
    s_owned_t *o = data;
    if (size > SIZE_MAX / 2)
        return NULL;                    /* never asked of a bounded message */
    if (S_ARENA_SHARED)
        size = (size + sizeof (max_align_t) - 1) / sizeof (max_align_t) * sizeof (max_align_t);
    s_block_t *b = S_ARENA_SHARED ? o->blocks : NULL;
    if (!b || b->size - b->used < size) {
        /* Blocks double from 1 KB: a Hello takes one small block, a page
           of figures a few dozen of 64 KB. */
        size_t n = b && b->size < S_BLOCK_SIZE ? 2 * b->size : b ? S_BLOCK_SIZE : 1024;
        if (n < size || !S_ARENA_SHARED)
            n = size;
        if (!(b = malloc (sizeof *b + n)))
            return NULL;
        *b = (s_block_t) { .next = o->blocks, .used = 0, .size = n };
        o->blocks = b;
    }
    void *p = (char *) b->data + b->used;
    b->used += size;
    return p;
}

/* Frees nothing: the arena's blocks go with the message. */
static void
s_arena_free (void *data, void *ptr)
{
    (void) data;
    (void) ptr;
}

/* Makes o's arena the allocator protobuf-c unpacks with. */
static void
s_arena_init (s_owned_t *o)
{
    o->arena = (ProtobufCAllocator) { s_arena_alloc, s_arena_free, o };
}

/*  ----------------------------------------------------------------------
    The decoding budget

    protobuf-c allocates every part of a message as it unpacks it, so a
    small message of many empty parts (800 KB of empty deltas are 400,000
    of them, about 60 MB unpacked) could take far more memory than its size
    before the limits below are checked. A scan of the raw bytes comes
    first: it walks each message, counts the entries of its repeated fields
    against their limits, and charges every part an estimate that is never
    below what unpacking allocates for it. Nothing is allocated when a
    count passes its limit or the estimate passes US_DECODE_BUDGET. The
    scan reads each byte once and allocates nothing.
    ---------------------------------------------------------------------- */

#define S_COST_MESSAGE  256     /* a message struct, its slot, malloc's own  */
#define S_COST_FIELD    64      /* any field; an unknown one is kept, copied */

typedef struct s_shape_t s_shape_t;

/* A field the scan knows: its number, its most entries in one message,
   and for a message field the shape to scan it with. */
typedef struct {
    uint32_t field;
    uint32_t max;
    const char *name;
    const s_shape_t *child;
} s_rule_t;

/* A message the scan knows. */
struct s_shape_t {
    const char *name;
    const s_rule_t *rules;
    size_t n_rules;
};

#define S_SHAPE(name, rules) { name, rules, sizeof rules / sizeof rules [0] }
#define S_ONE UINT32_MAX        /* a singular field: repeats merge, bounded by cost */

static const s_shape_t s_entry = { "entry", NULL, 0 };
/* A packed repeated number: unpacked, each byte may become 8. */
static const s_shape_t s_packed = { "numbers", NULL, 0 };
static const s_rule_t s_push_rules [] = {
    { 2, US_MAX_TABLE, "units", NULL }, { 3, US_MAX_TABLE, "indicators", NULL },
    { 4, US_MAX_TABLE, "authors", NULL }, { 5, US_MAX_DELTAS, "deltas", &s_entry } };
static const s_shape_t s_push_shape = S_SHAPE ("push", s_push_rules);
static const s_rule_t s_batch_rules [] = {
    { 3, US_MAX_TABLE, "units", NULL }, { 4, US_MAX_TABLE, "indicators", NULL },
    { 5, US_MAX_TABLE, "authors", NULL }, { 9, US_MAX_DELTAS, "deltas", &s_entry } };
static const s_shape_t s_batch_shape = S_SHAPE ("batch", s_batch_rules);
static const s_rule_t s_ack_rules [] = { { 1, US_MAX_DELTAS, "results", &s_entry } };
static const s_shape_t s_ack_shape = S_SHAPE ("push ack", s_ack_rules);
static const s_rule_t s_changes_rules [] = {
    { 3, US_MAX_TABLE, "units", NULL }, { 4, US_MAX_TABLE, "indicators", NULL },
    { 5, US_MAX_PAGE, "unit definitions", &s_entry },
    { 6, US_MAX_PAGE, "indicator definitions", &s_entry },
    { 7, US_MAX_PAGE, "cells", &s_entry }, { 8, US_MAX_PAGE, "targets", &s_entry },
    { 9, US_MAX_PAGE, "conflicts", &s_entry }, { 10, US_MAX_PAGE, "submissions", &s_entry },
    { 11, US_MAX_SCHEDULES, "schedules", &s_entry },
    { 13, US_REPAIR_MONTHS, "months", &s_packed } };
static const s_shape_t s_changes_shape = S_SHAPE ("changes page", s_changes_rules);
static const s_rule_t s_hello_rules [] = { { 6, US_MAX_HEADS, "audit heads", NULL } };
static const s_shape_t s_hello_shape = S_SHAPE ("hello", s_hello_rules);
static const s_rule_t s_welcome_rules [] = { { 12, US_MAX_HEADS, "audit proofs", NULL },
                                             { 14, US_MAX_RECODED, "re-coded units", NULL },
                                             { 15, US_MAX_HEADS, "restores", &s_entry } };
static const s_shape_t s_welcome_shape = S_SHAPE ("welcome", s_welcome_rules);
static const s_rule_t s_pull_rules [] = { { 5, US_REPAIR_MONTHS, "months", &s_packed } };
static const s_shape_t s_pull_shape = S_SHAPE ("pull", s_pull_rules);
static const s_rule_t s_digests_rules [] = {
    { 2, US_DIGEST_MONTHS, "month digests", &s_entry } };
static const s_shape_t s_digests_shape = S_SHAPE ("digests", s_digests_rules);
static const s_rule_t s_envelope_rules [] = {
    { 10, S_ONE, "hello", &s_hello_shape }, { 11, S_ONE, "welcome", &s_welcome_shape },
    { 12, S_ONE, "push", &s_push_shape }, { 13, S_ONE, "push ack", &s_ack_shape },
    { 14, S_ONE, "pull", &s_pull_shape }, { 15, S_ONE, "changes", &s_changes_shape },
    { 16, S_ONE, "submit", &s_entry }, { 17, S_ONE, "submit ack", &s_entry },
    { 18, S_ONE, "error", &s_entry }, { 19, S_ONE, "digest", &s_entry },
    { 20, S_ONE, "digests", &s_digests_shape } };
static const s_shape_t s_envelope_shape = S_SHAPE ("message", s_envelope_rules);

/* Reads a varint at *pos; false when it is cut short or longer than 10 bytes. */
static bool
s_varint (const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 70 && *pos < len; shift += 7) {
        uint8_t b = p [(*pos)++];
        if (shift < 64)
            *v |= (uint64_t) (b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* Scans one message of len bytes against shape, adding to *cost. */
static int
s_scan (const uint8_t *p, size_t len, const s_shape_t *shape, size_t *cost)
{
    uint32_t counts [16] = { 0 };
    size_t pos = 0;
    *cost += S_COST_MESSAGE;
    while (pos < len) {
        uint64_t key, v;
        size_t body = 0, blen = 0;
        if (!s_varint (p, len, &pos, &key) || key >> 3 == 0 || key >> 3 > 0x1FFFFFFF)
            return us_error_set (US_EPROTO, "malformed %s (%zu bytes)", shape->name, len);
        bool ok;
        switch (key & 7) {
            case 0: ok = s_varint (p, len, &pos, &v); break;
            case 1: ok = len - pos >= 8; pos += ok ? 8 : 0; break;
            case 5: ok = len - pos >= 4; pos += ok ? 4 : 0; break;
            case 2:
                ok = s_varint (p, len, &pos, &v) && v <= len - pos;
                body = pos;
                blen = ok ? (size_t) v : 0;
                pos += blen;
                break;
            default: ok = false;
        }
        if (!ok)
            return us_error_set (US_EPROTO, "malformed %s (%zu bytes)", shape->name, len);
        *cost += S_COST_FIELD + blen;
        if (*cost > US_DECODE_BUDGET)
            return us_error_set (US_EPROTO, "%s would take more than %d MB to decode",
                                 shape->name, US_DECODE_BUDGET >> 20);
        for (size_t r = 0; r < shape->n_rules; r++) {
            const s_rule_t *rule = &shape->rules [r];
            if (rule->field != (uint32_t) (key >> 3))
                continue;
            if (++counts [r] > rule->max)
                return us_error_set (US_EPROTO, "%s has more than %u %s", shape->name,
                                     rule->max, rule->name);
            if (rule->child == &s_packed && (key & 7) == 2) {
                *cost += blen * 8;
                if (*cost > US_DECODE_BUDGET)
                    return us_error_set (US_EPROTO, "%s would take more than %d MB to decode",
                                         shape->name, US_DECODE_BUDGET >> 20);
            }
            else
            if (rule->child && (key & 7) == 2) {
                int rc = s_scan (p + body, blen, rule->child, cost);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

/* Checks that every string of a table is within bounds. */
static bool
s_table_ok (char **names, size_t n, size_t max)
{
    if (n > US_MAX_TABLE)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!s_str_ok (names [i], max))
            return false;
    return true;
}

/* Checks a month index from the wire. */
static bool
s_month_ok (int64_t month)
{
    return month >= 0 && month <= INT32_MAX && us_month_valid ((int) month);
}

/* Checks a Push's deltas count and name tables. */
static int
s_push_bounds (size_t n_deltas, char **units, size_t n_units, char **indicators,
               size_t n_indicators, char **authors, size_t n_authors)
{
    if (n_deltas > US_MAX_DELTAS)
        return us_error_set (US_EPROTO, "push has %zu deltas, limit %d",
                             n_deltas, US_MAX_DELTAS);
    if (!s_table_ok (units, n_units, US_MAX_CODE)
    ||  !s_table_ok (indicators, n_indicators, US_MAX_CODE)
    ||  !s_table_ok (authors, n_authors, US_MAX_CODE))
        return us_error_set (US_EPROTO, "push has a bad name table");
    return 0;
}

/* Converts and checks a wire-1 Push, and re-encodes what it signed. */
static int
s_push_v1_take (us_msg_t *msg, s_owned_t *o, Unionsync__Push *pb)
{
    if (pb->batch.len)
        return us_error_set (US_EPROTO, "a wire-1 push carries a batch");
    int rc = s_push_bounds (pb->n_deltas, pb->units, pb->n_units, pb->indicators,
                            pb->n_indicators, pb->authors, pb->n_authors);
    if (rc)
        return rc;
    us_delta_t *d = calloc (pb->n_deltas ? pb->n_deltas : 1, sizeof *d);
    if (!d)
        return us_error_set (US_ENOMEM, "out of memory decoding push");
    o->arrays [0] = d;
    for (size_t i = 0; i < pb->n_deltas; i++) {
        Unionsync__DeltaV1 *x = pb->deltas [i];
        if (x->unit >= pb->n_units || x->indicator >= pb->n_indicators
        ||  x->author >= pb->n_authors)
            return us_error_set (US_EPROTO, "delta %zu refers outside its tables", i);
        if (!s_month_ok (x->month))
            return us_error_set (US_EPROTO, "delta %zu has a bad month", i);
        if (!s_str_ok (x->note, US_MAX_NOTE))
            return us_error_set (US_EPROTO, "delta %zu has an over-long note", i);
        d [i] = (us_delta_t) { x->seq, pb->units [x->unit], pb->indicators [x->indicator],
            (int) x->month, x->value, x->clear, x->hlc, x->base_version,
            pb->authors [x->author], x->note };
    }
    msg->push.epoch = pb->epoch;
    msg->push.count = pb->n_deltas;
    msg->push.deltas = d;
    size_t len;
    rc = us_codec_signed_bytes (&o->signed_bytes, &len, &msg->push, 1);
    if (rc)
        return rc == US_ENOMEM ? rc : us_error_set (US_EPROTO, "push cannot be re-encoded");
    msg->push.batch = o->signed_bytes;
    msg->push.batch_len = len;
    return 0;
}

/* Converts and checks the Batch in len bytes into msg->push; the Batch is
   kept in o. */
static int
s_batch_take (us_msg_t *msg, s_owned_t *o, const uint8_t *data, size_t len)
{
    size_t cost = 0;
    int rc = s_scan (data, len, &s_batch_shape, &cost);
    if (rc)
        return rc;
    Unionsync__Batch *pb = o->batch = unionsync__batch__unpack (&o->arena, len, data);
    if (!pb)
        return us_error_set (US_EPROTO, "malformed batch (%zu bytes)", len);
    if (pb->format != US_WIRE_VERSION)
        return us_error_set (US_EPROTO, "batch of format %u, not %d", pb->format,
                             US_WIRE_VERSION);
    rc = s_push_bounds (pb->n_deltas, pb->units, pb->n_units, pb->indicators,
                        pb->n_indicators, pb->authors, pb->n_authors);
    if (rc)
        return rc;
    us_delta_t *d = calloc (pb->n_deltas ? pb->n_deltas : 1, sizeof *d);
    if (!d)
        return us_error_set (US_ENOMEM, "out of memory decoding push");
    o->arrays [0] = d;
    uint64_t seq = pb->seq_base, hlc = pb->hlc_base;
    int64_t month = pb->month_base;
    for (size_t i = 0; i < pb->n_deltas; i++) {
        Unionsync__Delta *x = pb->deltas [i];
        if (x->unit >= pb->n_units || x->indicator >= pb->n_indicators
        ||  x->author >= pb->n_authors)
            return us_error_set (US_EPROTO, "delta %zu refers outside its tables", i);
        month += x->month;
        if (!s_month_ok (month))
            return us_error_set (US_EPROTO, "delta %zu has a bad month", i);
        if (!s_str_ok (x->note, US_MAX_NOTE))
            return us_error_set (US_EPROTO, "delta %zu has an over-long note", i);
        seq += (uint64_t) x->seq;
        hlc += (uint64_t) x->hlc;
        d [i] = (us_delta_t) { seq, pb->units [x->unit], pb->indicators [x->indicator],
            (int) month, x->value, x->clear, hlc, x->base_version,
            pb->authors [x->author], x->note };
    }
    msg->push.epoch = pb->epoch;
    msg->push.resent = pb->resent;
    msg->push.count = pb->n_deltas;
    msg->push.deltas = d;
    msg->push.batch = data;
    msg->push.batch_len = len;
    return 0;
}

/* Converts and checks a decoded Push of wire version wire. */
static int
s_push_take (us_msg_t *msg, s_owned_t *o, Unionsync__Push *pb, uint32_t wire)
{
    if (pb->signature.len > US_MAX_SIG)
        return us_error_set (US_EPROTO, "push signature too long");
    msg->push.signature = pb->signature.data;
    msg->push.signature_len = pb->signature.len;
    if (wire == 1)
        return s_push_v1_take (msg, o, pb);
    if (pb->epoch || pb->n_units || pb->n_indicators || pb->n_authors || pb->n_deltas)
        return us_error_set (US_EPROTO, "a wire-%u push carries wire-1 fields", wire);
    if (!pb->batch.len)
        return us_error_set (US_EPROTO, "push carries no batch");
    msg->push.acked = pb->acked;
    return s_batch_take (msg, o, pb->batch.data, pb->batch.len);
}

/* Converts and checks a decoded PushAck. */
static int
s_ack_take (us_msg_t *msg, s_owned_t *o, Unionsync__PushAck *pb)
{
    if (pb->n_results > US_MAX_DELTAS)
        return us_error_set (US_EPROTO, "too many results");
    us_result_t *r = calloc (pb->n_results ? pb->n_results : 1, sizeof *r);
    if (!r)
        return us_error_set (US_ENOMEM, "out of memory decoding ack");
    o->arrays [0] = r;
    for (size_t i = 0; i < pb->n_results; i++) {
        Unionsync__DeltaResult *x = pb->results [i];
        if (x->outcome < UNIONSYNC__OUTCOME__OUTCOME_ACCEPTED
        ||  x->outcome > UNIONSYNC__OUTCOME__OUTCOME_REJECTED)
            return us_error_set (US_EPROTO, "result %zu has an unknown outcome", i);
        if (!s_str_ok (x->reason, US_MAX_NOTE))
            return us_error_set (US_EPROTO, "result %zu has an over-long reason", i);
        r [i].seq = x->seq;
        r [i].outcome = (us_outcome_t) x->outcome;
        r [i].reason = x->reason;
        r [i].version = x->version;
        r [i].value = x->value;
        r [i].cleared = x->cleared;
        r [i].duplicate = x->duplicate;
    }
    msg->push_ack.count = pb->n_results;
    msg->push_ack.results = r;
    return 0;
}

/* Copies wire months into a new int array (one slot more, never NULL
   unless out of memory). */
static int *
s_months_int (const uint32_t *months, size_t n)
{
    int *m = calloc (n + 1, sizeof *m);
    for (size_t i = 0; m && i < n; i++)
        m [i] = (int) months [i];
    return m;
}

/* Returns the name at index i of a table, or NULL when out of range. */
static const char *
s_name (char **names, size_t n, uint32_t i)
{
    return i < n ? names [i] : NULL;
}

/* Converts and checks the schedules of a decoded Changes page into
   c->schedules (allocated for them). */
static int
s_schedules_take (us_changes_t *c, Unionsync__Changes *pb)
{
    if (pb->n_schedules > US_MAX_SCHEDULES)
        return us_error_set (US_EPROTO, "changes page holds too many schedules");
    for (size_t i = 0; i < pb->n_schedules; i++) {
        Unionsync__ScheduleDef *x = pb->schedules [i];
        if (!s_str_ok (x->code, US_MAX_CODE) || !s_str_ok (x->name, US_MAX_NAME)
        ||  !s_str_ok (x->period, US_MAX_CODE) || !s_str_ok (x->kinds, US_MAX_CODE_LIST)
        ||  !s_str_ok (x->indicators, US_MAX_CODE_LIST) || !s_str_ok (x->deadline, US_MAX_CODE))
            return us_error_set (US_EPROTO, "schedule %zu out of bounds", i);
        c->schedules [i] = (us_schedule_def_t) { x->code, x->name, x->period, x->kinds,
                                                 x->indicators, x->deadline };
    }
    c->n_schedules = pb->n_schedules;
    return 0;
}

/* Converts and checks a decoded Changes page. */
static int
s_changes_take (us_msg_t *msg, s_owned_t *o, Unionsync__Changes *pb)
{
    us_changes_t *c = &msg->changes;
    if (pb->n_unit_defs + pb->n_indicator_defs + pb->n_cells + pb->n_targets
        + pb->n_conflicts + pb->n_submissions > US_MAX_PAGE)
        return us_error_set (US_EPROTO, "changes page too large");
    if (!s_table_ok (pb->units, pb->n_units, US_MAX_CODE)
    ||  !s_table_ok (pb->indicators, pb->n_indicators, US_MAX_CODE))
        return us_error_set (US_EPROTO, "changes page has a bad name table");
    c->next = pb->next;
    c->more = pb->more;
    c->mark = pb->mark;
    c->units = o->arrays [0] = calloc (pb->n_unit_defs + 1, sizeof *c->units);
    c->indicators = o->arrays [1] = calloc (pb->n_indicator_defs + 1, sizeof *c->indicators);
    c->cells = o->arrays [2] = calloc (pb->n_cells + 1, sizeof *c->cells);
    c->targets = o->arrays [3] = calloc (pb->n_targets + 1, sizeof *c->targets);
    c->conflicts = o->arrays [4] = calloc (pb->n_conflicts + 1, sizeof *c->conflicts);
    c->submissions = o->arrays [5] = calloc (pb->n_submissions + 1, sizeof *c->submissions);
    c->schedules = o->arrays [6] = calloc (pb->n_schedules + 1, sizeof *c->schedules);
    if (!c->units || !c->indicators || !c->cells || !c->targets
    ||  !c->conflicts || !c->submissions || !c->schedules)
        return us_error_set (US_ENOMEM, "out of memory decoding changes");
    char **un = pb->units, **in = pb->indicators;
    size_t nu = pb->n_units, ni = pb->n_indicators;

    for (size_t i = 0; i < pb->n_unit_defs; i++) {
        Unionsync__UnitDef *x = pb->unit_defs [i];
        if (!s_str_ok (x->code, US_MAX_CODE) || !s_str_ok (x->name, US_MAX_NAME)
        ||  !s_str_ok (x->parent, US_MAX_CODE) || !s_str_ok (x->kind, US_MAX_CODE)
        ||  !s_str_ok (x->valid_from, US_MAX_CODE) || !s_str_ok (x->valid_to, US_MAX_CODE)
        ||  !s_str_ok (x->successor, US_MAX_NAME) || !s_str_ok (x->shares, US_MAX_SHARES_TEXT))
            return us_error_set (US_EPROTO, "unit definition %zu out of bounds", i);
        c->units [i] = (us_unit_def_t) { x->code, x->name, x->parent, x->kind,
                                         x->valid_from, x->valid_to, x->successor, x->shares };
    }
    c->n_units = pb->n_unit_defs;
    for (size_t i = 0; i < pb->n_indicator_defs; i++) {
        Unionsync__IndicatorDef *x = pb->indicator_defs [i];
        if (!s_str_ok (x->code, US_MAX_CODE) || !s_str_ok (x->name, US_MAX_NAME)
        ||  !s_str_ok (x->kind, US_MAX_CODE) || !s_str_ok (x->numerator, US_MAX_CODE)
        ||  !s_str_ok (x->denominator, US_MAX_CODE) || !s_str_ok (x->policy, US_MAX_CODE)
        ||  !s_str_ok (x->rule, US_MAX_NAME))
            return us_error_set (US_EPROTO, "indicator definition %zu out of bounds", i);
        c->indicators [i] = (us_indicator_def_t) { x->code, x->name, x->kind,
            x->numerator, x->denominator, x->policy, x->rule, x->position };
    }
    c->n_indicators = pb->n_indicator_defs;
    for (size_t i = 0; i < pb->n_cells; i++) {
        Unionsync__CellChange *x = pb->cells [i];
        us_cell_change_t *y = &c->cells [i];
        y->unit = s_name (un, nu, x->unit);
        y->indicator = s_name (in, ni, x->indicator);
        if (!y->unit || !y->indicator || !s_month_ok (x->month)
        ||  !s_str_ok (x->author, US_MAX_CODE) || !s_str_ok (x->note, US_MAX_NOTE))
            return us_error_set (US_EPROTO, "cell change %zu out of bounds", i);
        y->month = (int) x->month;
        y->value = x->value;
        y->cleared = x->cleared;
        y->version = x->version;
        y->hlc = x->hlc;
        y->author = x->author;
        y->note = x->note;
        y->corrected = x->corrected;
    }
    c->n_cells = pb->n_cells;
    for (size_t i = 0; i < pb->n_targets; i++) {
        Unionsync__TargetDef *x = pb->targets [i];
        us_target_def_t *y = &c->targets [i];
        y->unit = s_name (un, nu, x->unit);
        y->indicator = s_name (in, ni, x->indicator);
        if (!y->unit || !y->indicator || !s_str_ok (x->period, US_PERIOD_TEXT)
        ||  !s_str_ok (x->source, US_MAX_CODE))
            return us_error_set (US_EPROTO, "target %zu out of bounds", i);
        y->period = x->period;
        y->source = x->source;
        y->lo = x->lo;
        y->hi = x->hi;
        y->range = x->range;
        y->version = x->version;
    }
    c->n_targets = pb->n_targets;
    for (size_t i = 0; i < pb->n_conflicts; i++) {
        Unionsync__ConflictNotice *x = pb->conflicts [i];
        us_conflict_notice_t *y = &c->conflicts [i];
        y->unit = s_name (un, nu, x->unit);
        y->indicator = s_name (in, ni, x->indicator);
        if (!y->unit || !y->indicator || !s_month_ok (x->month)
        ||  !s_str_ok (x->winner_author, US_MAX_CODE)
        ||  !s_str_ok (x->loser_author, US_MAX_CODE) || !s_str_ok (x->rule, US_MAX_CODE))
            return us_error_set (US_EPROTO, "conflict notice %zu out of bounds", i);
        y->id = x->id;
        y->month = (int) x->month;
        y->winner_value = x->winner_value;
        y->winner_cleared = x->winner_cleared;
        y->winner_author = x->winner_author;
        y->loser_value = x->loser_value;
        y->loser_cleared = x->loser_cleared;
        y->loser_author = x->loser_author;
        y->rule = x->rule;
        y->at = x->at;
    }
    c->n_conflicts = pb->n_conflicts;
    for (size_t i = 0; i < pb->n_submissions; i++) {
        Unionsync__SubmissionState *x = pb->submissions [i];
        us_submission_state_t *y = &c->submissions [i];
        y->unit = s_name (un, nu, x->unit);
        if (!y->unit || !s_str_ok (x->period, US_PERIOD_TEXT)
        ||  !s_str_ok (x->state, US_MAX_CODE))
            return us_error_set (US_EPROTO, "submission %zu out of bounds", i);
        y->period = x->period;
        y->state = x->state;
        y->at = x->at;
    }
    c->n_submissions = pb->n_submissions;
    if ((pb->digest.len && pb->digest.len != 32)
    ||  !s_months_ok (pb->months, pb->n_months, true, US_REPAIR_MONTHS))
        return us_error_set (US_EPROTO, "changes page with a bad digest or months");
    c->digest = (us_bytes_t) { pb->digest.data, pb->digest.len };
    c->months = o->arrays [7] = s_months_int (pb->months, pb->n_months);
    if (!c->months)
        return us_error_set (US_ENOMEM, "out of memory decoding changes");
    c->n_months = pb->n_months;
    return s_schedules_take (c, pb);
}

/* Converts and checks a decoded Pull. */
static int
s_pull_take (us_msg_t *msg, s_owned_t *o, Unionsync__Pull *pb)
{
    if (!s_range_ok (pb->digest_first, pb->digest_last, true))
        return us_error_set (US_EPROTO, "pull asks the digest of a bad range of months");
    if (!s_months_ok (pb->months, pb->n_months, true, US_REPAIR_MONTHS))
        return us_error_set (US_EPROTO, "pull asks bad months (at most %d, ascending)",
                             US_REPAIR_MONTHS);
    int *months = o->arrays [0] = s_months_int (pb->months, pb->n_months);
    if (!months)
        return us_error_set (US_ENOMEM, "out of memory decoding pull");
    msg->pull = (us_pull_t) { .since = pb->since, .limit = pb->limit,
        .digest_first = (int) pb->digest_first, .digest_last = (int) pb->digest_last,
        .months = months, .n_months = pb->n_months, .acked = pb->acked, .epoch = pb->epoch };
    return 0;
}

/* Converts and checks a decoded Digests. */
static int
s_digests_take (us_msg_t *msg, s_owned_t *o, Unionsync__Digests *pb)
{
    if (pb->n_months > US_DIGEST_MONTHS)
        return us_error_set (US_EPROTO, "more than %d month digests", US_DIGEST_MONTHS);
    us_month_hash_t *m = o->arrays [0] = calloc (pb->n_months + 1, sizeof *m);
    if (!m)
        return us_error_set (US_ENOMEM, "out of memory decoding digests");
    int64_t before = -1;
    for (size_t i = 0; i < pb->n_months; i++) {
        Unionsync__MonthDigest *x = pb->months [i];
        if (!s_month_ok (x->month) || (int64_t) x->month <= before || x->digest.len != 32)
            return us_error_set (US_EPROTO, "month digest %zu is bad", i);
        before = x->month;
        m [i] = (us_month_hash_t) { (int) x->month, { x->digest.data, x->digest.len } };
    }
    msg->digests = (us_digests_t) { pb->head, pb->n_months, m };
    return 0;
}

/* Converts a decoded Welcome; its audit proof goes to an owned array. */
static int
s_welcome_take (us_msg_t *msg, s_owned_t *o, Unionsync__Welcome *w)
{
    if (!s_str_ok (w->unit, US_MAX_CODE))
        return us_error_set (US_EPROTO, "welcome unit too long");
    if (!s_str_ok (w->incarnation, US_MAX_CODE))
        return us_error_set (US_EPROTO, "welcome incarnation too long");
    if (w->n_audit_proof > US_MAX_HEADS)
        return us_error_set (US_EPROTO, "welcome carries more than %d audit proofs",
                             US_MAX_HEADS);
    us_bytes_t *proof = calloc (w->n_audit_proof + 1, sizeof *proof);
    if (!proof)
        return us_error_set (US_ENOMEM, "out of memory");
    o->arrays [0] = proof;
    for (size_t i = 0; i < w->n_audit_proof; i++)
        proof [i] = (us_bytes_t) { w->audit_proof [i].data, w->audit_proof [i].len };
    if (w->n_recoded > US_MAX_RECODED)
        return us_error_set (US_EPROTO, "welcome carries more than %d re-coded units",
                             US_MAX_RECODED);
    for (size_t i = 0; i < w->n_recoded; i++)
        if (!s_str_ok (w->recoded [i], 2 * US_MAX_CODE + 1))
            return us_error_set (US_EPROTO, "welcome re-coded unit %zu too long", i);
    if (w->n_restores > US_MAX_HEADS)
        return us_error_set (US_EPROTO, "welcome carries more than %d restores", US_MAX_HEADS);
    us_restore_notice_t *restores = calloc (w->n_restores + 1, sizeof *restores);
    if (!restores)
        return us_error_set (US_ENOMEM, "out of memory");
    o->arrays [1] = restores;
    for (size_t i = 0; i < w->n_restores; i++) {
        const Unionsync__Restore *x = w->restores [i];
        if (!s_str_ok (x->by, US_MAX_REPLICA_NAME)
        ||  (x->before_hash.len != 0 && x->before_hash.len != 32))
            return us_error_set (US_EPROTO, "restore %zu out of bounds", i);
        restores [i] = (us_restore_notice_t) { x->record, x->at, x->before,
            { x->before_hash.data, x->before_hash.len }, x->backup, x->by, x->noticed };
    }
    msg->welcome = (us_welcome_t) { w->server_time, w->epoch, w->high_water, w->unit, w->head,
        w->wire, w->min_wire, w->incarnation, w->audit_records,
        { w->audit_hash.data, w->audit_hash.len },
        { w->audit_signature.data, w->audit_signature.len },
        { w->audit_key.data, w->audit_key.len }, proof, w->n_audit_proof,
        (const char *const *) w->recoded, w->n_recoded,
        restores, w->n_restores, w->digest_months };
    return 0;
}

/* Converts the body of a decoded envelope into msg. */
static int
s_take (us_msg_t *msg, s_owned_t *o, Unionsync__Envelope *env)
{
    switch (env->body_case) {
        case UNIONSYNC__ENVELOPE__BODY_HELLO:
            msg->type = US_MSG_HELLO;
            if (!s_str_ok (env->hello->incarnation, US_MAX_CODE))
                return us_error_set (US_EPROTO, "hello incarnation too long");
            if (env->hello->n_audit_counts > US_MAX_HEADS)
                return us_error_set (US_EPROTO, "hello asks for more than %d audit heads",
                                     US_MAX_HEADS);
            msg->hello = (us_hello_t) { .epoch = env->hello->epoch,
                .last_seq = env->hello->last_seq, .checkpoint = env->hello->checkpoint,
                .hlc = env->hello->hlc, .wire = env->hello->wire, .acked = env->hello->acked,
                .checkpoint_mark = env->hello->checkpoint_mark,
                .incarnation = env->hello->incarnation,
                .audit_counts = env->hello->audit_counts,
                .n_audit_counts = env->hello->n_audit_counts };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_WELCOME:
            msg->type = US_MSG_WELCOME;
            return s_welcome_take (msg, o, env->welcome);
        case UNIONSYNC__ENVELOPE__BODY_PUSH:
            msg->type = US_MSG_PUSH;
            return s_push_take (msg, o, env->push, env->version);
        case UNIONSYNC__ENVELOPE__BODY_PUSH_ACK:
            msg->type = US_MSG_PUSH_ACK;
            return s_ack_take (msg, o, env->push_ack);
        case UNIONSYNC__ENVELOPE__BODY_PULL:
            msg->type = US_MSG_PULL;
            return s_pull_take (msg, o, env->pull);
        case UNIONSYNC__ENVELOPE__BODY_CHANGES:
            msg->type = US_MSG_CHANGES;
            return s_changes_take (msg, o, env->changes);
        case UNIONSYNC__ENVELOPE__BODY_SUBMIT:
            msg->type = US_MSG_SUBMIT;
            if (!s_str_ok (env->submit->unit, US_MAX_CODE)
            ||  !s_str_ok (env->submit->period, US_PERIOD_TEXT))
                return us_error_set (US_EPROTO, "submit fields out of bounds");
            msg->submit = (us_submit_t) { env->submit->unit, env->submit->period,
                                          env->submit->hlc, env->submit->nil };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_SUBMIT_ACK:
            msg->type = US_MSG_SUBMIT_ACK;
            if (!s_str_ok (env->submit_ack->reason, US_MAX_NOTE)
            ||  !s_str_ok (env->submit_ack->state, US_MAX_CODE))
                return us_error_set (US_EPROTO, "submit ack fields out of bounds");
            msg->submit_ack = (us_submit_ack_t) { env->submit_ack->ok,
                env->submit_ack->reason, env->submit_ack->state };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_ERROR:
            msg->type = US_MSG_ERROR;
            if (!s_str_ok (env->error->message, US_MAX_NOTE))
                return us_error_set (US_EPROTO, "error message too long");
            msg->error = (us_error_reply_t) { s_code_from_wire (env->error->code),
                                              env->error->message };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_DIGEST:
            msg->type = US_MSG_DIGEST;
            if (!s_range_ok (env->digest->first, env->digest->last, false))
                return us_error_set (US_EPROTO, "digest of a bad range of months");
            msg->digest = (us_digest_req_t) { (int) env->digest->first, (int) env->digest->last };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_DIGESTS:
            msg->type = US_MSG_DIGESTS;
            return s_digests_take (msg, o, env->digests);
        default:
            return us_error_set (US_EPROTO, "unknown message type");
    }
}

/* Decodes and checks len bytes into a new message *msg_p. */
int
us_codec_decode (us_msg_t **msg_p, const uint8_t *data, size_t len)
{
    *msg_p = NULL;
    if (len > US_MAX_MSG_BYTES)
        return us_error_set (US_EPROTO, "message of %zu bytes exceeds the limit", len);
    size_t cost = 0;
    if (s_scan (data, len, &s_envelope_shape, &cost) != 0)
        return US_EPROTO;
    us_msg_t *msg = calloc (1, sizeof *msg);
    s_owned_t *o = calloc (1, sizeof *o);
    if (!msg || !o) {
        free (msg);
        free (o);
        return us_error_set (US_ENOMEM, "out of memory decoding message");
    }
    msg->owned = o;
    s_arena_init (o);
    o->env = unionsync__envelope__unpack (&o->arena, len, data);
    int rc;
    if (!o->env)
        rc = us_error_set (US_EPROTO, "malformed message (%zu bytes)", len);
    else
    if (o->env->version < US_WIRE_OLDEST || o->env->version > US_WIRE_VERSION)
        rc = us_error_set (US_EPROTO, "unsupported wire version %u (this unionsync "
                           "speaks %d to %d)", o->env->version, US_WIRE_OLDEST,
                           US_WIRE_VERSION);
    else {
        msg->wire = o->env->version;
        msg->request_id = o->env->request_id;
        rc = s_take (msg, o, o->env);
    }
    if (rc != 0) {
        us_msg_destroy (&msg);
        return rc == US_ENOMEM ? rc : US_EPROTO;
    }
    *msg_p = msg;
    return 0;
}

/* Returns the last value of varint field 1 at the top of a message, or 0. */
static uint64_t
s_field1 (const uint8_t *p, size_t len)
{
    uint64_t found = 0, key, v;
    size_t pos = 0;
    while (pos < len && s_varint (p, len, &pos, &key)) {
        if ((key & 7) == 0 && s_varint (p, len, &pos, &v)) {
            if (key >> 3 == 1)
                found = v;
        }
        else
        if ((key & 7) == 2 && s_varint (p, len, &pos, &v) && v <= len - pos)
            pos += (size_t) v;
        else
        if ((key & 7) == 1 && len - pos >= 8)
            pos += 8;
        else
        if ((key & 7) == 5 && len - pos >= 4)
            pos += 4;
        else
            break;
    }
    return found;
}

/* Decodes signed bytes of either wire (a kept batch) into a Push message. */
int
us_codec_batch_decode (us_msg_t **msg_p, const uint8_t *bytes, size_t len)
{
    *msg_p = NULL;
    if (len > US_MAX_MSG_BYTES)
        return us_error_set (US_EPROTO, "batch of %zu bytes exceeds the limit", len);
    /* Field 1 is Batch.format in wire 2 and Envelope.version in wire 1. */
    uint64_t format = s_field1 (bytes, len);
    if (format == 1) {
        int rc = us_codec_decode (msg_p, bytes, len);
        if (rc == 0 && (*msg_p)->type != US_MSG_PUSH) {
            us_msg_type_t type = (*msg_p)->type;
            us_msg_destroy (msg_p);
            return us_error_set (US_EPROTO, "kept bytes are a %s, not a batch",
                                 us_msg_type_name (type));
        }
        return rc;
    }
    if (format != US_WIRE_VERSION)
        return us_error_set (US_EPROTO, "bytes of no known batch format");
    us_msg_t *msg = calloc (1, sizeof *msg);
    s_owned_t *o = calloc (1, sizeof *o);
    if (!msg || !o) {
        free (msg);
        free (o);
        return us_error_set (US_ENOMEM, "out of memory decoding batch");
    }
    msg->owned = o;
    s_arena_init (o);
    msg->type = US_MSG_PUSH;
    msg->wire = US_WIRE_VERSION;
    int rc = s_batch_take (msg, o, bytes, len);
    if (rc != 0) {
        us_msg_destroy (&msg);
        return rc == US_ENOMEM ? rc : US_EPROTO;
    }
    *msg_p = msg;
    return 0;
}

/* Frees a decoded message and nulls the pointer; safe on NULL. */
void
us_msg_destroy (us_msg_t **msg_p)
{
    if (!msg_p || !*msg_p)
        return;
    s_owned_t *o = (*msg_p)->owned;
    if (o) {
        while (o->blocks) {
            s_block_t *next = o->blocks->next;
            free (o->blocks);
            o->blocks = next;
        }
        free (o->signed_bytes);
        for (int i = 0; i < 8; i++)
            free (o->arrays [i]);
        free (o);
    }
    free (*msg_p);
    *msg_p = NULL;
}

/* Returns the name of a message type. */
const char *
us_msg_type_name (us_msg_type_t type)
{
    static const char *names [] = { "none", "hello", "welcome", "push",
        "push-ack", "pull", "changes", "submit", "submit-ack", "error", "digest",
        "digests" };
    return (unsigned) type < sizeof names / sizeof names [0] ? names [type] : "unknown";
}

/* Returns the name of an outcome. */
const char *
us_outcome_name (us_outcome_t outcome)
{
    switch (outcome) {
        case US_OUTCOME_ACCEPTED:      return "accepted";
        case US_OUTCOME_CONFLICT_WON:  return "conflict-won";
        case US_OUTCOME_CONFLICT_LOST: return "conflict-lost";
        case US_OUTCOME_REJECTED:      return "rejected";
        case US_OUTCOME_SUPERSEDED:    return "superseded";
        default:                       return "unknown";
    }
}
