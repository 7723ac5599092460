/*  us_test_province: a provincial store with a unit tree, for the unit
    tests of the server's modules.

    The store is made in dir (a us_test_tmpdir) and belongs to the caller,
    who destroys it.
*/
#ifndef US_TEST_PROVINCE_H
#define US_TEST_PROVINCE_H

#include "us_error.h"
#include "us_pstore.h"
#include "us_test.h"

/* Creates dir/province.db for the province QT (Quảng Trị) and imports the
   units of units_csv (the text of a units file) into it; returns how many
   units the import took. Fails the test on any error. */
static inline int
us_test_province (us_pstore_t **store, const char *dir, const char *units_csv)
{
    char path [160];
    us_test_path (path, sizeof path, dir, "province.db");
    cr_assert_eq (us_pstore_create (store, path, "QT", "Quảng Trị"), 0, "%s", us_error_msg ());
    us_test_path (path, sizeof path, dir, "units.csv");
    us_test_write (path, units_csv);
    int count = 0;
    cr_assert_eq (us_pstore_import_units (*store, &count, path), 0, "%s", us_error_msg ());
    return count;
}

#endif
