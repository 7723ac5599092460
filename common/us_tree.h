/*  us_tree: walks of the unit tree, with one depth guard.

    The tree is given as an array parent [id] (0 for a root, ids from 1 to
    len - 1), as the provincial store loads it. Every walk follows at most
    US_TREE_DEPTH_MAX parents, so a cycle in a damaged store ends the walk
    instead of the program. Pure functions over the caller's arrays.
*/
#ifndef US_TREE_H
#define US_TREE_H

#include <stdbool.h>
#include <stdint.h>

/* Returns true when unit is root or one of its descendants. */
bool us_tree_under (const int64_t *parent, int64_t len, int64_t unit, int64_t root);

/* Marks in (len entries, all false on entry) the units of root's subtree,
   and with ancestors also the units above root. */
void us_tree_scope (bool *in, const int64_t *parent, int64_t len, int64_t root, bool ancestors);

/* Returns the depth of unit (0 for a root), or -1 when the walk passes
   the depth guard or leaves the array. */
int us_tree_depth (const int64_t *parent, int64_t len, int64_t unit);

#endif
