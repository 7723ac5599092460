/* The province desk: one page shell, one view per address. No framework,
   no network but the desk itself. Every figure comes from /api/ with the
   session cookie; every change sends the session's CSRF token. */
'use strict';

const state = { me: null, meta: null };
const ROLE_RANK = { viewer: 1, approver: 2, admin: 3 };
const ROLE_VI = { viewer: 'xem', approver: 'duyệt', admin: 'quản trị' };
const STATE_VI = {
  ontime: 'Đúng hạn', late: 'Nộp muộn', missing: 'Chưa nộp', approved: 'Đã duyệt',
  locked: 'Đã khoá', amended: 'Sửa đổi', nil: 'Không phát sinh', reopened: 'Mở lại',
  notdue: 'Chưa đến hạn'
};
const ACTION_VI = {
  correct: 'điều chỉnh', resolve: 'giải quyết xung đột', approve: 'duyệt', lock: 'khoá',
  unlock: 'mở khoá', reopen: 'trả lại', target: 'đặt chỉ tiêu', allocate: 'phân bổ chỉ tiêu',
  enroll: 'đăng ký văn phòng', revoke: 'thu hồi khoá', rekey: 'đổi khoá',
  account: 'tài khoản', login: 'đăng nhập'
};
const SOURCE_VI = { tld: 'Tổng Liên đoàn giao', province: 'Tỉnh giao', committed: 'Đăng ký' };

/* ---------------------------------------------------------------- helpers */

