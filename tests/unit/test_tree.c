/*  Unit tests for us_tree: walks of the unit tree with one depth guard. */
#include "us_limits.h"
#include "us_tree.h"

#include "us_test.h"

/* 1 province; 2, 3 districts; 4 under 2; 5 under 4. */
static const int64_t s_parent [] = { 0, 0, 1, 1, 2, 4 };
#define LEN 6

/* A unit is under itself, its parent and their ancestors only. */
Test (tree, under)
{
    cr_assert (us_tree_under (s_parent, LEN, 5, 1));
    cr_assert (us_tree_under (s_parent, LEN, 5, 2));
    cr_assert (us_tree_under (s_parent, LEN, 5, 5));
    cr_assert_not (us_tree_under (s_parent, LEN, 5, 3));
    cr_assert_not (us_tree_under (s_parent, LEN, 2, 4));
    cr_assert_not (us_tree_under (s_parent, LEN, 0, 0), "no unit 0");
    cr_assert_not (us_tree_under (s_parent, LEN, 9, 1), "outside the array");
}

/* A scope is the subtree, and with ancestors the units above the root. */
Test (tree, scope)
{
    bool in [LEN] = { false };
    us_tree_scope (in, s_parent, LEN, 2, false);
    cr_assert (in [2] && in [4] && in [5]);
    cr_assert_not (in [1] || in [3] || in [0]);
    memset (in, 0, sizeof in);
    us_tree_scope (in, s_parent, LEN, 4, true);
    cr_assert (in [4] && in [5] && in [2] && in [1]);
    cr_assert_not (in [3], "a sibling's subtree is not readable");
}

/* Depths count from the root; a cycle or a parent outside the array stops
   the walk at the guard with -1 instead of looping. */
Test (tree, depth_and_cycles)
{
    cr_assert_eq (us_tree_depth (s_parent, LEN, 1), 0);
    cr_assert_eq (us_tree_depth (s_parent, LEN, 5), 3);
    cr_assert_eq (us_tree_depth (s_parent, LEN, 7), -1);
    int64_t cycle [] = { 0, 2, 3, 1 };
    cr_assert_eq (us_tree_depth (cycle, 4, 1), -1);
    cr_assert_not (us_tree_under (cycle, 4, 1, 9));
    bool in [4] = { false };
    us_tree_scope (in, cycle, 4, 2, true);
    cr_assert (in [1] && in [2] && in [3], "a cycle is one scope, walked once per guard");
    int64_t broken [] = { 0, 0, 77 };
    cr_assert_eq (us_tree_depth (broken, 3, 2), -1);
}

/* A chain deeper than the guard is cut at the guard. */
Test (tree, depth_guard)
{
    int64_t parent [US_TREE_DEPTH_MAX + 10];
    parent [0] = 0;
    parent [1] = 0;
    for (int i = 2; i < US_TREE_DEPTH_MAX + 10; i++)
        parent [i] = i - 1;
    int64_t len = US_TREE_DEPTH_MAX + 10;
    cr_assert_eq (us_tree_depth (parent, len, US_TREE_DEPTH_MAX), US_TREE_DEPTH_MAX - 1);
    cr_assert_eq (us_tree_depth (parent, len, len - 1), -1);
    cr_assert (us_tree_under (parent, len, US_TREE_DEPTH_MAX, 1));
    cr_assert_not (us_tree_under (parent, len, len - 1, 1));
}
