/*  us_reorg: the `units merge|split|move|rename|end|reorganise|events`
    commands of unionsync-server (restructuring the unit tree with an
    effective date; the rules live in the store, us_pstore_events.h).
*/
#ifndef US_REORG_H
#define US_REORG_H

#include <stdbool.h>

/* Returns true when sub is one of the commands below. */
bool us_reorg_handles (const char *sub);

/* Runs `units SUB ARGS...` (argv after SUB); returns the exit code. */
int us_reorg_command (const char *sub, int argc, char **argv);

/* The commands one by one, as the command table runs them. */
int us_reorg_merge (int argc, char **argv);
int us_reorg_split (int argc, char **argv);
int us_reorg_move (int argc, char **argv);
int us_reorg_rename (int argc, char **argv);
int us_reorg_end (int argc, char **argv);
int us_reorg_reorganise (int argc, char **argv);
int us_reorg_events (int argc, char **argv);

#endif