/* Makes an element: h('a', {href: '/x', class: 'y'}, 'text', child...). */
function h (tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

/* Numbers the Vietnamese way: 1.234,5 */
function num (v) {
  if (v === null || v === undefined) return '';
  return Number(v).toLocaleString('vi-VN');
}

/* A time in Vietnam (UTC+7) as dd/mm/yyyy hh:mm. */
function when (ms) {
  if (!ms) return '—';
  const d = new Date(ms + 7 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ` +
         `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

function toast (msg, bad) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.className = bad ? 'bad' : '';
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 8000 : 4000);
}

class ApiError extends Error {
  constructor (status, msg) { super(msg); this.status = status; }
}

/* Calls the API; POST bodies are JSON and carry the CSRF token. */
async function api (path, body) {
  const opts = { credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    opts.method = 'POST';
    opts.headers['Content-Type'] = 'application/json';
    if (state.me) opts.headers['X-CSRF-Token'] = state.me.csrf;
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  if (res.status === 401 && !path.endsWith('/login')) {
    location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
    throw new ApiError(401, 'chưa đăng nhập');
  }
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || String(data));
  return data;
}

/* Runs a change, shows its outcome, and redraws the view on success. */
async function change (path, body, okMsg) {
  try {
    const out = await api(path, body);
    toast(okMsg || 'Đã lưu');
    await route();
    return out;
  } catch (e) {
    toast('Không thực hiện được: ' + e.message, true);
    return null;
  }
}

function can (role) { return state.me && ROLE_RANK[state.me.role] >= ROLE_RANK[role]; }
function q (name) { return new URLSearchParams(location.search).get(name); }
function go (path) { history.pushState(null, '', path); route(); }

function unitName (code) {
  const u = (state.meta.units || []).find((x) => x.code === code);
  return u ? u.name : code;
}
function indName (code) {
  const i = (state.meta.indicators || []).find((x) => x.code === code);
  return i ? i.name : code;
}

function unitSelect (id, value, withAll) {
  return h('select', { id, name: id },
    withAll ? h('option', { value: '' }, '(toàn tỉnh)') : null,
    state.meta.units.map((u) => h('option', { value: u.code, selected: u.code === value },
      '\u00a0'.repeat(2 * u.depth) + u.name + ' (' + u.code + ')')));
}
function indSelect (id, value, filter) {
  return h('select', { id, name: id },
    state.meta.indicators.filter(filter || (() => true)).map((i) =>
      h('option', { value: i.code, selected: i.code === value }, i.name + ' (' + i.code + ')')));
}
function field (label, input) {
  const id = input.id || ('f' + Math.random().toString(36).slice(2));
  input.id = id;
  return h('label', { for: id }, label, input);
}
function val (id) { return document.getElementById(id).value.trim(); }
function thisYear () { return String(new Date().getFullYear()); }

/* ---------------------------------------------------------------- views */

/* The round: units × the year's periods. */
async function viewRound (main) {
  const year = q('year') || thisYear();
  const data = await api('/api/round?year=' + encodeURIComponent(year));
  const subs = {};
  for (const s of data.submissions) subs[s.unit + '|' + s.period] = s;
  const counts = { ontime: 0, late: 0, missing: 0, approved: 0, amended: 0 };
  const overdue = [];
  function cellState (u, p) {
    const s = subs[u.code + '|' + p.period];
    if (!s) return u.depth === 0 ? 'notdue' : data.now > p.deadline ? 'missing' : 'notdue';
    if (s.state === 'submitted') return s.at > p.deadline ? 'late' : 'ontime';
    return s.state;
  }
  /* Whether a unit's report reached the province after its deadline
     (approval keeps the time it was submitted). */
  function lateness (u, p) {
    const s = subs[u.code + '|' + p.period];
    /* An amended report stands for nothing until it is submitted again. */
    return s && s.at && s.state !== 'amended' ? (s.at > p.deadline ? 'late' : 'ontime') : null;
  }
  const all = q('all') === '1';
  /* Reports edited after they were submitted: they must be submitted again. */
  const amended = data.submissions.filter((s) => s.state === 'amended');
  const onlyAmended = q('amended') === '1';
  const reporting = data.units.filter((u) => u.depth === 1);
  /* The federation's own reports (the halves and the year), and every
     period some unit has submitted this year. */
  const standard = new Set([data.year + '-H1', data.year + '-H2', data.year]);
  const used = new Set(data.submissions.map((s) => s.period));
  data.periods = data.periods.filter((p) => standard.has(p.period) || used.has(p.period));
  /* The counts and the overdue list are the whole round's, whatever is shown. */
  for (const u of reporting)
    for (const p of data.periods) {
      const st = cellState(u, p), timing = lateness(u, p);
      if (counts[st] !== undefined && st !== 'ontime' && st !== 'late') counts[st]++;
      if (timing) counts[timing]++;
      if (st === 'missing' && !overdue.some((o) => o.unit === u))
        overdue.push({ unit: u, period: p.period });
    }
  const units = data.units.filter((u) => (all || u.depth <= 1) &&
    (!onlyAmended || amended.some((s) => s.unit === u.code)));
  const rows = units.map((u) => h('tr', {},
    h('td', { class: 'unit d' + Math.min(u.depth, 4) },
      h('a', { href: '/report?period=' + data.year + '&unit=' + encodeURIComponent(u.code) },
        u.name)),
    data.periods.map((p) => {
      const st = cellState(u, p);
      const timing = lateness(u, p);
      return h('td', { class: 'st-' + st, 'data-unit': u.code, 'data-period': p.period,
                       'data-state': st },
        h('a', { href: '/report?period=' + p.period + '&unit=' + encodeURIComponent(u.code),
                 title: u.name + ' — ' + p.period + ': ' + (STATE_VI[st] || st) +
                        (timing && st !== 'ontime' && st !== 'late' ? ' (' + STATE_VI[timing].toLowerCase() + ')' : '') },
          short(st), timing === 'late' && st !== 'late' ? h('small', {}, 'nộp muộn') : null));
    })));
  function short (st) {
    return { ontime: '✓', late: 'muộn', missing: 'thiếu', approved: 'duyệt', locked: 'khoá',
             amended: 'sửa', nil: 'không', reopened: 'mở', notdue: '·' }[st] || st;
  }
  main.append(
    h('h1', {}, 'Vòng báo cáo năm ' + data.year),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        go('/round?year=' + encodeURIComponent(val('round-year')) +
           (document.getElementById('round-all').checked ? '&all=1' : '') +
           (document.getElementById('round-amended').checked ? '&amended=1' : '')); } },
      field('Năm', h('input', { id: 'round-year', type: 'number', min: 1990, max: 2200,
                                value: data.year })),
      h('label', { class: 'check', for: 'round-all' }, h('input', { id: 'round-all',
        type: 'checkbox', checked: all }), 'Cả công đoàn cơ sở'),
      h('label', { class: 'check', for: 'round-amended' }, h('input', { id: 'round-amended',
        type: 'checkbox', checked: onlyAmended }), 'Chỉ đơn vị có báo cáo sửa đổi, chờ nộp lại'),
      h('button', { type: 'submit' }, 'Xem')),
    h('div', { class: 'summary' },
      h('div', {}, h('b', {}, reporting.length), 'đơn vị báo cáo'),
      h('div', {}, h('b', {}, counts.ontime), 'báo cáo nộp đúng hạn'),
      h('div', {}, h('b', {}, counts.late), 'báo cáo nộp sau hạn'),
      h('div', {}, h('b', {}, counts.missing), 'báo cáo quá hạn chưa nộp'),
      h('div', {}, h('b', {}, counts.approved), 'báo cáo đã duyệt'),
      h('div', { id: 'count-amended', class: counts.amended ? 'st-amended' : null },
        h('b', {}, counts.amended), 'báo cáo đã sửa sau khi nộp, chờ nộp lại')),
    h('div', { class: 'legend' }, Object.keys(STATE_VI).map((k) =>
      h('span', { class: 'st-' + k }, short(k) + ' = ' + STATE_VI[k])),
      h('span', { class: 'st-approved' }, 'duyệt', h('small', {}, 'nộp muộn'), ' = đã duyệt, nộp sau hạn')),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'round' },
      h('thead', {}, h('tr', {}, h('th', { class: 'unit' }, 'Đơn vị'),
        data.periods.map((p) => h('th', {}, p.period.replace(data.year + '-', '') ||
                                                'Năm')))),
      h('tbody', {}, rows))),
    h('h2', {}, 'Báo cáo đã sửa sau khi nộp, phải nộp lại'),
    amended.length === 0 ? h('p', { class: 'muted', id: 'amended-none' }, 'Không có báo cáo nào.')
      : h('table', { id: 'amended' }, h('thead', {}, h('tr', {}, h('th', {}, 'Đơn vị'),
          h('th', {}, 'Kỳ'), h('th', {}, 'Sửa lúc'))),
        h('tbody', {}, amended.map((s) => h('tr', { 'data-unit': s.unit, 'data-period': s.period },
          h('td', {}, h('a', { href: '/report?period=' + s.period + '&unit=' + encodeURIComponent(s.unit) },
            unitName(s.unit))),
          h('td', {}, s.period), h('td', {}, when(s.at)))))),
    h('h2', {}, 'Đơn vị quá hạn (kỳ đầu tiên còn thiếu) và lần đồng bộ gần nhất'),
    overdue.length === 0 ? h('p', { class: 'muted' }, 'Không có đơn vị nào quá hạn.')
      : h('table', { id: 'overdue' }, h('thead', {}, h('tr', {}, h('th', {}, 'Đơn vị'),
          h('th', {}, 'Kỳ'), h('th', {}, 'Đồng bộ gần nhất'))),
        h('tbody', {}, overdue.map((o) => h('tr', {},
          h('td', {}, o.unit.name), h('td', {}, o.period),
          h('td', {}, when(data.last_sync[o.unit.code])))))));
}

