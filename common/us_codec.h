/*  us_codec: the wire format, and the only module that sees protobuf.

    Messages are plain C structs (us_msg_t). Encoding takes a message whose
    strings and arrays belong to the caller and returns a malloc'd buffer the
    caller frees. Decoding returns a us_msg_t that owns everything it points
    to; free it with us_msg_destroy(). Every decoded message is bounded and
    checked (sizes, counts, string lengths, table indexes, months) before
    any other module sees it, and the decoder checks the counts of a
    message's parts against a memory budget before it allocates them.

    Wire versions (proto/unionsync.proto says what each field means): wire 2
    signs a Push's batch as bytes; wire 1 signed a re-encoding. The codec
    reads and writes both; msg->wire says which (0 when encoding: the
    current one). A Push's signed bytes, push->batch, are what the server
    verifies and keeps: us_codec_push_signed_bytes makes them, the decoder
    sets them (as received for wire 2, re-encoded for wire 1).
*/
#ifndef US_CODEC_H
#define US_CODEC_H

#include "us_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_WIRE_VERSION      2         /* the wire this build writes    */
#define US_WIRE_OLDEST       1         /* the oldest it still reads     */
#define US_MAX_MSG_BYTES     (8 * 1024 * 1024)
#define US_MAX_DELTAS        20000     /* per Push                     */
#define US_MAX_PAGE          20000     /* entries per Changes page     */
#define US_MAX_TABLE         4096      /* names in one table           */
#define US_MAX_SIG           128
#define US_DECODE_BUDGET     (24 * 1024 * 1024)  /* bytes one decode may allocate */
#define US_DIGEST_MONTHS     240       /* months one digest covers, at most */
#define US_REPAIR_MONTHS     64        /* months one repair Pull asks, at most */

typedef enum {
    US_MSG_NONE = 0,
    US_MSG_HELLO,
    US_MSG_WELCOME,
    US_MSG_PUSH,
    US_MSG_PUSH_ACK,
    US_MSG_PULL,
    US_MSG_CHANGES,
    US_MSG_SUBMIT,
    US_MSG_SUBMIT_ACK,
    US_MSG_ERROR,
    US_MSG_DIGEST,
    US_MSG_DIGESTS
} us_msg_type_t;

typedef enum {
    US_OUTCOME_ACCEPTED = 1,
    US_OUTCOME_CONFLICT_WON = 2,
    US_OUTCOME_CONFLICT_LOST = 3,
    US_OUTCOME_REJECTED = 4,
    /* Only in the province's audit records, never on the wire (answered as
       accepted): an edit sent again after a restore that a later edit,
       made after it on the timeline the restore lost, had overwritten. */
    US_OUTCOME_SUPERSEDED = 5
} us_outcome_t;

typedef struct {
    uint32_t epoch;
    uint64_t last_seq;
    uint64_t checkpoint;
    uint64_t hlc;
    uint32_t wire;              /* the newest wire the client speaks; 0 = 1 */
    uint64_t acked;             /* highest seq acknowledged in epoch; 0 = none */
    const char *incarnation;    /* the server's the replica last saw; "" = none */
    const uint64_t *audit_counts;   /* heads to prove (`audit check`); may be NULL */
    size_t n_audit_counts;      /* at most US_MAX_HEADS */
    uint64_t checkpoint_mark;   /* Changes.mark that brought it to checkpoint; 0 = none */
} us_hello_t;

#define US_MAX_HEADS 64

/* A hash of the audit chain as the wire carries it; len 0 when absent. */
typedef struct {
    const uint8_t *data;
    size_t len;
} us_bytes_t;

/* A restore of the province's store, as its audit chain records it. */
typedef struct {
    uint64_t record;            /* the restore's own record in the chain */
    uint64_t at;                /* ms since 1970, the server's clock */
    uint64_t before;            /* the chain's length before; 0: unknown */
    us_bytes_t before_hash;     /* 32 bytes, or absent */
    uint64_t backup;            /* the length of the backup's chain */
    const char *by;             /* who, or the office whose Hello showed it */
    bool noticed;               /* the server noticed it by itself */
} us_restore_notice_t;

