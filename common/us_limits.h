/*  us_limits: the limits both sides share.

    One place for the bounds the office and the province must agree on:
    text lengths, how far ahead of the receiver a clock may run, and the
    sizes of batches and pages. Values only; nothing to free.
*/
#ifndef US_LIMITS_H
#define US_LIMITS_H

/* Text lengths in bytes (the wire codec checks the same). */
#define US_MAX_CODE          64        /* unit, indicator, author      */
#define US_MAX_NAME          256       /* unit and indicator names     */
#define US_MAX_NOTE          1024      /* a note on a delta            */
#define US_MAX_REPLICA_NAME  120       /* the name of an enrolled replica */
#define US_MAX_REASON        160       /* a delta's result reason      */

/* How far a timestamp may run ahead of the receiver's clock before it is
   clamped: ten minutes, far above any honest clock drift. */
#define US_MAX_AHEAD_MS      (10 * 60 * 1000)

/* The deepest unit tree any walk follows: guards every walk of the tree
   against a cycle, far above the four levels a province has. */
#define US_TREE_DEPTH_MAX    64

/* Entries in one Changes page: what a Pull gets when it names no limit,
   and the most it may ask for. A page is also bounded by its size: one
   whose texts (codes, names, notes) would pass US_PAGE_MAX_BYTES is made
   again with half as many entries, so a page of long notes stays far
   below the codec's US_MAX_MSG_BYTES (8 MB). A figure without a note
   takes some 25 bytes: a full page of them is about 250 KB. */
#define US_PAGE_DEFAULT      1000
#define US_PAGE_MAX          10000
#define US_PAGE_MAX_BYTES    (2 * 1024 * 1024)

/* Reporting schedules a province may have, and the bytes of a schedule's
   list of unit kinds or indicators (codes separated by spaces). */
#define US_MAX_SCHEDULES     100
#define US_MAX_CODE_LIST     4096

#endif
