#!/usr/bin/python3
"""Drives the province desk in a real headless Chromium (Selenium).

usage: desk_province.py BASE_URL SHOT_DIR PHASE [ARGS...] [-- PHASE [ARGS...]]...

The phases run in one browser (Chromium is slow to start), each with its
cookies cleared first; prints what it saw, exits 1 on a failed check, 0
otherwise. Phases:
  lockout NAME GOOD_PASSWORD         a wrong password is refused with a
                                     message; five wrong ones lock the account,
                                     then even the right one is refused
  viewer NAME PASSWORD PERIOD UNIT FIGURE
                                     the bookmarkable report shows FIGURE (as
                                     Vietnamese digits) after logging in; the
                                     approvals page has no approve button
  approve NAME PASSWORD PERIOD UNIT  approves UNIT for PERIOD from the page
  correct NAME PASSWORD UNIT MONTH INDICATOR VALUE NOTE
                                     the correction form refuses an empty note
                                     (nothing sent), then saves with the note
  shots NAME PASSWORD PERIOD UNIT MONTH INDICATOR
                                     a screenshot of every view
"""
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

FAILS = []


def check(ok, what, seen=''):
    print(('ok   ' if ok else 'FAIL ') + what + (f' (seen: {seen})' if not ok else ''))
    if not ok:
        FAILS.append(what)


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                 '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--window-size=1400,900', '--lang=vi', f'--user-data-dir={profile}'):
        opts.add_argument(flag)
    d = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
    d.set_page_load_timeout(20)     # a page that does not load is a failed check, not a hang
    d.set_script_timeout(10)
    return d


def wait_ready(d, path, timeout=15):
    """Waits until the view at path has drawn (main[data-ready])."""
    WebDriverWait(d, timeout).until(
        lambda d: d.find_element(By.ID, 'view').get_attribute('data-ready') == path)


def login(d, base, name, password, expect_ok=True, here=False):
    """Logs in on the login page (the current one when here)."""
    if not here:
        d.get(base + 'login')
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, 'login-name')))
    d.find_element(By.ID, 'login-name').send_keys(name)
    d.find_element(By.ID, 'login-password').send_keys(password)
    d.find_element(By.ID, 'login-submit').click()
    if expect_ok:
        WebDriverWait(d, 15).until(lambda d: '/login' not in d.current_url)
        return ''
    WebDriverWait(d, 15).until(
        lambda d: d.find_element(By.ID, 'login-error').text.strip() != '')
    return d.find_element(By.ID, 'login-error').text


def vi_number(n):
    return f'{int(n):,}'.replace(',', '.')


def phase_lockout(d, base, shots, name, good):
    msg = login(d, base, name, 'wrong-password-1', expect_ok=False)
    check('sai' in msg, 'a wrong password is refused with a message', msg)
    d.save_screenshot(os.path.join(shots, 'login-refused.png'))
    for i in range(4):
        msg = login(d, base, name, f'wrong-password-{i + 2}', expect_ok=False)
    check('khoá' in msg, 'the fifth wrong password locks the account', msg)
    msg = login(d, base, name, good, expect_ok=False)
    check('khoá' in msg, 'the right password is refused while the account is locked', msg)
    check('/login' in d.current_url, 'still on the login page', d.current_url)