typedef struct {
    uint64_t server_time;
    uint32_t epoch;
    uint64_t high_water;
    const char *unit;
    uint64_t head;
    uint32_t wire;              /* the newest wire the server speaks; 0 = 1 */
    uint32_t min_wire;          /* the oldest it accepts; 0 = 1 */
    const char *incarnation;    /* the store's incarnation; "" from old servers */
    uint64_t audit_records;     /* the signed head of the audit chain */
    us_bytes_t audit_hash;      /* 32 bytes, or absent */
    us_bytes_t audit_signature; /* 64 bytes, or absent */
    us_bytes_t audit_key;       /* 32 bytes, or absent */
    const us_bytes_t *audit_proof;  /* one per Hello.audit_counts */
    size_t n_audit_proof;
    const char *const *recoded; /* "OLD NEW": units of this replica's old
                                   province given new codes here */
    size_t n_recoded;           /* at most US_MAX_RECODED */
    const us_restore_notice_t *restores;    /* with audit_proof; at most US_MAX_HEADS */
    size_t n_restores;
    uint32_t digest_months;     /* anti-entropy: most months a digest covers;
                                   0 from servers without it */
} us_welcome_t;

#define US_MAX_RECODED 1024
#define US_MAX_SHARES_TEXT 1024 /* a unit's per-indicator shares on the wire */

typedef struct {
    uint64_t seq;
    const char *unit;
    const char *indicator;
    int month;
    int64_t value;
    bool clear;
    uint64_t hlc;
    uint64_t base_version;
    const char *author;
    const char *note;           /* "" when none */
} us_delta_t;

typedef struct {
    uint32_t epoch;
    bool resent;                /* every delta was acknowledged before (wire 2) */
    size_t count;
    us_delta_t *deltas;
    const uint8_t *signature;
    size_t signature_len;
    /* The signed bytes. Encoding wire 2: carried as they are when set (the
       bytes the signature covers), else made from the deltas. Decoding:
       the batch as received (wire 2) or the wire-1 re-encoding. */
    const uint8_t *batch;
    size_t batch_len;
    uint64_t acked;             /* highest seq of epoch acknowledged so far (wire 2); 0 = none */
} us_push_t;

typedef struct {
    uint64_t seq;
    us_outcome_t outcome;
    const char *reason;         /* "" when none */
    uint64_t version;
    int64_t value;
    bool cleared;
    bool duplicate;
} us_result_t;

typedef struct {
    size_t count;
    us_result_t *results;
} us_push_ack_t;

typedef struct {
    uint64_t since;
    uint32_t limit;
    int digest_first;           /* the last page's top digest of these */
    int digest_last;            /* months; 0 and 0: none */
    const int *months;          /* repair: these months whole; may be NULL */
    size_t n_months;            /* at most US_REPAIR_MONTHS */
    uint64_t acked;             /* highest seq of epoch acknowledged; 0: none */
    uint32_t epoch;
} us_pull_t;

typedef struct {
    const char *code, *name, *parent, *kind, *valid_from, *valid_to;
    const char *successor;      /* of an ended unit; "" for none */
    const char *shares;         /* of a split unit: "IND:A=0.7,B=0.3;..."; "" or NULL */
} us_unit_def_t;

typedef struct {
    const char *code, *name, *kind, *numerator, *denominator, *policy, *rule;
    uint32_t position;
} us_indicator_def_t;

typedef struct {
    const char *unit;
    const char *indicator;
    int month;
    int64_t value;
    bool cleared;
    uint64_t version;
    uint64_t hlc;
    const char *author;
    const char *note;
    bool corrected;
} us_cell_change_t;

typedef struct {
    const char *unit;
    const char *indicator;
    const char *period;
    const char *source;
    int64_t lo, hi;
    bool range;
    uint32_t version;
} us_target_def_t;

typedef struct {
    uint64_t id;
    const char *unit;
    const char *indicator;
    int month;
    int64_t winner_value;
    bool winner_cleared;
    const char *winner_author;
    int64_t loser_value;
    bool loser_cleared;
    const char *loser_author;
    const char *rule;
    uint64_t at;
} us_conflict_notice_t;

typedef struct {
    const char *unit;
    const char *period;
    const char *state;
    uint64_t at;
} us_submission_state_t;

/* A reporting schedule; kinds and indicators are codes separated by
   single spaces (indicators "" for all). */