/* The report of a period for a unit, with its downloads. */
async function viewReport (main) {
  const period = q('period') || thisYear();
  const unit = q('unit') || '';
  const base = '/api/report?period=' + encodeURIComponent(period) +
               (unit ? '&unit=' + encodeURIComponent(unit) : '');
  main.append(
    h('h1', {}, 'Báo cáo ' + period + (unit ? ' — ' + unitName(unit) : '')),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        const u = val('report-unit');
        go('/report?period=' + encodeURIComponent(val('report-period')) +
           (u ? '&unit=' + encodeURIComponent(u) : '')); } },
      field('Kỳ (2022-05, 2022-Q2, 2022-H1, 2022)',
            h('input', { id: 'report-period', value: period, required: true })),
      field('Đơn vị', unitSelect('report-unit', unit, true)),
      h('button', { type: 'submit' }, 'Xem báo cáo')),
    h('p', { class: 'downloads' }, 'Tải về: ',
      h('a', { href: base + '&format=xlsx&download=1', id: 'dl-xlsx' }, 'Excel (xlsx)'),
      h('a', { href: base + '&format=csv&download=1', id: 'dl-csv' }, 'CSV'),
      h('a', { href: base + '&format=html&download=1', id: 'dl-html' }, 'HTML'),
      h('a', { href: base + '&format=vi&download=1', id: 'dl-vi' }, 'Văn bản tiếng Việt')));
  const text = h('pre', { class: 'text', id: 'report-text' }, 'Đang tải…');
  const figures = h('div', { id: 'report-figures' });
  main.append(h('h2', {}, 'Tóm tắt'), text,
    h('h2', {}, 'Số liệu (bấm vào một số để xem ai đã nhập, khi nào)'), figures,
    h('h2', {}, 'Bảng tổng hợp, chỉ tiêu và biểu đồ'),
    h('iframe', { class: 'report', id: 'report-frame', title: 'Báo cáo', src: base + '&format=html' }),
    cellChooser(unit || (state.meta.units[0] || {}).code, period));
  try {
    const [vi, json] = await Promise.all([api(base + '&format=vi'), api(base + '&format=json')]);
    text.textContent = vi;
    const row = json.rows.find((r) => !unit || r.unit === unit) || json.rows[0];
    if (row) figures.append(h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Chỉ số'),
        h('th', { class: 'num' }, row.name || unitName(row.unit)))),
      h('tbody', {}, state.meta.indicators.filter((i) => row.values[i.code] !== undefined &&
          row.values[i.code] !== null).map((i) => h('tr', {}, h('td', {}, i.name),
        h('td', { class: 'num' }, i.kind === 'ratio' || i.kind === 'formula'
          ? num(row.values[i.code]) + (i.kind === 'ratio' ? '%' : '')
          : h('a', { 'data-indicator': i.code, href: '/cell?unit=' + encodeURIComponent(row.unit) +
              '&period=' + encodeURIComponent(json.period || period) + '&indicator=' +
              encodeURIComponent(i.code) }, num(row.values[i.code]))))))));
  } catch (e) {
    text.textContent = '';
    text.append(h('span', { class: 'error' }, e.message));
  }
}