def phase_viewer(d, base, shots, name, password, period, unit, figure):
    address = f'{base}report?period={period}&unit={unit}'
    d.get(address)
    check('/login' in d.current_url, 'the bookmark leads to the login page first', d.current_url)
    check(vi_number(figure) not in d.page_source, 'the login page shows no figure')
    login(d, base, name, password, here=True)
    check(d.current_url == address, 'after login the browser is back at the bookmark',
          d.current_url)
    wait_ready(d, '/report')
    WebDriverWait(d, 15).until(
        lambda d: d.find_element(By.ID, 'report-text').text not in ('', 'Đang tải…'))
    text = d.find_element(By.ID, 'report-text').text
    check(vi_number(figure) in text, f'the report text shows {vi_number(figure)}', text[:200])
    frame = d.find_element(By.ID, 'report-frame')
    d.switch_to.frame(frame)
    WebDriverWait(d, 15).until(lambda d: len(d.page_source) > 500)
    check(vi_number(figure) in d.page_source, 'the HTML report in the page shows the figure')
    d.switch_to.default_content()
    d.save_screenshot(os.path.join(shots, 'report-viewer.png'))
    link = d.find_element(By.CSS_SELECTOR, '#report-figures a[data-indicator="members.new"]')
    check(link.text == vi_number(figure), 'the report lists the figure as a link', link.text)
    link.click()
    wait_ready(d, '/cell')
    rows = d.find_elements(By.CSS_SELECTOR, '#cell-history tbody tr')
    months = {r.find_elements(By.TAG_NAME, 'td')[1].text for r in rows}
    check(len(months) == 6, "the figure's story lists the values of its six months", months)
    check(f'period={period}' in d.current_url, 'the story has an address of its own',
          d.current_url)
    d.get(f'{base}approvals?period={period}')
    wait_ready(d, '/approvals')
    buttons = d.find_elements(By.CSS_SELECTOR, 'button[data-action]')
    check(len(buttons) == 0, 'a viewer sees no approve or lock button', len(buttons))


def phase_approve(d, base, shots, name, password, period, unit):
    login(d, base, name, password)
    d.get(f'{base}approvals?period={period}')
    wait_ready(d, '/approvals')
    sel = f'button[data-action="approve"][data-unit="{unit}"]'
    d.find_element(By.CSS_SELECTOR, sel).click()
    row = f'tr[data-unit="{unit}"]'
    try:
        WebDriverWait(d, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, row)
                                   .get_attribute('data-state') == 'approved')
        check(True, f'{unit} {period} shows approved after the click')
    except TimeoutException:
        check(False, f'{unit} {period} shows approved after the click',
              d.find_element(By.ID, 'toast').text)
    d.save_screenshot(os.path.join(shots, 'approvals.png'))


def phase_correct(d, base, shots, name, password, unit, month, indicator, value, note):
    login(d, base, name, password)
    d.get(f'{base}corrections?unit={unit}&month={month}&indicator={indicator}')
    wait_ready(d, '/corrections')
    d.find_element(By.ID, 'co-value').send_keys(value)
    d.find_element(By.CSS_SELECTOR, '#correct-form button[type=submit]').click()
    time.sleep(0.5)
    invalid = d.execute_script("return !document.getElementById('co-note').checkValidity()")
    check(invalid, 'the form will not send a correction without a note')
    d.find_element(By.ID, 'co-note').send_keys(note)
    d.find_element(By.CSS_SELECTOR, '#correct-form button[type=submit]').click()
    WebDriverWait(d, 15).until(lambda d: note in d.find_element(By.ID, 'view').text)
    check(True, 'the correction is listed with its note')
    d.save_screenshot(os.path.join(shots, 'corrections.png'))


