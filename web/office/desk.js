/* The office desk: the form of a unit for a month or period, saved cell by
   cell in the office's store, synced with the province from the page.
   Plain JavaScript, no framework, no network beyond the desk itself. */
'use strict';

(function () {
  const TOKEN = document.querySelector('meta[name="us-token"]').content;
  const CSRF = document.querySelector('meta[name="us-csrf"]').content;
  const STATES = ['draft', 'pending', 'accepted', 'rejected', 'conflict', 'corrected', 'locked'];

  const TEXT = {
    vi: {
      subtitle: 'Nhập số liệu báo cáo định kỳ', sync: 'Đồng bộ', unit: 'Đơn vị',
      period: 'Tháng / kỳ báo cáo', clerk: 'Người nhập', submit: 'Nộp báo cáo',
      template: 'Tải mẫu Excel', templateCsv: 'CSV', import: 'Nhập từ tệp…', print: 'In báo cáo',
      todo: 'Còn phải nhập', submission: 'Nộp báo cáo', legend: 'Trạng thái của ô',
      keys: 'Bàn phím', keyhelp: 'Tab: sang ô kế tiếp. Enter: lưu và xuống ô dưới. Dán một cột số từ Excel: điền các ô bên dưới.',
      importTitle: 'Xem trước số liệu nhập từ tệp', importSave: 'Lưu các số liệu này', cancel: 'Hủy',
      footer: 'Số liệu được lưu ngay tại máy này khi nhập, kể cả khi không có mạng; nút “Đồng bộ” gửi lên tỉnh.',
      lang: 'English', indicator: 'Chỉ tiêu', month: m => 'Tháng ' + m,
      prev: 'Tháng trước', lastYear: 'Cùng kỳ năm trước', ytd: 'Lũy kế từ đầu năm',
      target: 'Chỉ tiêu giao', pct: 'Đạt', computed: 'tính tự động',
      st_draft: 'Đã lưu tại máy, chưa gửi', st_pending: 'Đang gửi lên tỉnh…',
      st_accepted: 'Tỉnh đã nhận', st_rejected: 'Tỉnh từ chối', st_conflict: 'Bị ghi đè',
      st_corrected: 'Tỉnh đã sửa', st_locked: 'Đã khóa', st_empty: 'Chưa nhập',
      conflict: (w, who, mine) => 'Tỉnh giữ ' + w + ' của ' + who + (mine ? ' (bạn nhập ' + mine + ')' : ''),
      corrected: (who, note) => 'Tỉnh đã sửa' + (who ? ' (' + who + ')' : '') + (note ? ': ' + note : ''),
      locked: p => 'Đã khóa: kỳ ' + p + ' đã được tỉnh duyệt',
      saving: 'Đang lưu…', saved: 'Đã lưu tại máy',
      clearTitle: 'Xóa số liệu của ô này', clearHint: 'Ô trống không được lưu: muốn xóa số liệu, bấm nút ×',
      noteLabel: 'Ghi chú', notePlaceholder: 'Ghi chú…', noteNeedsValue: 'Nhập số liệu trước khi ghi chú',
      online: 'Đã kết nối với tỉnh', offline: 'Không liên lạc được với tỉnh', unknown: 'Chưa đồng bộ',
      syncing: 'Đang đồng bộ…', lastReached: t => 'Lần cuối liên lạc được với tỉnh: ' + t,
      neverReached: 'Chưa liên lạc được với tỉnh lần nào',
      pendingCount: n => n + ' số liệu đang chờ gửi',
      offlineBanner: 'Không liên lạc được với tỉnh. Cứ tiếp tục nhập: mọi số liệu đã được lưu tại máy này và sẽ được gửi khi có kết nối.',
      todoNone: 'Đã nhập đủ các chỉ tiêu của kỳ này.', todoCount: n => 'Còn ' + n + ' ô chưa nhập',
      dueBy: d => 'hạn nộp ' + d, subNone: 'Chưa nộp báo cáo kỳ này.', subQueued: 'Đã xếp hàng nộp; sẽ gửi lên tỉnh khi đồng bộ.',
      subSubmitted: 'Đã nộp báo cáo.', subRefused: r => 'Tỉnh không nhận báo cáo: ' + r,
      subProvince: s => 'Tỉnh: ' + ({ approved: 'đã duyệt', submitted: 'đã nhận báo cáo', locked: 'đã khóa', amended: 'cần nộp lại' }[s] || s),
      submitted: p => 'Đã xếp hàng nộp báo cáo kỳ ' + p + '; đang gửi lên tỉnh.',
      askClerk: 'Xin nhập tên của bạn vào ô “Người nhập”: mọi số liệu bạn nhập sẽ mang tên này.',
      clerkSaved: n => 'Các số liệu từ giờ mang tên ' + n + '.',
      importRows: (n, f) => n + ' số liệu trong tệp ' + f + '. Kiểm tra rồi bấm “Lưu”.',
      importSaved: n => 'Đã lưu ' + n + ' số liệu từ tệp.',
      importHead: ['Đơn vị', 'Tháng', 'Chỉ tiêu', 'Hiện có', 'Mới'],
      cleared: '(xóa)', pastedInto: n => 'Đã dán vào ' + n + ' ô.',
      unreachable: 'Không gửi được: không liên lạc được với tỉnh. Số liệu vẫn được lưu tại máy.',
      badPeriod: 'Kỳ không hợp lệ (viết 2022-05, 2022-Q2 hoặc 2022-H1)',
    },
    en: {
      subtitle: 'Periodic report figures', sync: 'Sync', unit: 'Unit',
      period: 'Month / period', clerk: 'Entered by', submit: 'Submit report',
      template: 'Download the Excel form', templateCsv: 'CSV', import: 'Import a file…', print: 'Print report',
      todo: 'Still to enter', submission: 'Submission', legend: 'Cell states',
      keys: 'Keyboard', keyhelp: 'Tab: next cell. Enter: save and go down. Paste a column from Excel: fills the cells below.',
      importTitle: 'Preview of the imported figures', importSave: 'Save these figures', cancel: 'Cancel',
      footer: 'Every figure is saved on this computer as you type it, network or not; “Sync” sends them to the province.',
      lang: 'Tiếng Việt', indicator: 'Indicator', month: m => 'Month ' + m,
      prev: 'Last month', lastYear: 'Same period last year', ytd: 'Year to date',
      target: 'Target', pct: 'Achieved', computed: 'computed',
      st_draft: 'Saved here, not sent', st_pending: 'Sending…',
      st_accepted: 'Accepted by the province', st_rejected: 'Rejected', st_conflict: 'Lost a conflict',
      st_corrected: 'Corrected by the province', st_locked: 'Locked', st_empty: 'Not entered',
      conflict: (w, who, mine) => 'The province kept ' + w + ' by ' + who + (mine ? ' (yours: ' + mine + ')' : ''),
      corrected: (who, note) => 'Corrected by the province' + (who ? ' (' + who + ')' : '') + (note ? ': ' + note : ''),
      locked: p => 'Locked: ' + p + ' was approved by the province',
      saving: 'Saving…', saved: 'Saved here',
      clearTitle: 'Clear this figure', clearHint: 'An empty cell is not saved: to clear a figure, press ×',
      noteLabel: 'Note', notePlaceholder: 'Note…', noteNeedsValue: 'Enter a figure before its note',
      online: 'Connected to the province', offline: 'The province cannot be reached', unknown: 'Not synced yet',
      syncing: 'Syncing…', lastReached: t => 'Last reached the province: ' + t,
      neverReached: 'The province has never been reached',
      pendingCount: n => n + ' figures waiting to be sent',
      offlineBanner: 'The province cannot be reached. Keep entering: every figure is saved on this computer and is sent once the link is back.',
      todoNone: 'Every figure of this period is entered.', todoCount: n => n + ' cells still empty',
      dueBy: d => 'due by ' + d, subNone: 'This period is not submitted yet.', subQueued: 'Submission queued; it is sent on the next sync.',
      subSubmitted: 'Report submitted.', subRefused: r => 'The province refused the report: ' + r,
      subProvince: s => 'Province: ' + s,
      submitted: p => 'Submission of ' + p + ' queued; sending it to the province.',
      askClerk: 'Please type your name in “Entered by”: every figure you enter carries it.',
      clerkSaved: n => 'Figures now carry the name ' + n + '.',
      importRows: (n, f) => n + ' figures in ' + f + '. Check them, then press “Save”.',
      importSaved: n => 'Saved ' + n + ' figures from the file.',
      importHead: ['Unit', 'Month', 'Indicator', 'Now', 'New'],
      cleared: '(cleared)', pastedInto: n => 'Pasted into ' + n + ' cells.',
      unreachable: 'Not sent: the province cannot be reached. Every figure stays saved here.',
      badPeriod: 'Not a period (write 2022-05, 2022-Q2 or 2022-H1)',
    },
  };
  let lang = localStorage.getItem('us-desk-lang') === 'en' ? 'en' : 'vi';
  const T = k => TEXT[lang][k];

  const $ = id => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let form = null;
  let unit = params.get('unit') || '';
  let period = params.get('month') || params.get('period') || '';
  let lastEnded = 0;
  let statusTimer = 0;

  /* ---------------------------------------------------------------- numbers */

  /* 1234567 -> "1.234.567" (the Vietnamese way); English keeps commas. */
  function fmt(n) {
    if (n === null || n === undefined) return '';
    const neg = n < 0;
    const s = String(Math.round(Math.abs(n)));
    const sep = lang === 'vi' ? '.' : ',';
    return (neg ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  }
  /* 41.8 -> "41,8" */
  function fmtDec(x) {
    if (x === null || x === undefined) return '';
    const r = Math.round(x * 10) / 10;
    const s = Number.isInteger(r) ? String(r) : r.toFixed(1);
    return lang === 'vi' ? s.replace('.', ',') : s;
  }
  /* "2022-05" -> "5/2022" */
  function monthText(m) {
    const [y, mm] = m.split('-');
    return Number(mm) + '/' + y;
  }
  /* "2022-Q2" -> "Quý II/2022", "2022-H1" -> "6 tháng đầu năm 2022" (English: "Q2 2022"). */
  function periodText(p) {
    const roman = ['I', 'II', 'III', 'IV'];
    let m;
    if ((m = /^(\d{4})-Q([1-4])$/.exec(p))) return lang === 'vi' ? 'Quý ' + roman[m[2] - 1] + '/' + m[1] : 'Q' + m[2] + ' ' + m[1];
    if ((m = /^(\d{4})-H([12])$/.exec(p))) return lang === 'vi' ? '6 tháng ' + (m[2] === '1' ? 'đầu' : 'cuối') + ' năm ' + m[1] : (m[2] === '1' ? 'First' : 'Second') + ' half of ' + m[1];
    if ((m = /^(\d{4})$/.exec(p))) return (lang === 'vi' ? 'Năm ' : 'Year ') + m[1];
    return p;
  }
  /* A time in Vietnam's zone: "20:31 ngày 23/11/2026". */
  function timeText(ms) {
    const d = new Date(ms + 7 * 3600 * 1000);
    const p = n => String(n).padStart(2, '0');
    const hm = p(d.getUTCHours()) + ':' + p(d.getUTCMinutes());
    const day = p(d.getUTCDate()) + '/' + p(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear();
    return lang === 'vi' ? hm + ' ngày ' + day : hm + ', ' + day;
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'for' || k === 'role') e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
    return e;
  }

  /* ---------------------------------------------------------------- requests */

  function url(path, args) {
    const q = new URLSearchParams(Object.assign({ t: TOKEN }, args || {}));
    return path + '?' + q.toString();
  }
  async function get(path, args) {
    const r = await fetch(url(path, args), { cache: 'no-store' });
    const body = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw body;
    return body;
  }
  async function post(path, data, args, type) {
    const r = await fetch(url(path, args), {
      method: 'POST', cache: 'no-store',
      headers: { 'Content-Type': type || 'application/json', 'X-CSRF-Token': CSRF },
      body: type ? data : JSON.stringify(data),
    });
    const body = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw body;
    return body;
  }
  function errText(e) {
    if (!e) return '';
    if (lang === 'vi' && e.error_vi) return e.error_vi + (e.error ? ' (' + e.error + ')' : '');
    return e.error || String(e);
  }

  let bannerTimer = 0;
  /* Shows a message above the form; good news goes away by itself. */
  function banner(text, kind) {
    const b = $('banner');
    clearTimeout(bannerTimer);
    if (!text) { b.hidden = true; b.textContent = ''; return; }
    b.hidden = false;
    b.className = kind || '';
    b.dataset.kind = '';
    b.textContent = text;
    if (kind === 'info') bannerTimer = setTimeout(() => banner(''), 8000);
  }

  /* The province's reasons, as a clerk reads them (the original beside). */
  const REASONS = [
    [/locked|approved/i, 'kỳ báo cáo đã được tỉnh duyệt và khóa'],
    [/outside the scope|outside this office/i, 'đơn vị không thuộc văn phòng'],
    [/negative/i, 'số liệu không được âm'],
    [/too large/i, 'số quá lớn'],
    [/ratio|computed/i, 'chỉ tiêu tính tự động, không nhập'],
    [/rule .*broken|rule/i, 'số liệu vi phạm quy tắc kiểm tra'],
    [/future/i, 'kỳ báo cáo chưa đến'],
    [/unknown unit/i, 'tỉnh không có đơn vị này'],
    [/unknown indicator/i, 'tỉnh không có chỉ tiêu này'],
  ];
  function reasonText(r) {
    if (!r || lang !== 'vi') return r || '';
    const hit = REASONS.find(([re]) => re.test(r));
    return hit ? hit[1] + ' (' + r + ')' : r;
  }

  /* ---------------------------------------------------------------- the form */

  function inputId(code, month) { return 'c-' + code + '-' + month; }
  function cellOf(code, month) { return form.cells[code + '|' + month] || null; }
  function single() { return form.months.length === 1; }

  function stateOf(code, month) {
    const c = cellOf(code, month);
    return c ? c.state : form.locked[month] ? 'locked' : 'draft';
  }

  /* The words under a cell: its state and why. */
  function statusText(code, month) {
    const c = cellOf(code, month);
    if (form.locked[month] && (!c || c.state === 'locked')) return T('locked')(form.locked[month]);
    if (!c) return (form.groups.flatMap(g => g.indicators).find(i => i.code === code) || {}).computed ? T('computed') : T('st_empty');
    switch (c.state) {
      case 'rejected': return T('st_rejected') + ': ' + reasonText(c.reason);
      case 'conflict': return T('conflict')(fmt(c.winner), c.winner_author || '?', c.sent !== undefined ? fmt(c.sent) : '');
      case 'corrected': return T('corrected')(c.author, c.note);
      default: return c.value === null && c.state === 'accepted' ? T('st_accepted') + ' ' + T('cleared') : T('st_' + c.state);
    }
  }

  function buildHead() {
    const tr = el('tr', {}, el('th', { class: 'name', scope: 'col', text: T('indicator') }));
    for (const m of form.months) tr.append(el('th', { scope: 'col', text: T('month')(monthText(m)) }));
    if (single()) tr.append(el('th', { scope: 'col', text: T('prev') }));
    tr.append(el('th', { scope: 'col', text: T('lastYear') }),
      el('th', { scope: 'col', text: T('ytd') }),
      el('th', { scope: 'col', text: T('target') }),
      el('th', { scope: 'col', text: T('pct') }));
    $('form-head').replaceChildren(tr);
  }

  function buildCell(ind, month, first) {
    const id = inputId(ind.code, month);
    const td = el('td', { class: 'cell', 'data-unit': form.unit, 'data-month': month, 'data-indicator': ind.code });
    const input = el('input', {
      id: id, type: 'text', class: 'value', inputMode: 'numeric', autocomplete: 'off',
      'data-unit': form.unit, 'data-month': month, 'data-indicator': ind.code,
    });
    const entry = el('div', { class: 'entry' });
    if (!first) entry.append(el('label', { for: id, class: 'sr', text: ind.name + ' — ' + T('month')(monthText(month)) }));
    entry.append(input);
    if (ind.computed) {
      input.readOnly = true;
      input.title = T('computed');
    } else {
      const clear = el('button', { type: 'button', class: 'clear', title: T('clearTitle'), 'aria-label': T('clearTitle') + ': ' + ind.name, text: '×', tabIndex: -1 });
      clear.addEventListener('click', () => save(input, null, true));
      entry.append(clear);
      input.addEventListener('keydown', onKey);
      input.addEventListener('change', () => onChange(input));
      input.addEventListener('paste', onPaste);
      input.addEventListener('focus', () => input.select());
    }
    td.append(entry);
    if (single() && !ind.computed) {
      const note = el('input', { type: 'text', class: 'note', placeholder: T('notePlaceholder'), 'aria-label': T('noteLabel') + ': ' + ind.name, autocomplete: 'off', 'data-note-for': id });
      note.addEventListener('change', () => save(input, null, false, note.value));
      note.addEventListener('keydown', onKey);
      td.append(note);
    }
    td.append(el('div', { class: 'status', 'aria-live': 'polite' }), el('div', { class: 'warn' }));
    return td;
  }

  function buildBody() {
    const body = [];
    for (const g of form.groups) {
      if (g.head_vi) body.push(el('tr', { class: 'schedule', 'data-schedule': g.schedule, 'data-deadline': g.deadline }, el('th', { colSpan: 2 + form.months.length + 4, scope: 'colgroup', text: lang === 'vi' ? g.head_vi : g.head_en })));
      if (g.indicators.length) body.push(el('tr', { class: 'group', 'data-schedule': g.schedule || null }, el('th', { colSpan: 2 + form.months.length + 4, scope: 'colgroup', text: lang === 'vi' ? g.vi : g.en })));
      for (const ind of g.indicators) {
        const first = inputId(ind.code, form.months[0]);
        const nameTd = el('td', { class: ind.depth > 0 ? 'name part' : 'name' },
          ind.depth > 0 ? el('span', { class: 'of-which', text: lang === 'vi' ? 'trong đó' : 'of which' }) : null,
          el('label', { for: first, text: ind.name }),
          el('span', { class: 'code', text: ind.code + (ind.computed ? ' · ' + T('computed') : '') }));
        const tr = el('tr', { 'data-indicator': ind.code }, nameTd);
        form.months.forEach((m, i) => tr.append(buildCell(ind, m, i === 0)));
        if (single()) tr.append(el('td', { class: 'num prev' }));
        tr.append(el('td', { class: 'num ly' }), el('td', { class: 'num ytd' }), el('td', { class: 'num target' }), el('td', { class: 'num pct' }));
        body.push(tr);
      }
    }
    $('form-body').replaceChildren(...body);
  }

  /* Puts the form's figures and states into the table; a cell being typed
     in keeps what the clerk typed. */
  function fill() {
    for (const g of form.groups) {
      for (const ind of g.indicators) {
        const info = form.info[ind.code] || {};
        for (const m of form.months) {
          const input = $(inputId(ind.code, m));
          const td = input.closest('td');
          const c = cellOf(ind.code, m);
          const state = stateOf(ind.code, m);
          td.dataset.state = state;
          input.dataset.state = state;
          td.dataset.empty = c && c.value !== null ? '0' : '1';
          const locked = !!form.locked[m];
          if (!ind.computed) input.readOnly = locked;
          const typing = document.activeElement === input && input.dataset.dirty === '1';
          if (!typing && input.dataset.error !== '1') {
            if (ind.computed) {
              const v = single() ? info.total : null;
              input.value = v === null || v === undefined ? '' : ind.kind === 'ratio' ? fmtDec(v) + '%' : fmt(v);
            } else {
              input.value = c && c.value !== null ? fmt(c.value) : '';
            }
            input.dataset.dirty = '0';
          }
          const note = td.querySelector('input.note');
          if (note && document.activeElement !== note) { note.value = c ? c.note || '' : ''; note.readOnly = locked; }
          const status = td.querySelector('.status');
          if (input.dataset.error !== '1') {
            status.textContent = statusText(ind.code, m);
            status.className = 'status ' + state;
          }
          td.title = statusText(ind.code, m);
          const w = form.warnings[ind.code];
          td.querySelector('.warn').textContent = w && m === form.months[form.months.length - 1] ? '⚠ ' + (lang === 'vi' ? w.vi : w.en) : '';
        }
        const row = $(inputId(ind.code, form.months[0])).closest('tr');
        const ratio = ind.kind === 'ratio';
        const cell = (cls, v) => { const td = row.querySelector('td.' + cls); if (td) td.textContent = v === null || v === undefined ? '—' : ratio ? fmtDec(v) + '%' : fmt(v); };
        cell('prev', info.prev);
        cell('ly', info.last_year);
        cell('ytd', info.ytd);
        const target = row.querySelector('td.target');
        target.textContent = info.target === undefined ? '—' : fmt(info.target) + (info.target_hi !== undefined ? '–' + fmt(info.target_hi) : '');
        if (info.target_period) target.title = info.target_period + ' · ' + info.target_source;
        row.querySelector('td.pct').textContent = info.pct === undefined ? '—' : fmtDec(info.pct) + '%';
      }
    }
    fillTodo();
    fillSubmission();
  }

  function fillTodo() {
    const list = [];
    for (const g of form.groups)
      for (const ind of g.indicators) {
        if (ind.computed) continue;
        for (const m of form.months) {
          const c = cellOf(ind.code, m);
          if (form.locked[m] || (c && c.value !== null)) continue;
          const a = el('a', { href: '#' + inputId(ind.code, m), text: ind.name + (single() ? '' : ' — ' + monthText(m)) });
          a.addEventListener('click', ev => { ev.preventDefault(); $(inputId(ind.code, m)).focus(); });
          list.push(el('li', {}, a));
        }
      }
    $('todo-list').replaceChildren(...list);
    $('todo-count').textContent = list.length ? T('todoCount')(list.length) : T('todoNone');
  }

  function fillSubmission() {
    const s = form.submission;
    let text = T('subNone');
    if (s.state === 'queued') text = T('subQueued');
    else if (s.state === 'refused') text = T('subRefused')(reasonText(s.reason));
    else if (s.state) text = T('subSubmitted');
    if (s.province) text += ' ' + T('subProvince')(s.province);
    $('submission-state').textContent = text;
    $('deadlines').replaceChildren(...(form.schedules || []).map(d => el('li', {
      'data-schedule': d.code, 'data-period': d.period, 'data-deadline': d.deadline,
      text: d.name + ' — ' + periodText(d.period) + ': ' + T('dueBy')(d.deadline) })));
    const b = $('banner');
    if (b.dataset.kind === 'submit' && s.state && s.state !== 'queued') { banner(''); b.dataset.kind = ''; }
  }

  function fillLegend() {
    const colors = { draft: '--draft', pending: '--pending', accepted: '--accepted', rejected: '--rejected', conflict: '--conflict', corrected: '--corrected', locked: '--locked' };
    $('legend').replaceChildren(...STATES.map(s => {
      const sw = el('span', { class: 'swatch' });
      sw.style.background = 'var(' + colors[s] + ')';
      return el('li', { 'data-legend': s }, sw, el('span', { text: T('st_' + s) }));
    }));
  }

  function fillHeader() {
    $('office-name').textContent = form.office.name;
    document.title = form.office.name + ' — ' + (lang === 'vi' ? 'nhập số liệu' : 'figures');
    const sel = $('unit-select');
    sel.replaceChildren(...form.units.map(u => el('option', { value: u.code, text: '\u00a0'.repeat(u.depth * 3) + u.name, selected: u.code === form.unit })));
    $('period-input').value = form.period;
    if (document.activeElement !== $('clerk-input')) $('clerk-input').value = form.clerk;
    const unitName = (form.units.find(u => u.code === form.unit) || {}).name || form.unit;
    $('form-caption').textContent = unitName + ' — ' + (single() ? T('month')(monthText(form.months[0])) : periodText(form.period));
    $('template-link').href = url('api/template', { period: form.period, format: 'xlsx' });
    $('template-csv').href = url('api/template', { period: form.period, format: 'csv' });
  }

  function render(newForm, rebuild) {
    form = newForm;
    unit = form.unit;
    period = form.period;
    if (rebuild) {
      fillHeader();
      buildHead();
      buildBody();
    }
    fill();
    showSync(form.sync);
  }

  async function load() {
    try {
      const f = await get('api/form', { unit: unit, period: period });
      render(f, true);
      const q = new URLSearchParams({ t: TOKEN, unit: f.unit, period: f.period });
      history.replaceState(null, '', '?' + q.toString());
      if (!f.clerk_set) { banner(T('askClerk'), 'info'); }
      document.body.dataset.ready = '1';
      window.usDeskReadyAt = performance.now();
    } catch (e) {
      banner(errText(e), 'error');
      document.body.dataset.ready = 'error';
    }
  }
  async function refresh() {
    try { render(await get('api/form', { unit: unit, period: period }), false); } catch (e) { /* the next poll tries again */ }
  }

  /* ---------------------------------------------------------------- editing */

  function showError(input, text) {
    const td = input.closest('td');
    input.dataset.error = '1';
    input.classList.add('invalid');
    input.setAttribute('aria-invalid', 'true');
    const s = td.querySelector('.status');
    s.textContent = text;
    s.className = 'status error';
    td.dataset.error = text;
  }
  function clearError(input) {
    const td = input.closest('td');
    input.dataset.error = '0';
    input.classList.remove('invalid');
    input.removeAttribute('aria-invalid');
    delete td.dataset.error;
  }

  let saving = Promise.resolve();
  /* Saves one cell (value, clear, or a new note); saves run one after another. */
  function save(input, value, clear, note) {
    const job = async () => {
      const code = input.dataset.indicator, month = input.dataset.month;
      const c = cellOf(code, month);
      if (note !== undefined && !clear) {
        if (!c || c.value === null) { showError(input, T('noteNeedsValue')); return false; }
        value = String(c.value);
      }
      if (value === null && !clear) value = input.value;
      const noteEl = input.closest('td').querySelector('input.note');
      const body = {
        unit: input.dataset.unit, month: month, indicator: code, period: form.period,
        note: note !== undefined ? note : (noteEl ? noteEl.value : (c ? c.note : '')),
      };
      if (clear) body.clear = true; else body.value = value;
      const s = input.closest('td').querySelector('.status');
      s.textContent = T('saving');
      try {
        const f = await post('api/cell', body);
        clearError(input);
        input.dataset.dirty = '0';
        if (f.cells) render(f, false);
        if (form.sync && form.sync.online === true) { clearTimeout(statusTimer); statusTimer = setTimeout(poll, 350); }
        return true;
      } catch (e) {
        showError(input, errText(e));
        return false;
      }
    };
    saving = saving.then(job, job);
    return saving;
  }

  function onChange(input) {
    if (input.readOnly) return;
    if (input.value.trim() === '') {
      const c = cellOf(input.dataset.indicator, input.dataset.month);
      if (c && c.value !== null) { showError(input, T('clearHint')); }
      return;
    }
    input.dataset.dirty = '0';
    save(input, input.value, false);
  }

  /* The value inputs of a column (a month), top to bottom. */
  function column(month) {
    return Array.from(document.querySelectorAll('input.value')).filter(i => i.dataset.month === month);
  }
  function onKey(ev) {
    const input = ev.target;
    if (ev.key === 'Enter') {
      ev.preventDefault();
      const value = input.classList.contains('note') ? null : input;
      if (value && input.dataset.dirty === '1') { input.dataset.dirty = '0'; onChange(input); }
      if (input.classList.contains('note')) { input.dispatchEvent(new Event('change')); return; }
      const col = column(input.dataset.month);
      const i = col.indexOf(input);
      for (let k = i + (ev.shiftKey ? -1 : 1); k >= 0 && k < col.length; k += ev.shiftKey ? -1 : 1)
        if (!col[k].readOnly) { col[k].focus(); break; }
    } else if (ev.key === 'Escape' && input.classList.contains('value')) {
      clearError(input);
      input.dataset.dirty = '0';
      fill();
    } else if (ev.key.length === 1 || ev.key === 'Backspace' || ev.key === 'Delete') {
      input.dataset.dirty = '1';
    }
  }

  /* A paste of several lines (a column copied from Excel) fills this cell
     and the ones below; tabs spread a row over the months to the right. */
  async function onPaste(ev) {
    const text = (ev.clipboardData || window.clipboardData).getData('text');
    const lines = text.replace(/\r/g, '').split('\n');
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length < 2 && !/\t/.test(text)) return;
    ev.preventDefault();
    const input = ev.target;
    const months = form.months;
    const m0 = months.indexOf(input.dataset.month);
    const col = column(input.dataset.month).filter(i => !i.readOnly);
    let row = col.indexOf(input), n = 0;
    for (const line of lines) {
      if (row >= col.length) break;
      const parts = line.split('\t');
      for (let k = 0; k < parts.length && m0 + k < months.length; k++) {
        const target = k === 0 ? col[row] : $(inputId(col[row].dataset.indicator, months[m0 + k]));
        const v = parts[k].trim();
        if (!target || target.readOnly || v === '') continue;
        target.value = v;
        n++;
        save(target, v, false);
      }
      row++;
    }
    await saving;
    banner(T('pastedInto')(n), 'info');
  }

  /* ---------------------------------------------------------------- sync */

  function showSync(s) {
    if (!s) return;
    const badge = $('sync-state');
    if (s.running) { badge.textContent = T('syncing'); badge.className = 'badge busy'; }
    else if (s.online === true) { badge.textContent = T('online'); badge.className = 'badge online'; }
    else if (s.online === false) { badge.textContent = T('offline'); badge.className = 'badge offline'; }
    else { badge.textContent = T('unknown'); badge.className = 'badge unknown'; }
    document.body.dataset.online = s.online === null ? 'unknown' : String(s.online);
    document.body.dataset.syncing = s.running ? '1' : '0';
    $('sync-when').textContent = (s.reached_at ? T('lastReached')(timeText(s.reached_at)) : T('neverReached'))
      + (s.pending ? ' · ' + T('pendingCount')(s.pending) : '');
    $('sync-progress').textContent = s.running ? s.progress : '';
    $('sync-btn').disabled = !!s.running;
    const note = $('offline-note');
    if (s.online === false) { note.textContent = T('offlineBanner'); note.hidden = false; }
    else if (s.online === true) { note.hidden = true; }
  }

  async function poll() {
    clearTimeout(statusTimer);
    let s = null;
    try { s = (await get('api/status')).sync; } catch (e) { s = null; }
    if (s) {
      showSync(s);
      const ended = s.last_attempt_at || 0;
      if (!s.running && ended !== lastEnded) {
        lastEnded = ended;
        if (form) await refresh();
      }
    }
    /* quick while a sync runs or edits wait to go out to a reachable province */
    const quick = s && (s.running || (s.online === true && s.pending > 0));
    statusTimer = setTimeout(poll, quick ? 300 : 3000);
  }

  async function syncNow() {
    $('sync-btn').disabled = true;
    try { showSync((await post('api/sync', {})).sync); } catch (e) { banner(errText(e), 'error'); }
    poll();
  }

  async function submitPeriod() {
    try {
      await post('api/submit', { period: form.period });
      banner(T('submitted')(form.period), 'info');
      $('banner').dataset.kind = 'submit';
      await refresh();
      poll();
    } catch (e) {
      banner(errText(e), 'error');
    }
  }

  /* ---------------------------------------------------------------- import */

  let importText = null, importName = '';
  async function importFile(file) {
    importName = file.name;
    importText = file;     /* the bytes as Excel wrote them: the desk reads any encoding */
    try {
      const r = await post('api/import/preview', importText, { name: importName, unit: form.unit }, 'application/octet-stream');
      const names = {};
      for (const g of form.groups) for (const i of g.indicators) names[i.code] = i.name;
      const head = el('tr', {}, ...T('importHead').map(h => el('th', { scope: 'col', text: h })));
      const rows = r.rows.map(x => el('tr', {},
        el('td', { text: x.unit }), el('td', { text: monthText(x.month) }),
        el('td', { text: names[x.indicator] || x.indicator }),
        el('td', { class: 'num', text: x.old === null ? '—' : fmt(x.old) }),
        el('td', { class: 'num' + (x.old === x.value && !x.clear ? '' : ' changed'), text: x.clear ? T('cleared') : fmt(x.value) })));
      $('import-table').replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
      $('import-summary').textContent = T('importRows')(r.count, importName);
      $('import-dialog').showModal();
    } catch (e) {
      banner(errText(e), 'error');
    }
    $('import-file').value = '';
  }
  async function importSave() {
    try {
      const r = await post('api/import/commit', importText, { name: importName, unit: form.unit }, 'application/octet-stream');
      $('import-dialog').close();
      banner(T('importSaved')(r.count), 'info');
      await refresh();
    } catch (e) {
      $('import-summary').textContent = errText(e);
    }
  }

  /* ---------------------------------------------------------------- wiring */

  function applyLang() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = T(e.dataset.i18n);
    $('lang-btn').textContent = T('lang');
    fillLegend();
    if (form) render(form, true);
  }

  function step(delta) {
    const m = /^(\d{4})-(\d{2})$/.exec(period);
    if (!m) return;
    const k = Number(m[1]) * 12 + Number(m[2]) - 1 + delta;
    period = Math.floor(k / 12) + '-' + String(k % 12 + 1).padStart(2, '0');
    load();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sync-btn').addEventListener('click', syncNow);
    $('submit-btn').addEventListener('click', submitPeriod);
    $('print-btn').addEventListener('click', () => window.open(url('print', { unit: form.unit, period: form.period }), '_blank', 'noopener'));
    $('lang-btn').addEventListener('click', () => { lang = lang === 'vi' ? 'en' : 'vi'; localStorage.setItem('us-desk-lang', lang); applyLang(); });
    $('unit-select').addEventListener('change', ev => { unit = ev.target.value; load(); });
    $('period-input').addEventListener('change', ev => {
      const v = ev.target.value.trim();
      if (!/^\d{4}(-(\d{2}|Q[1-4]|H[12]))?(\.\.\d{4}(-\d{2})?)?$/.test(v)) { banner(T('badPeriod'), 'error'); return; }
      period = v; load();
    });
    $('prev-btn').addEventListener('click', () => step(-1));
    $('next-btn').addEventListener('click', () => step(1));
    $('clerk-input').addEventListener('change', async ev => {
      try { const r = await post('api/clerk', { name: ev.target.value.trim() }); banner(T('clerkSaved')(r.clerk), 'info'); form.clerk = r.clerk; }
      catch (e) { banner(errText(e), 'error'); }
    });
    $('import-file').addEventListener('change', ev => { if (ev.target.files[0]) importFile(ev.target.files[0]); });
    $('import-save').addEventListener('click', importSave);
    $('import-cancel').addEventListener('click', () => $('import-dialog').close());
    applyLang();
    load().then(poll);
  });
})();