/* A small form that opens a cell's story. */
function cellChooser (unit, period) {
  return h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
      go('/cell?unit=' + encodeURIComponent(val('cell-unit')) + '&period=' +
         encodeURIComponent(val('cell-month')) + '&indicator=' +
         encodeURIComponent(val('cell-ind'))); } },
    h('strong', {}, 'Lịch sử một số liệu: '),
    field('Đơn vị', unitSelect('cell-unit', unit)),
    field('Tháng hoặc kỳ', h('input', { id: 'cell-month', value: period, required: true,
      size: 9 })),
    field('Chỉ số', indSelect('cell-ind', null, (i) => i.kind !== 'ratio')),
    h('button', { type: 'submit' }, 'Xem'));
}

const OUTCOME_VI = { 1: 'nhận', 2: 'thắng xung đột', 3: 'thua xung đột', 4: 'từ chối',
                     5: 'đã bị thay bằng sửa đổi sau' };

/* A figure's story: every value received, conflicts and corrections, for
   a month or every month of a period. */
async function viewCell (main) {
  const unit = q('unit'), ind = q('indicator');
  const period = q('period') || q('month');
  main.append(h('h1', {}, 'Lịch sử số liệu'));
  if (!unit || !period || !ind) {
    main.append(cellChooser((state.meta.units[0] || {}).code, thisYear()));
    return;
  }
  const enc = encodeURIComponent;
  const [story, audit] = await Promise.all([
    api('/api/cell?unit=' + enc(unit) + '&period=' + enc(period) + '&indicator=' + enc(ind)),
    api('/api/audit?unit=' + enc(unit) + '&period=' + enc(period))
  ]);
  main.append(
    h('p', {}, h('b', {}, unitName(unit)), ' · kỳ ' + story.period + ' · ', h('b', {}, indName(ind)),
      ' · ', h('a', { href: '/report?period=' + enc(story.period) + '&unit=' + enc(unit) }, 'báo cáo')),
    h('h2', {}, 'Giá trị hiện tại (số liệu của chính đơn vị, theo tháng)'),
    story.current.length === 0 ? h('p', { class: 'muted', id: 'cell-current' }, 'Chưa có số liệu.') :
    h('table', { id: 'cell-current' }, h('thead', {}, h('tr', {},
        ['Tháng', 'Giá trị', 'Phiên bản', 'Người nhập', 'Ghi chú'].map((t) => h('th', {}, t)))),
      h('tbody', {}, story.current.map((c) => h('tr', {}, h('td', {}, c.month),
        h('td', { class: 'num' }, c.value === null ? '(xoá)' : num(c.value)),
        h('td', { class: 'num' }, c.version),
        h('td', {}, c.author + (c.corrected ? ' (tỉnh điều chỉnh)' : '')),
        h('td', {}, c.note))))),
    h('h2', {}, 'Các lần nhập và điều chỉnh'),
    story.received.length === 0 ? h('p', { class: 'muted' }, 'Chưa có.') :
    h('table', { id: 'cell-history' }, h('thead', {}, h('tr', {},
        ['#', 'Tháng', 'Lúc', 'Nguồn', 'Người nhập', 'Giá trị', 'Kết quả', 'Lô', 'Ghi chú']
          .map((t) => h('th', {}, t)))),
      h('tbody', {}, story.received.map((r) => h('tr', {},
        h('td', {}, r.id), h('td', {}, r.month), h('td', {}, when(r.at)),
        h('td', {}, r.province ? 'Tỉnh (điều chỉnh)' : r.office),
        h('td', {}, r.author), h('td', { class: 'num' }, r.value === null ? '(xoá)' : num(r.value)),
        h('td', {}, OUTCOME_VI[r.outcome] + (r.reason ? ': ' + r.reason : '')),
        h('td', {}, r.batch ? '#' + r.batch : '—'), h('td', {}, r.note))))),
    h('h2', {}, 'Xung đột'),
    story.conflicts.length === 0 ? h('p', { class: 'muted' }, 'Không có.') :
    h('table', {}, h('thead', {}, h('tr', {}, ['Tháng', 'Thắng', 'Thua', 'Quy tắc', 'Lúc', 'Trạng thái']
        .map((t) => h('th', {}, t)))),
      h('tbody', {}, story.conflicts.map((c) => h('tr', {}, h('td', {}, c.month),
        h('td', {}, num(c.winner_value) + ' (' + c.winner_author + ')'),
        h('td', {}, num(c.loser_value) + ' (' + c.loser_author + ')'),
        h('td', {}, c.rule), h('td', {}, when(c.at)),
        h('td', {}, c.resolved ? 'đã giải quyết' : 'đang mở'))))),
    h('h2', {}, 'Sổ kiểm toán của đơn vị trong kỳ (audit show)'),
    h('pre', { class: 'audit' }, audit));
}