def phase_amended(d, base, shots, name, password, year, unit, period, other):
    """The round shows unit's report of period as amended, counts it, lists it, and
    its filter keeps only the units with an amended report (other has none)."""
    login(d, base, name, password)
    d.get(f'{base}round?year={year}')
    wait_ready(d, '/round')
    cell = d.find_element(By.CSS_SELECTOR, f'#round td[data-unit="{unit}"][data-period="{period}"]')
    check(cell.get_attribute('data-state') == 'amended',
          f'the round shows {unit} {period} as amended', cell.get_attribute('data-state'))
    check('sửa' in cell.text, 'the amended cell says so', cell.text)
    count = d.find_element(By.CSS_SELECTOR, '#count-amended b').text
    check(count == '1', 'the round counts one amended report', count)
    rows = d.find_elements(By.CSS_SELECTOR, f'#amended tr[data-unit="{unit}"][data-period="{period}"]')
    check(len(rows) == 1, 'the list of amended reports names it', len(rows))
    check(d.find_elements(By.CSS_SELECTOR, f'#round td[data-unit="{other}"]') != [],
          f'without the filter {other} is in the round')
    d.save_screenshot(os.path.join(shots, 'round-amended.png'))
    d.find_element(By.ID, 'round-amended').click()
    d.find_element(By.CSS_SELECTOR, 'form.inline button[type=submit]').click()
    WebDriverWait(d, 15, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: 'amended=1' in d.current_url
        and d.find_element(By.ID, 'round-amended').is_selected())
    wait_ready(d, '/round')
    units = {td.get_attribute('data-unit')
             for td in d.find_elements(By.CSS_SELECTOR, '#round td[data-unit]')}
    check(units == {unit}, 'the filter keeps only the units with an amended report', units)
    d.save_screenshot(os.path.join(shots, 'round-amended-only.png'))
    d.get(f'{base}round?year={year}&amended=1')
    wait_ready(d, '/round')
    check(d.find_element(By.ID, 'round-amended').is_selected(),
          'the filter has an address of its own')


def phase_shots(d, base, shots, name, password, period, unit, month, indicator):
    login(d, base, name, password)
    year = period[:4]
    views = [('round', f'round?year={year}', '/round'),
             ('report', f'report?period={period}&unit={unit}', '/report'),
             ('cell', f'cell?unit={unit}&month={month}&indicator={indicator}', '/cell'),
             ('conflicts', 'conflicts', '/conflicts'),
             ('approvals', f'approvals?period={period}', '/approvals'),
             ('corrections', 'corrections', '/corrections'),
             ('targets', f'targets?period={year}', '/targets'),
             ('offices', 'offices', '/offices'),
             ('accounts', 'accounts', '/accounts'),
             ('log', 'log', '/log')]
    for shot, address, path in views:
        d.get(base + address)
        wait_ready(d, path)
        time.sleep(0.6)
        errors = d.find_elements(By.ID, 'view-error')
        check(not errors, f'the {shot} view draws without an error',
              errors[0].text if errors else '')
        d.save_screenshot(os.path.join(shots, shot + '.png'))
    d.get(base + f'round?year={year}')
    wait_ready(d, '/round')
    cell = d.find_element(By.CSS_SELECTOR, f'td[data-unit="{unit}"][data-period="{period}"]')
    check(cell.get_attribute('data-state') in ('ontime', 'late', 'approved'),
          f'the round shows {unit} {period} as reported', cell.get_attribute('data-state'))
    cell.find_element(By.TAG_NAME, 'a').click()
    wait_ready(d, '/report')
    check(f'unit={unit}' in d.current_url and f'period={period}' in d.current_url,
          'a click in the round opens the unit\'s report', d.current_url)
    d.get(base + 'login')
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, 'login-name')))
    d.save_screenshot(os.path.join(shots, 'login.png'))


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    base, shots = sys.argv[1:3]
    phases, cur = [], []
    for arg in sys.argv[3:]:
        if arg == '--':
            phases.append(cur)
            cur = []
        else:
            cur.append(arg)
    phases.append(cur)
    os.makedirs(shots, exist_ok=True)
    profile = tempfile.mkdtemp(prefix='us-desk-chromium.')
    d = browser(profile)
    try:
        for phase, *args in phases:
            d.get(base + 'login')
            d.delete_all_cookies()
            try:
                globals()['phase_' + phase](d, base, shots, *args)
            except Exception as e:  # a broken page is a failed check, with its reason
                check(False, f'phase {phase} ran to its end', repr(e)[:300])
                try:
                    d.save_screenshot(os.path.join(shots, f'failed-{phase}.png'))
                except Exception:
                    pass
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
