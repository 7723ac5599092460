/*  us_codec: the wire format, and the only module that sees protobuf. */
#include "us_codec.h"
#include "us_error.h"
#include "us_period.h"

#include "unionsync.pb-c.h"

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

/* Fills a protobuf Push from a us_push_t; arrays are freed by s_push_free. */
static int
s_push_build (Unionsync__Push *pb, Unionsync__Delta **slots,
              Unionsync__Delta *deltas, s_table_t tabs [3],
              const us_push_t *push)
{
    if (push->count > US_MAX_DELTAS)
        return us_error_set (US_EINVAL, "push has %zu deltas, limit %d",
                             push->count, US_MAX_DELTAS);
    pb->epoch = push->epoch;
    for (size_t i = 0; i < push->count; i++) {
        const us_delta_t *d = &push->deltas [i];
        if (!s_str_ok (d->unit, US_MAX_CODE) || !s_str_ok (d->indicator, US_MAX_CODE)
        ||  !s_str_ok (d->author, US_MAX_CODE) || (d->note && !s_str_ok (d->note, US_MAX_NOTE)))
            return us_error_set (US_EINVAL, "delta %zu has an over-long field", i);
        Unionsync__Delta *pd = &deltas [i];
        unionsync__delta__init (pd);
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
    pb->deltas = slots;
    pb->signature.data = (uint8_t *) push->signature;
    pb->signature.len = push->signature ? push->signature_len : 0;
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

/* Builds the protobuf form of a Changes page. */
static int
s_changes_build (Unionsync__Changes *pb, s_scratch_t *s, const us_changes_t *c)
{
    if (c->n_units + c->n_indicators + c->n_cells + c->n_targets
        + c->n_conflicts + c->n_submissions > US_MAX_PAGE)
        return us_error_set (US_EINVAL, "changes page too large");
    pb->next = c->next;
    pb->more = c->more;
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

    for (size_t i = 0; i < c->n_units; i++) {
        const us_unit_def_t *u = &c->units [i];
        unionsync__unit_def__init (&ud [i]);
        ud [i].code = s_str (u->code);
        ud [i].name = s_str (u->name);
        ud [i].parent = s_str (u->parent);
        ud [i].kind = s_str (u->kind);
        ud [i].valid_from = s_str (u->valid_from);
        ud [i].valid_to = s_str (u->valid_to);
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

/* Encodes msg into a new buffer *buf_p of *len_p bytes; the caller frees it. */
int
us_codec_encode (uint8_t **buf_p, size_t *len_p, const us_msg_t *msg)
{
    Unionsync__Envelope env = UNIONSYNC__ENVELOPE__INIT;
    Unionsync__Hello hello = UNIONSYNC__HELLO__INIT;
    Unionsync__Welcome welcome = UNIONSYNC__WELCOME__INIT;
    Unionsync__Push push = UNIONSYNC__PUSH__INIT;
    Unionsync__PushAck ack = UNIONSYNC__PUSH_ACK__INIT;
    Unionsync__Pull pull = UNIONSYNC__PULL__INIT;
    Unionsync__Changes changes = UNIONSYNC__CHANGES__INIT;
    Unionsync__Submit submit = UNIONSYNC__SUBMIT__INIT;
    Unionsync__SubmitAck sack = UNIONSYNC__SUBMIT_ACK__INIT;
    Unionsync__Error error = UNIONSYNC__ERROR__INIT;
    s_scratch_t s;
    memset (&s, 0, sizeof s);
    int rc = 0;

    env.version = US_WIRE_VERSION;
    env.request_id = msg->request_id;
    switch (msg->type) {
        case US_MSG_HELLO:
            hello.epoch = msg->hello.epoch;
            hello.last_seq = msg->hello.last_seq;
            hello.checkpoint = msg->hello.checkpoint;
            hello.hlc = msg->hello.hlc;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_HELLO;
            env.hello = &hello;
            break;
        case US_MSG_WELCOME:
            welcome.server_time = msg->welcome.server_time;
            welcome.epoch = msg->welcome.epoch;
            welcome.high_water = msg->welcome.high_water;
            welcome.unit = s_str (msg->welcome.unit);
            welcome.head = msg->welcome.head;
            env.body_case = UNIONSYNC__ENVELOPE__BODY_WELCOME;
            env.welcome = &welcome;
            break;
        case US_MSG_PUSH: {
            Unionsync__Delta **slots = s_alloc (&s, msg->push.count, sizeof *slots);
            Unionsync__Delta *deltas = s_alloc (&s, msg->push.count, sizeof *deltas);
            if (!slots || !deltas) {
                rc = us_error_set (US_ENOMEM, "out of memory encoding push");
                break;
            }
            rc = s_push_build (&push, slots, deltas, s.tabs, &msg->push);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_PUSH;
            env.push = &push;
            break;
        }
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
            error.code = msg->error.code;
            error.message = s_str (msg->error.message);
            env.body_case = UNIONSYNC__ENVELOPE__BODY_ERROR;
            env.error = &error;
            break;
        default:
            rc = us_error_set (US_EINVAL, "cannot encode message type %d", (int) msg->type);
    }
    if (rc == 0)
        rc = s_pack (buf_p, len_p, &env);
    s_scratch_free (&s);
    return rc;
}

/* Encodes the bytes a Push signature covers: the Push with no signature. */
int
us_codec_push_signed_bytes (uint8_t **buf_p, size_t *len_p, const us_push_t *push)
{
    us_push_t unsigned_push = *push;
    unsigned_push.signature = NULL;
    unsigned_push.signature_len = 0;
    us_msg_t msg = { .type = US_MSG_PUSH, .push = unsigned_push };
    return us_codec_encode (buf_p, len_p, &msg);
}

/*  ----------------------------------------------------------------------
    Decoding
    ---------------------------------------------------------------------- */

/* Storage behind a decoded message. */
typedef struct {
    Unionsync__Envelope *env;
    void *arrays [6];
} s_owned_t;

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
s_month_ok (uint32_t month)
{
    return month <= INT32_MAX && us_month_valid ((int) month);
}

/* Converts and checks a decoded Push. */
static int
s_push_take (us_msg_t *msg, s_owned_t *o, Unionsync__Push *pb)
{
    if (pb->n_deltas > US_MAX_DELTAS)
        return us_error_set (US_EPROTO, "push has %zu deltas, limit %d",
                             pb->n_deltas, US_MAX_DELTAS);
    if (!s_table_ok (pb->units, pb->n_units, US_MAX_CODE)
    ||  !s_table_ok (pb->indicators, pb->n_indicators, US_MAX_CODE)
    ||  !s_table_ok (pb->authors, pb->n_authors, US_MAX_CODE))
        return us_error_set (US_EPROTO, "push has a bad name table");
    if (pb->signature.len > US_MAX_SIG)
        return us_error_set (US_EPROTO, "push signature too long");
    us_delta_t *d = calloc (pb->n_deltas ? pb->n_deltas : 1, sizeof *d);
    if (!d)
        return us_error_set (US_ENOMEM, "out of memory decoding push");
    o->arrays [0] = d;
    for (size_t i = 0; i < pb->n_deltas; i++) {
        Unionsync__Delta *x = pb->deltas [i];
        if (x->unit >= pb->n_units || x->indicator >= pb->n_indicators
        ||  x->author >= pb->n_authors)
            return us_error_set (US_EPROTO, "delta %zu refers outside its tables", i);
        if (!s_month_ok (x->month))
            return us_error_set (US_EPROTO, "delta %zu has a bad month", i);
        if (!s_str_ok (x->note, US_MAX_NOTE))
            return us_error_set (US_EPROTO, "delta %zu has an over-long note", i);
        d [i].seq = x->seq;
        d [i].unit = pb->units [x->unit];
        d [i].indicator = pb->indicators [x->indicator];
        d [i].month = (int) x->month;
        d [i].value = x->value;
        d [i].clear = x->clear;
        d [i].hlc = x->hlc;
        d [i].base_version = x->base_version;
        d [i].author = pb->authors [x->author];
        d [i].note = x->note;
    }
    msg->push.epoch = pb->epoch;
    msg->push.count = pb->n_deltas;
    msg->push.deltas = d;
    msg->push.signature = pb->signature.data;
    msg->push.signature_len = pb->signature.len;
    return 0;
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

/* Returns the name at index i of a table, or NULL when out of range. */
static const char *
s_name (char **names, size_t n, uint32_t i)
{
    return i < n ? names [i] : NULL;
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
    c->units = o->arrays [0] = calloc (pb->n_unit_defs + 1, sizeof *c->units);
    c->indicators = o->arrays [1] = calloc (pb->n_indicator_defs + 1, sizeof *c->indicators);
    c->cells = o->arrays [2] = calloc (pb->n_cells + 1, sizeof *c->cells);
    c->targets = o->arrays [3] = calloc (pb->n_targets + 1, sizeof *c->targets);
    c->conflicts = o->arrays [4] = calloc (pb->n_conflicts + 1, sizeof *c->conflicts);
    c->submissions = o->arrays [5] = calloc (pb->n_submissions + 1, sizeof *c->submissions);
    if (!c->units || !c->indicators || !c->cells || !c->targets
    ||  !c->conflicts || !c->submissions)
        return us_error_set (US_ENOMEM, "out of memory decoding changes");
    char **un = pb->units, **in = pb->indicators;
    size_t nu = pb->n_units, ni = pb->n_indicators;

    for (size_t i = 0; i < pb->n_unit_defs; i++) {
        Unionsync__UnitDef *x = pb->unit_defs [i];
        if (!s_str_ok (x->code, US_MAX_CODE) || !s_str_ok (x->name, US_MAX_NAME)
        ||  !s_str_ok (x->parent, US_MAX_CODE) || !s_str_ok (x->kind, US_MAX_CODE)
        ||  !s_str_ok (x->valid_from, US_MAX_CODE) || !s_str_ok (x->valid_to, US_MAX_CODE))
            return us_error_set (US_EPROTO, "unit definition %zu out of bounds", i);
        c->units [i] = (us_unit_def_t) { x->code, x->name, x->parent, x->kind,
                                         x->valid_from, x->valid_to };
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
    return 0;
}

/* Converts the body of a decoded envelope into msg. */
static int
s_take (us_msg_t *msg, s_owned_t *o, Unionsync__Envelope *env)
{
    switch (env->body_case) {
        case UNIONSYNC__ENVELOPE__BODY_HELLO:
            msg->type = US_MSG_HELLO;
            msg->hello = (us_hello_t) { env->hello->epoch, env->hello->last_seq,
                                        env->hello->checkpoint, env->hello->hlc };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_WELCOME:
            msg->type = US_MSG_WELCOME;
            if (!s_str_ok (env->welcome->unit, US_MAX_CODE))
                return us_error_set (US_EPROTO, "welcome unit too long");
            msg->welcome = (us_welcome_t) { env->welcome->server_time,
                env->welcome->epoch, env->welcome->high_water,
                env->welcome->unit, env->welcome->head };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_PUSH:
            msg->type = US_MSG_PUSH;
            return s_push_take (msg, o, env->push);
        case UNIONSYNC__ENVELOPE__BODY_PUSH_ACK:
            msg->type = US_MSG_PUSH_ACK;
            return s_ack_take (msg, o, env->push_ack);
        case UNIONSYNC__ENVELOPE__BODY_PULL:
            msg->type = US_MSG_PULL;
            msg->pull = (us_pull_t) { env->pull->since, env->pull->limit };
            return 0;
        case UNIONSYNC__ENVELOPE__BODY_CHANGES:
            msg->type = US_MSG_CHANGES;
            return s_changes_take (msg, o, env->changes);
        case UNIONSYNC__ENVELOPE__BODY_SUBMIT:
            msg->type = US_MSG_SUBMIT;
            if (!s_str_ok (env->submit->unit, US_MAX_CODE)
            ||  !s_str_ok (env->submit->period, US_PERIOD_TEXT))
                return us_error_set (US_EPROTO, "submit fields out of bounds");
            msg->submit = (us_submit_t) { env->submit->unit, env->submit->period,
                                          env->submit->hlc };
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
            msg->error = (us_error_reply_t) { env->error->code, env->error->message };
            return 0;
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
    us_msg_t *msg = calloc (1, sizeof *msg);
    s_owned_t *o = calloc (1, sizeof *o);
    if (!msg || !o) {
        free (msg);
        free (o);
        return us_error_set (US_ENOMEM, "out of memory decoding message");
    }
    msg->owned = o;
    o->env = unionsync__envelope__unpack (NULL, len, data);
    int rc;
    if (!o->env)
        rc = us_error_set (US_EPROTO, "malformed message (%zu bytes)", len);
    else
    if (o->env->version != US_WIRE_VERSION)
        rc = us_error_set (US_EPROTO, "unsupported wire version %u", o->env->version);
    else {
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

/* Frees a decoded message and nulls the pointer; safe on NULL. */
void
us_msg_destroy (us_msg_t **msg_p)
{
    if (!msg_p || !*msg_p)
        return;
    s_owned_t *o = (*msg_p)->owned;
    if (o) {
        if (o->env)
            unionsync__envelope__free_unpacked (o->env, NULL);
        for (int i = 0; i < 6; i++)
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
        "push-ack", "pull", "changes", "submit", "submit-ack", "error" };
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
        default:                       return "unknown";
    }
}