/* Conflicts, each open one with a form to resolve it. */
async function viewConflicts (main) {
  const list = await api('/api/conflicts');
  const open = list.filter((c) => !c.resolved);
  main.append(h('h1', {}, 'Xung đột (' + open.length + ' đang mở / ' + list.length + ')'));
  if (list.length === 0) { main.append(h('p', { class: 'muted' }, 'Không có xung đột nào.')); return; }
  main.append(h('table', { id: 'conflicts' },
    h('thead', {}, h('tr', {}, ['Đơn vị', 'Tháng', 'Chỉ số', 'Giá trị thắng (người nhập)',
      'Giá trị thua (người nhập)', 'Quy tắc', 'Giải quyết'].map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map((c) => {
      const id = 'resolve-' + c.id;
      return h('tr', { 'data-conflict': c.id },
        h('td', {}, unitName(c.unit)), h('td', {}, c.month),
        h('td', {}, h('a', { href: '/cell?unit=' + encodeURIComponent(c.unit) + '&month=' +
          c.month + '&indicator=' + encodeURIComponent(c.indicator) }, indName(c.indicator))),
        h('td', { class: 'num' }, num(c.winner_value) + ' (' + c.winner_author +
          (c.winner_replica ? ', ' + c.winner_replica : '') + ')'),
        h('td', { class: 'num' }, num(c.loser_value) + ' (' + c.loser_author +
          (c.loser_replica ? ', ' + c.loser_replica : '') + ')'),
        h('td', {}, c.rule),
        h('td', {}, c.resolved ? 'đã giải quyết' : !can('approver') ? 'đang mở' :
          h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault();
              change('/api/resolve', { unit: c.unit, month: c.month, indicator: c.indicator,
                value: val(id), note: val(id + '-note') || 'conflict resolved' },
                'Đã giải quyết xung đột'); } },
            field('Giá trị chọn', h('input', { id, value: c.winner_value === null ? '' : c.winner_value,
                                               inputmode: 'numeric', required: true, size: 6 })),
            field('Ghi chú', h('input', { id: id + '-note', size: 14 })),
            h('button', { type: 'submit' }, 'Chốt'))));
    }))));
}

/* Approvals and locks of a period. */
async function viewApprovals (main) {
  const period = q('period') || (thisYear() + '-H1');
  const data = await api('/api/states?period=' + encodeURIComponent(period));
  const subs = {};
  for (const s of data.submissions) if (s.period === data.period) subs[s.unit] = s;
  main.append(
    h('h1', {}, 'Duyệt và khoá kỳ ' + data.period),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        go('/approvals?period=' + encodeURIComponent(val('ap-period'))); } },
      field('Kỳ', h('input', { id: 'ap-period', value: data.period, required: true })),
      h('button', { type: 'submit' }, 'Xem')),
    h('p', { class: 'muted' }, 'Duyệt một đơn vị khoá số liệu của cả đơn vị đó và các đơn vị ' +
      'trực thuộc cho các tháng của kỳ; khoá đơn vị cấp trên cần các đơn vị cấp huyện, ' +
      'ngành đã được duyệt (hoặc chọn "bắt buộc").'),
    can('approver') ? field('Bắt buộc (bỏ qua kiểm tra)',
      h('input', { type: 'checkbox', id: 'ap-force' })) : null);
  const force = () => { const f = document.getElementById('ap-force'); return !!(f && f.checked); };
  main.append(h('table', { id: 'approvals' },
    h('thead', {}, h('tr', {}, ['Đơn vị', 'Trạng thái', 'Nộp lúc', 'Thao tác'].map((t) => h('th', {}, t)))),
    h('tbody', {}, data.units.filter((u) => u.depth <= 1).map((u) => {
      const s = subs[u.code];
      const st = s ? s.state : 'draft';
      const act = (action, label, cls) => h('button', { type: 'button', class: cls || '',
        'data-action': action, 'data-unit': u.code,
        onclick: () => change('/api/workflow', { unit: u.code, period: data.period, action,
                                                 force: force() }, label + ': ' + u.name) }, label);
      return h('tr', { 'data-unit': u.code, 'data-state': st },
        h('td', { class: 'd' + u.depth }, h('a', { href: '/report?period=' + data.period +
          '&unit=' + encodeURIComponent(u.code) }, u.name)),
        h('td', {}, { submitted: 'đã nộp', approved: 'đã duyệt (khoá)', reopened: 'mở lại',
                      draft: u.depth === 0 ? 'chưa khoá' : 'chưa nộp' }[st] || st),
        h('td', {}, s ? when(s.at) : ''),
        h('td', { class: 'actions' }, can('approver') ? [
          st === 'submitted' ? act('approve', 'Duyệt') : null,
          st !== 'approved' ? act('lock', 'Khoá', 'secondary') : null,
          st === 'approved' ? act('unlock', 'Mở khoá', 'secondary') : null,
          st === 'approved' ? act('reopen', 'Trả lại', 'danger') : null] : ''));
    }))));
}

