/*  us_tree: walks of the unit tree, with one depth guard. */
#include "us_tree.h"
#include "us_limits.h"

/* Returns the parent of unit, or 0 outside the array. */
static int64_t
s_parent (const int64_t *parent, int64_t len, int64_t unit)
{
    return unit > 0 && unit < len ? parent [unit] : 0;
}

/* Returns true when unit is root or one of its descendants. */
bool
us_tree_under (const int64_t *parent, int64_t len, int64_t unit, int64_t root)
{
    for (int depth = 0; depth <= US_TREE_DEPTH_MAX && unit > 0; depth++) {
        if (unit == root)
            return true;
        unit = s_parent (parent, len, unit);
    }
    return false;
}

/* Marks root's subtree, and with ancestors the units above it. */
void
us_tree_scope (bool *in, const int64_t *parent, int64_t len, int64_t root, bool ancestors)
{
    /* One walk up from each unit: len times the depth, a few thousand
       steps for a province. */
    for (int64_t u = 1; u < len; u++)
        in [u] = us_tree_under (parent, len, u, root);
    if (!ancestors)
        return;
    int64_t u = root;
    for (int depth = 0; depth <= US_TREE_DEPTH_MAX && u > 0 && u < len; depth++) {
        in [u] = true;
        u = parent [u];
    }
}

/* Returns the depth of unit, or -1. */
int
us_tree_depth (const int64_t *parent, int64_t len, int64_t unit)
{
    if (unit <= 0 || unit >= len)
        return -1;
    for (int depth = 0; depth <= US_TREE_DEPTH_MAX; depth++) {
        unit = parent [unit];
        if (unit == 0)
            return depth;
        if (unit < 0 || unit >= len)
            return -1;
    }
    return -1;
}