typedef struct {
    const char *code, *name, *period, *kinds, *indicators, *deadline;
} us_schedule_def_t;

typedef struct {
    uint64_t next;
    bool more;
    uint64_t mark;              /* what sits at next in the stream (a hash); 0 = nothing */
    size_t n_units;        us_unit_def_t *units;
    size_t n_indicators;   us_indicator_def_t *indicators;
    size_t n_cells;        us_cell_change_t *cells;
    size_t n_targets;      us_target_def_t *targets;
    size_t n_conflicts;    us_conflict_notice_t *conflicts;
    size_t n_submissions;  us_submission_state_t *submissions;
    /* The province's whole set of schedules when the page carries it (at
       most US_MAX_SCHEDULES); none from servers before schedules. */
    size_t n_schedules;    us_schedule_def_t *schedules;
    us_bytes_t digest;          /* the top digest the Pull asked; len 0: none */
    size_t n_months;       int *months;     /* a repair page: months whole */
} us_changes_t;

typedef struct {
    const char *unit;
    const char *period;
    uint64_t hlc;
    bool nil;                   /* nothing to report for the period */
} us_submit_t;

typedef struct {
    bool ok;
    const char *reason;
    const char *state;
} us_submit_ack_t;

typedef struct {
    int first, last;            /* months, at most US_DIGEST_MONTHS of them */
} us_digest_req_t;

typedef struct {
    int month;
    us_bytes_t digest;          /* 32 bytes */
} us_month_hash_t;

typedef struct {
    uint64_t head;              /* the change-stream position they describe */
    size_t count;               /* at most US_DIGEST_MONTHS */
    us_month_hash_t *months;
} us_digests_t;

typedef struct {
    int code;                   /* a negative US_E* code; the codec maps it
                                   to and from the wire's ErrorCode */
    const char *message;
} us_error_reply_t;

typedef struct {
    us_msg_type_t type;
    uint32_t wire;              /* wire version; 0 when encoding = current */
    uint64_t request_id;
    union {
        us_hello_t hello;
        us_welcome_t welcome;
        us_push_t push;
        us_push_ack_t push_ack;
        us_pull_t pull;
        us_changes_t changes;
        us_submit_t submit;
        us_submit_ack_t submit_ack;
        us_error_reply_t error;
        us_digest_req_t digest;
        us_digests_t digests;
    };
    void *owned;                /* decoder's storage; NULL when caller-built */
} us_msg_t;

/* Encodes msg into a new buffer *buf_p of *len_p bytes; the caller frees it.
   Returns 0, US_EINVAL when msg breaks a bound, or US_ENOMEM. */
int us_codec_encode (uint8_t **buf_p, size_t *len_p, const us_msg_t *msg);

/* Decodes and checks len bytes into a new message *msg_p, which the caller
   destroys. Returns 0 or US_EPROTO (with the reason set) on any malformed,
   oversized or out-of-bounds input. */
int us_codec_decode (us_msg_t **msg_p, const uint8_t *data, size_t len);

/* Encodes the bytes a Push of the current wire signs and carries: its
   epoch and deltas as a Batch. The caller frees *buf_p. Returns 0,
   US_EINVAL when the push breaks a bound, or US_ENOMEM. */
int us_codec_push_signed_bytes (uint8_t **buf_p, size_t *len_p,
                                const us_push_t *push);

/* Encodes the bytes a Push of wire version wire signs: for wire 2 the
   Batch, for wire 1 the Envelope of the Push without its signature. */
int us_codec_signed_bytes (uint8_t **buf_p, size_t *len_p, const us_push_t *push,
                           uint32_t wire);

/* Decodes signed bytes of either wire (a kept batch) into a new Push
   message *msg_p (msg->wire says which), checked like us_codec_decode;
   push.batch points at bytes, which must outlive the message. Returns 0
   or US_EPROTO. */
int us_codec_batch_decode (us_msg_t **msg_p, const uint8_t *bytes, size_t len);

/* Frees a decoded message and nulls the pointer; safe on NULL. */
void us_msg_destroy (us_msg_t **msg_p);

/* Returns the name of a message type. */
const char *us_msg_type_name (us_msg_type_t type);

/* Returns the name of an outcome ("accepted", "conflict-won", ...). */
const char *us_outcome_name (us_outcome_t outcome);

#endif