/* A province correction with its required note. */
async function viewCorrections (main) {
  const log = await api('/api/log');
  main.append(h('h1', {}, 'Điều chỉnh số liệu của đơn vị'));
  if (can('approver'))
    main.append(h('form', { class: 'stack panel', id: 'correct-form', onsubmit: async (e) => {
        e.preventDefault();
        const v = val('co-value');
        await change('/api/correct', { unit: val('co-unit'), month: val('co-month'),
          indicator: val('co-ind'), value: v === '' ? null : v, note: val('co-note') },
          'Đã ghi điều chỉnh; văn phòng nhận ở lần đồng bộ tới'); } },
      field('Đơn vị', unitSelect('co-unit', q('unit'))),
      field('Tháng', h('input', { id: 'co-month', required: true,
        pattern: '\\d{4}-\\d{2}', placeholder: 'YYYY-MM', value: q('month') || '' })),
      field('Chỉ số', indSelect('co-ind', q('indicator'), (i) => i.kind !== 'ratio')),
      field('Giá trị mới (để trống để xoá)', h('input', { id: 'co-value', inputmode: 'numeric' })),
      field('Ghi chú lý do (bắt buộc)', h('textarea', { id: 'co-note', required: true })),
      h('div', {}, h('button', { type: 'submit' }, 'Ghi điều chỉnh'))));
  else main.append(h('p', { class: 'muted' }, 'Tài khoản xem không điều chỉnh được số liệu.'));
  const rows = log.filter((l) => l.action === 'correct' || l.action === 'resolve');
  main.append(h('h2', {}, 'Điều chỉnh gần đây'), logTable(rows));
}

function logTable (rows) {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'Chưa có.');
  return h('table', { id: 'log' }, h('thead', {}, h('tr', {},
      ['Lúc', 'Tài khoản', 'Thao tác', 'Nội dung'].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((l) => h('tr', {}, h('td', {}, when(l.at * 1000)),
      h('td', {}, l.account), h('td', {}, ACTION_VI[l.action] || l.action),
      h('td', {}, l.detail)))));
}

/* Targets: the list, setting one, allocating a total with a preview. */
async function viewTargets (main) {
  const period = q('period') || thisYear();
  const list = await api('/api/targets?period=' + encodeURIComponent(period));
  main.append(h('h1', {}, 'Chỉ tiêu ' + period),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        go('/targets?period=' + encodeURIComponent(val('tg-period'))); } },
      field('Kỳ', h('input', { id: 'tg-period', value: period, required: true })),
      h('button', { type: 'submit' }, 'Xem')),
    list.length === 0 ? h('p', { class: 'muted' }, 'Chưa có chỉ tiêu cho kỳ này.') :
    h('table', { id: 'targets' }, h('thead', {}, h('tr', {},
        ['Đơn vị', 'Chỉ số', 'Kỳ', 'Nguồn', 'Chỉ tiêu', 'Phiên bản'].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.map((t) => h('tr', {}, h('td', {}, unitName(t.unit)),
        h('td', {}, indName(t.indicator)), h('td', {}, t.period),
        h('td', {}, SOURCE_VI[t.source] || t.source),
        h('td', { class: 'num' }, t.range ? num(t.lo) + '–' + num(t.hi) : num(t.lo)),
        h('td', { class: 'num' }, t.version))))));
  if (!can('approver')) return;
  const sourceSel = (id) => h('select', { id }, Object.entries(SOURCE_VI).map(([k, v]) =>
    h('option', { value: k, selected: k === 'province' }, v)));
  main.append(h('h2', {}, 'Đặt chỉ tiêu'),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        change('/api/target', { unit: val('ts-unit'), indicator: val('ts-ind'),
          period: val('ts-period'), value: val('ts-value'), source: val('ts-source') },
          'Đã đặt chỉ tiêu'); } },
      field('Đơn vị', unitSelect('ts-unit')), field('Chỉ số', indSelect('ts-ind')),
      field('Kỳ', h('input', { id: 'ts-period', value: period, required: true, size: 9 })),
      field('Giá trị (N hoặc MIN..MAX)', h('input', { id: 'ts-value', required: true, size: 9 })),
      field('Nguồn', sourceSel('ts-source')),
      h('button', { type: 'submit' }, 'Đặt')));
  const preview = h('div', { id: 'alloc-preview' });
  const body = () => ({ indicator: val('al-ind'), period: val('al-period'),
    total: parseInt(val('al-total').replace(/\./g, ''), 10), by: val('al-by'),
    source: val('al-source') });
  main.append(h('h2', {}, 'Phân bổ chỉ tiêu của tỉnh cho các đơn vị'),
    h('form', { class: 'inline panel', onsubmit: async (e) => { e.preventDefault();
        preview.replaceChildren();
        try {
          const out = await api('/api/allocate', Object.assign(body(), { apply: false }));
          preview.append(h('p', {}, out.basis), out.context ? h('p', { class: 'muted' }, out.context) : null,
            h('table', {}, h('thead', {}, h('tr', {}, ['Đơn vị', 'Trọng số', 'Phân bổ']
              .map((t) => h('th', {}, t)))), h('tbody', {}, out.rows.map((r) => h('tr', {},
                h('td', {}, r.name), h('td', { class: 'num' }, r.has_weight ? num(r.weight) : '—'),
                h('td', { class: 'num' }, num(r.share)))))),
            h('p', {}, h('button', { type: 'button', id: 'alloc-apply', onclick: () =>
              change('/api/allocate', Object.assign(body(), { apply: true }),
                     'Đã lưu phân bổ') }, 'Lưu phân bổ này')));
        } catch (err) { preview.append(h('p', { class: 'error' }, err.message)); } } },
      field('Chỉ số', indSelect('al-ind', 'members.new')),
      field('Kỳ', h('input', { id: 'al-period', value: period, required: true, size: 9 })),
      field('Tổng của tỉnh', h('input', { id: 'al-total', required: true, inputmode: 'numeric', size: 8 })),
      field('Theo số liệu năm trước của', indSelect('al-by', 'members.new')),
      field('Nguồn', sourceSel('al-source')),
      h('button', { type: 'submit' }, 'Xem trước')),
    preview);
}

