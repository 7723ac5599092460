/*  Unit tests for us_calendar: deadline rules, deadlines in Vietnam's time
    whatever the machine's zone, the month of an instant, days. */
#include "us_calendar.h"
#include "us_error.h"

#include "us_test.h"

#include <stdlib.h>
#include <time.h>

/* Parses a period and fails the test unless it parses. */
static us_period_t
s_period (const char *text)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, text), 0, "%s: %s", text, us_error_msg ());
    return p;
}

/* The default rule is the 20th of the following month, end of day UTC+7. */
Test (calendar, default_rule)
{
    us_deadline_rule_t rule;
    cr_assert_eq (us_deadline_rule_parse (&rule, ""), 0);
    cr_assert_eq (rule.months_after, 1);
    cr_assert_eq (rule.day, 20);
    us_period_t p = s_period ("2022-03");
    /* 2022-04-20 23:59:59.999 +07:00 = 2022-04-20 16:59:59.999 UTC */
    cr_assert_eq (us_calendar_deadline_ms (&p, &rule), (int64_t) 1650473999 * 1000 + 999);
    char day [32];
    us_calendar_deadline_day (day, sizeof day, &p, &rule);
    cr_assert_str_eq (day, "20/4/2022");
    p = s_period ("2022-12");
    us_calendar_deadline_day (day, sizeof day, &p, &rule);
    cr_assert_str_eq (day, "20/1/2023");
    /* the same as us_period's own deadline */
    cr_assert_eq (us_calendar_deadline_ms (&p, &rule), us_period_deadline_ms (&p));
}

/* "0:15" of a six-month report is 15 June; a day past the month's end is
   its last day. */
Test (calendar, configured_rule)
{
    us_deadline_rule_t rule;
    cr_assert_eq (us_deadline_rule_parse (&rule, "0:15"), 0);
    us_period_t p = s_period ("2024-H1");
    char day [32];
    us_calendar_deadline_day (day, sizeof day, &p, &rule);
    cr_assert_str_eq (day, "15/6/2024");
    cr_assert_eq (us_deadline_rule_parse (&rule, "2:31"), 0);
    p = s_period ("2023-12");
    us_calendar_deadline_day (day, sizeof day, &p, &rule);
    cr_assert_str_eq (day, "29/2/2024");     /* a leap year */
}

/* Bad rules are refused with one message each. */
Test (calendar, bad_rules)
{
    us_deadline_rule_t rule;
    const char *bad [] = { "20", "1:0", "1:32", "13:1", "-1:5", "1:20x", "a:b", ":", "1:" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        cr_assert_eq (us_deadline_rule_parse (&rule, bad [i]), US_EINVAL, "%s", bad [i]);
        cr_assert (strstr (us_error_msg (), "M:D"), "%s: %s", bad [i], us_error_msg ());
    }
}

/* The month of an instant is Vietnam's: 31 Jan 17:30 UTC is already
   February in Hà Nội; the machine's TZ changes nothing. */
Test (calendar, month_in_vietnam)
{
    int64_t t = (int64_t) 1675186200 * 1000;       /* 2023-01-31 17:30:00 UTC */
    setenv ("TZ", "America/New_York", 1);
    tzset ();
    cr_assert_eq (us_calendar_month_at (t), us_test_month (2023, 2));
    cr_assert_eq (us_calendar_month_at (t - 3600 * 1000), us_test_month (2023, 1));
    setenv ("TZ", "Asia/Ho_Chi_Minh", 1);
    tzset ();
    cr_assert_eq (us_calendar_month_at (t), us_test_month (2023, 2));
    unsetenv ("TZ");
    tzset ();
}

/* A period has not ended while its last month is the current one. */
Test (calendar, future)
{
    int64_t t = (int64_t) 1675186200 * 1000;       /* February 2023 in Vietnam */
    us_period_t p = s_period ("2023-02");
    cr_assert (us_calendar_in_future (&p, t));
    p = s_period ("2023-01");
    cr_assert_not (us_calendar_in_future (&p, t));
    p = s_period ("2023-Q1");
    cr_assert (us_calendar_in_future (&p, t));
    p = s_period ("2022");
    cr_assert_not (us_calendar_in_future (&p, t));
}

/* Instants print in Vietnam's time. */
Test (calendar, time_text)
{
    char buf [32];
    us_calendar_time_text (buf, sizeof buf, (int64_t) 1675186200 * 1000);  /* 17:30 UTC */
    cr_assert_str_eq (buf, "2023-02-01 00:30");
    us_calendar_time_text (buf, sizeof buf, (int64_t) 1650473999 * 1000 + 999);
    cr_assert_str_eq (buf, "2022-04-20 23:59");
}

/* Days parse as the end of the day in Vietnam; bad days are refused. */
Test (calendar, days)
{
    int64_t at;
    cr_assert_eq (us_calendar_day_parse (&at, "2022-04-20"), 0);
    cr_assert_eq (at, (int64_t) 1650473999 * 1000 + 999);
    const char *bad [] = { "2022-02-30", "2022-13-01", "2022-4-2x", "", "20220420" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        cr_assert_eq (us_calendar_day_parse (&at, bad [i]), US_EINVAL, "%s", bad [i]);
}