/* Offices: enrolment, revocation, re-keying, last sync. */
async function viewOffices (main) {
  const list = await api('/api/offices');
  main.append(h('h1', {}, 'Văn phòng đã đăng ký (' + list.length + ')'),
    h('table', { id: 'offices' }, h('thead', {}, h('tr', {},
        ['Đơn vị', 'Tên', 'Khoá', 'Đăng ký', 'Đồng bộ gần nhất', 'Trạng thái', '']
          .map((t) => h('th', {}, t)))),
      h('tbody', {}, list.map((o) => h('tr', { 'data-replica': o.id },
        h('td', {}, o.unit_name), h('td', {}, o.name), h('td', { class: 'key' }, o.key),
        h('td', {}, when(o.enrolled * 1000)), h('td', {}, when(o.last)),
        h('td', {}, o.revoked ? 'đã thu hồi ' + when(o.revoked * 1000) : 'hoạt động'),
        h('td', { class: 'actions' }, can('admin') ? h('button', { type: 'button', class: 'secondary',
          onclick: () => { const f = document.getElementById('rk-old'); f.value = o.key;
                           document.getElementById('rk-new').focus(); } }, 'Đổi khoá') : '',
          can('admin') && !o.revoked ? h('button', { type: 'button', class: 'danger',
          onclick: () => { if (confirm('Thu hồi khoá của ' + o.name + '?'))
            change('/api/revoke', { key: o.key }, 'Đã thu hồi'); } }, 'Thu hồi') : ''))))));
  if (!can('admin')) return;
  main.append(h('h2', {}, 'Đăng ký văn phòng mới'),
    h('form', { class: 'stack panel', onsubmit: (e) => { e.preventDefault();
        change('/api/enroll', { unit: val('en-unit'), name: val('en-name'), key: val('en-key') },
               'Đã đăng ký văn phòng'); } },
      field('Đơn vị', unitSelect('en-unit')),
      field('Tên (ví dụ: văn phòng, người phụ trách)', h('input', { id: 'en-name' })),
      field('Khoá công khai (dòng cuối lệnh unionsync init in ra)',
            h('textarea', { id: 'en-key', required: true })),
      h('div', {}, h('button', { type: 'submit' }, 'Đăng ký'))),
    h('h2', {}, 'Đổi khoá một văn phòng'),
    h('form', { class: 'stack panel', onsubmit: (e) => { e.preventDefault();
        change('/api/rekey', { key: val('rk-old'), new: val('rk-new') }, 'Đã đổi khoá'); } },
      field('Khoá cũ', h('input', { id: 'rk-old', required: true })),
      field('Khoá mới (lệnh unionsync rekey in ra)', h('textarea', { id: 'rk-new', required: true })),
      h('div', {}, h('button', { type: 'submit' }, 'Đổi khoá'))));
}

/* Accounts (admin). */
async function viewAccounts (main) {
  main.append(h('h1', {}, 'Tài khoản'));
  if (!can('admin')) { main.append(h('p', { class: 'error' }, 'Chỉ quản trị viên xem được trang này.')); return; }
  const list = await api('/api/accounts');
  const roleSel = (id, v) => h('select', { id }, Object.keys(ROLE_VI).map((r) =>
    h('option', { value: r, selected: r === v }, ROLE_VI[r] + ' (' + r + ')')));
  main.append(h('table', { id: 'accounts' }, h('thead', {}, h('tr', {},
      ['Tên', 'Vai trò', 'Trạng thái', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map((a) => h('tr', {}, h('td', {}, a.name),
      h('td', {}, ROLE_VI[a.role] + ' (' + a.role + ')'),
      h('td', {}, a.disabled ? 'đã vô hiệu hoá' : a.locked ? 'tạm khoá (sai mật khẩu)' : 'hoạt động'),
      h('td', {}, !a.disabled && a.name !== state.me.name ? h('button', { type: 'button',
        class: 'danger', onclick: () => change('/api/account', { action: 'disable', name: a.name },
          'Đã vô hiệu hoá tài khoản') }, 'Vô hiệu hoá') : ''))))),
    h('h2', {}, 'Thêm tài khoản'),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        change('/api/account', { name: val('ac-name'), role: val('ac-role'),
          password: document.getElementById('ac-pw').value }, 'Đã thêm tài khoản'); } },
      field('Tên đăng nhập', h('input', { id: 'ac-name', required: true, autocomplete: 'off' })),
      field('Vai trò', roleSel('ac-role', 'viewer')),
      field('Mật khẩu (ít nhất 8 ký tự)', h('input', { id: 'ac-pw', type: 'password',
        required: true, minlength: 8, autocomplete: 'new-password' })),
      h('button', { type: 'submit' }, 'Thêm')),
    h('h2', {}, 'Đặt lại mật khẩu'),
    h('form', { class: 'inline panel', onsubmit: (e) => { e.preventDefault();
        change('/api/account', { action: 'passwd', name: val('pw-name'),
          password: document.getElementById('pw-pw').value }, 'Đã đổi mật khẩu'); } },
      field('Tên đăng nhập', h('input', { id: 'pw-name', required: true })),
      field('Mật khẩu mới', h('input', { id: 'pw-pw', type: 'password', required: true,
        minlength: 8, autocomplete: 'new-password' })),
      h('button', { type: 'submit' }, 'Đổi')));
}

async function viewLog (main) {
  const log = await api('/api/log');
  main.append(h('h1', {}, 'Nhật ký thao tác tại bàn làm việc'), logTable(log));
}

/* The login form; goes back to where the browser wanted to go. */
function viewLogin (main) {
  const msg = h('p', { class: 'error', id: 'login-error', role: 'alert' });
  main.append(h('div', { class: 'panel login' },
    h('h1', {}, 'Đăng nhập'),
    h('form', { class: 'stack', id: 'login-form', onsubmit: async (e) => {
        e.preventDefault();
        msg.textContent = '';
        try {
          state.me = await api('/api/login', { name: val('login-name'),
            password: document.getElementById('login-password').value });
          const next = q('next');
          location.href = next && next.startsWith('/') && !next.startsWith('//') ? next : '/round';
        } catch (err) { msg.textContent = err.message; } } },
      field('Tên đăng nhập', h('input', { id: 'login-name', required: true,
        autocomplete: 'username', autofocus: true })),
      field('Mật khẩu', h('input', { id: 'login-password', type: 'password', required: true,
        autocomplete: 'current-password' })),
      h('div', {}, h('button', { type: 'submit', id: 'login-submit' }, 'Đăng nhập'))),
    msg));
}

/* ---------------------------------------------------------------- router */

const VIEWS = { '/': viewRound, '/round': viewRound, '/report': viewReport, '/cell': viewCell,
  '/conflicts': viewConflicts, '/approvals': viewApprovals, '/corrections': viewCorrections,
  '/targets': viewTargets, '/offices': viewOffices, '/accounts': viewAccounts, '/log': viewLog };

async function route () {
  const main = document.getElementById('view');
  const path = location.pathname;
  main.replaceChildren();
  if (path === '/login') { viewLogin(main); return; }
  try {
    if (!state.me) state.me = await api('/api/me');
    if (!state.meta) state.meta = await api('/api/meta');
    document.getElementById('nav').hidden = false;
    document.getElementById('who').hidden = false;
    document.getElementById('who-name').textContent = state.me.name;
    document.getElementById('who-role').textContent = ROLE_VI[state.me.role];
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('active', a.getAttribute('href') === path ||
                                   (path === '/' && a.dataset.view === 'round'));
      if (a.dataset.role) a.hidden = !can(a.dataset.role);
    }
    await (VIEWS[path] || viewRound)(main);
    main.dataset.ready = path;
  } catch (e) {
    if (e.status !== 401) main.append(h('p', { class: 'error', id: 'view-error' }, e.message));
  }
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || a.target || a.hasAttribute('download') || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') ||
      !(url.pathname in VIEWS)) return;
  e.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener('popstate', route);
document.getElementById('logout').addEventListener('click', async () => {
  try { await api('/api/logout', {}); } catch (e) { /* the session is gone either way */ }
  location.href = '/login';
});
route();
