/* app.js: the staff console (served by notify; see services/notify/console.h).
 *
 * Plain DOM, no framework, no build step. Every value from the APIs is put on the
 * page with textContent or as an attribute, never as HTML. Routes (location.hash):
 *   #/login            the token form
 *   #/inbox            the staff member's notifications, live (EventSource)
 *   #/trace/ID         why notification ID was sent: event, decisions, awards
 *   #/progress[/YEAR]  docs/policy.md §4 targets, city and districts: bars and monthly lines
 *   #/report[/YEAR[/DISTRICT]]  the November 10 annual report, printable
 * The token lives in sessionStorage (this tab only) and goes out as
 * "Authorization: Bearer"; the live stream authenticates with a short-lived cookie
 * that POST /v1/console/ticket sets (an EventSource cannot send headers). */
'use strict';

const TOKEN_KEY = 'jiuye.staff.token';
const PLAN_YEARS = [2023, 2024, 2025];
const DISTRICTS = [
  ['320703', '连云区'], ['320706', '海州区'], ['320707', '赣榆区'],
  ['320722', '东海县'], ['320723', '灌云县'], ['320724', '灌南县'],
];
const DISTRICT_NAMES = Object.assign({ '320700': '连云港市（市直）' }, Object.fromEntries(DISTRICTS));
const AUDIENCES = {
  cdpf: '残联', hrss: '人社局', health: '卫健委', finance: '财政局', education: '教育局', tax: '税务局',
  org: '组织部', staffing: '编办', sasac: '国资委', civil: '民政局',
};
const OUTCOMES = {
  eligible: '符合条件', ineligible: '不符合条件', action_required: '需要处理',
  not_in_force: '不在方案有效期', info: '提示', pending: '待定',
};
const RULE_TITLES = {
  R01: '培训补贴', R02: '盲人按摩培训', R03: '盲人学费补贴', R04: '公益性岗位补贴', R05: '求职创业补贴',
  R06: '就业见习补贴', R07: '一次性创业补贴', R08: '职业介绍补贴', R09: '按比例安排就业', R10: '机关事业单位安排就业',
  R11: '国企招聘计划', R12: '公益性岗位比例', R13: '就业困难人员帮扶', R14: '低保收入核减', R15: '“四个一”服务',
  R16: '毕业生就业服务', R17: '人岗适配',
};
const PROGRAMS = {
  TRAINING_SUBSIDY: '培训补贴', BLIND_TUITION: '盲人学费补贴', PUBLIC_WELFARE_POST: '公益性岗位补贴',
  GRADUATE_JOBSEEK: '求职创业补贴', INTERNSHIP: '就业见习补贴', STARTUP: '一次性创业补贴',
  AGENCY_PLACEMENT: '职业介绍补贴', EMPLOYER_QUOTA: '超比例奖励',
};
const AWARD_STATUS = { granted: '批准发放', refused: '不予发放', waiting_budget: '等待预算' };
const EVENT_TYPES = {
  'person.registered': '残疾人登记', 'training.completed': '培训结业', 'employment.started': '就业开始',
  'employment.ended': '就业结束', 'business.started': '自主创业', 'graduate.registered': '高校毕业生登记',
  'internship.completed': '就业见习结束', 'education.enrolled': '入学', 'employer.annual_report': '用人单位年报',
  'recruitment.plan': '招聘计划', 'public_welfare_posts.created': '公益性岗位开发', 'service.delivered': '就业服务',
  'vacancy.posted': '岗位发布', 'vacancy.closed': '岗位关闭',
};

const state = { me: null, events: null, lastId: 0, items: new Map(), reconnectTimer: null };

/* ------------------------------------------------------------ small helpers */

const $ = (id) => document.getElementById(id);

/* el('p', {class: 'x'}, 'text', child...): an element with attributes and children. */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function yuan(fen) {
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const s = Math.floor(abs / 100).toLocaleString('zh-CN') + '.' + String(abs % 100).padStart(2, '0');
  return (neg ? '−' : '') + s;
}

function localTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/* fetch a console API with the staff token; JSON in and out. 401 signs out. */
async function api(path, options = {}) {
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + (options.token || token() || '') };
  let res;
  try {
    res = await fetch(path, { method: options.method || 'GET', headers, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试。');
  }
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const msg = (body && body.error) || `服务器返回 ${res.status}`;
    if (res.status === 401 && !options.token) signOut('登录已失效，请重新输入令牌。');
    throw new ApiError(res.status, msg);
  }
  return body;
}

function currentYear() {
  const y = new Date().getFullYear();
  return Math.min(Math.max(y, PLAN_YEARS[0]), PLAN_YEARS[PLAN_YEARS.length - 1]);
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
  select.value = String(value);
}

/* ------------------------------------------------------------ routing */

const VIEWS = ['login', 'inbox', 'trace', 'progress', 'report'];

function show(view, title) {
  for (const v of VIEWS) $('view-' + v).hidden = v !== view;
  document.title = `${title} · 残疾人就业补贴工作台`;
  for (const [id, v] of [['nav-inbox', 'inbox'], ['nav-progress', 'progress'], ['nav-report', 'report']]) {
    if (v === view || (view === 'trace' && v === 'inbox')) $(id).setAttribute('aria-current', 'page');
    else $(id).removeAttribute('aria-current');
  }
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const page = parts[0] || 'inbox';
  if (!token() || !state.me) {
    if (token() && !state.me) {
      try { await loadMe(); } catch (e) { return; }
    } else {
      return showLogin();
    }
  }
  $('nav').hidden = false;
  if (page === 'trace' && /^[1-9][0-9]{0,17}$/.test(parts[1] || '')) return showTrace(parts[1]);
  if (page === 'progress') return showProgress(parts[1]);
  if (page === 'report') return showReport(parts[1], parts[2]);
  if (page !== 'inbox') { location.hash = '#/inbox'; return; }
  return showInbox();
}

function focusMain() {
  $('main').focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/* ------------------------------------------------------------ login */

function showLogin() {
  $('nav').hidden = true;
  show('login', '登录');
  if (location.hash !== '#/login') history.replaceState(null, '', '#/login');
  $('token').focus();
}

async function loadMe(candidate) {
  const me = await api('/v1/me', candidate ? { token: candidate } : {});
  state.me = me;
  const dept = me.department_label || me.department;
  $('who').textContent = `${me.name}（${me.district_name} · ${dept}）`;
  return me;
}

async function onLogin(ev) {
  ev.preventDefault();
  const input = $('token');
  const value = input.value.trim();
  const err = $('login-error');
  err.textContent = '';
  input.removeAttribute('aria-invalid');
  if (!/^jy_[0-9a-f]{64}$/.test(value)) {
    err.textContent = '令牌格式不正确：应为 jy_ 加 64 位十六进制字符。';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  $('login-submit').disabled = true;
  try {
    await loadMe(value);
    sessionStorage.setItem(TOKEN_KEY, value);
    input.value = '';
    location.hash = '#/inbox';
    await route();
  } catch (e) {
    err.textContent = e.status === 401 ? '登录失败：令牌无效或已被停用，请联系管理员。' : '登录失败：' + e.message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } finally {
    $('login-submit').disabled = false;
  }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  stopStream();
  state.items.clear();
  state.lastId = 0;
  $('inbox-list').replaceChildren();
  showLogin();
  if (message) $('login-error').textContent = message;
}

/* ------------------------------------------------------------ inbox */

function noticeItem(n) {
  const titleId = 'n-title-' + n.id;
  const li = el('li', { class: 'notice', id: 'n-' + n.id, 'data-id': n.id, 'aria-labelledby': titleId });
  const h = el('h2', { id: titleId }, el('a', { href: '#/trace/' + n.id }, n.title));
  const meta = el('p', { class: 'meta' },
    el('span', { class: 'tag' }, n.rule), `${DISTRICT_NAMES[n.district] || n.district} · 条款 ${n.clause} · `,
    el('time', { datetime: n.created_at }, localTime(n.created_at)), ` · 事件 ${n.source}/${n.event_id}`);
  const actions = el('div', { class: 'actions' });
  li.append(h, meta, el('p', { class: 'body' }, n.body), actions);
  renderAck(li, n);
  return li;
}

function renderAck(li, n) {
  const actions = li.querySelector('.actions');
  const ackState = el('span', { class: 'ack-state', role: 'status' });
  actions.replaceChildren();
  if (n.acked_by) {
    li.classList.add('acked');
    ackState.textContent = `已确认：${n.acked_by}，${localTime(n.acked_at)}`;
    actions.append(ackState);
  } else {
    li.classList.remove('acked');
    const btn = el('button', { type: 'button', class: 'ack', 'aria-describedby': 'n-title-' + n.id }, '确认收到');
    btn.addEventListener('click', () => acknowledge(n, li, btn));
    actions.append(btn, ackState);
  }
  actions.append(el('a', { href: '#/trace/' + n.id, class: 'trace-link', 'aria-describedby': 'n-title-' + n.id }, '查看处理依据'));
}

async function acknowledge(n, li, btn) {
  btn.disabled = true;
  try {
    const r = await api(`/v1/console/notifications/${n.id}/ack`, { method: 'POST' });
    n.acked_by = r.acked_by;
    n.acked_at = r.acked_at;
  } catch (e) {
    if (e.status === 409) {
      n.acked_by = e.message.replace(/^already acknowledged by (\S+) at .*$/, '$1');
    } else {
      btn.disabled = false;
      li.querySelector('.ack-state').textContent = '确认失败：' + e.message;
      return;
    }
  }
  renderAck(li, n);
  li.querySelector('.trace-link').focus();
}

function addNotice(n, live) {
  if (state.items.has(n.id)) return;
  state.items.set(n.id, n);
  state.lastId = Math.max(state.lastId, n.id);
  const li = noticeItem(n);
  const list = $('inbox-list');
  // newest first
  let before = null;
  for (const child of list.children) {
    if (Number(child.dataset.id) < n.id) { before = child; break; }
  }
  list.insertBefore(li, before);
  $('inbox-empty').hidden = true;
  if (live) {
    li.classList.add('fresh');
    $('live-announce').textContent = '收到新通知：' + n.title;
  }
}

async function loadInbox() {
  let after = state.lastId;
  for (let page = 0; page < 10; page++) {
    const r = await api(`/v1/console/notifications?after=${after}&limit=200`);
    for (const n of r.notifications) addNotice(n, false);
    if (r.notifications.length < 200) break;
    after = r.next_after;
  }
  $('inbox-empty').hidden = state.items.size > 0;
}

function setLive(on, text) {
  const s = $('live-status');
  s.className = 'live-status ' + (on ? 'on' : 'off');
  s.textContent = text;
}

function stopStream() {
  if (state.events) { state.events.close(); state.events = null; }
  clearTimeout(state.reconnectTimer);
}

/* Get a stream ticket (a cookie) and open the EventSource from the last id seen.
 * When it closes for good (ticket expired, server restarted), do it again. */
async function startStream() {
  stopStream();
  try {
    await api('/v1/console/ticket', { method: 'POST' });
  } catch (e) {
    setLive(false, '实时更新未连接：' + e.message + '；10 秒后重试。');
    state.reconnectTimer = setTimeout(startStream, 10000);
    return;
  }
  const es = new EventSource('/v1/console/stream?after=' + state.lastId);
  state.events = es;
  es.addEventListener('open', () => setLive(true, '实时更新：已连接，新通知会自动出现在列表顶部。'));
  es.addEventListener('notification', (e) => {
    try { addNotice(JSON.parse(e.data), true); } catch (err) { /* a malformed event is skipped */ }
  });
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      setLive(false, '实时更新已断开，正在重新连接……');
      state.reconnectTimer = setTimeout(startStream, 2000);
    } else {
      setLive(false, '实时更新已断开，正在重新连接……');
    }
  });
}

async function showInbox() {
  show('inbox', '收件箱');
  const me = state.me;
  $('inbox-scope').textContent = `${me.district_name} · ${me.department_label || me.department}：发给本部门的补贴与待办通知`;
  try {
    await loadInbox();
  } catch (e) {
    setLive(false, '读取收件箱失败：' + e.message);
    return;
  }
  if (!state.events) startStream();
  if (document.activeElement === document.body || document.activeElement === $('token')) focusMain();
}

/* ------------------------------------------------------------ trace */

function pairs(list) {
  return el('dl', { class: 'pairs' }, list.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function table(caption, head, rows, numeric = []) {
  return el('div', { class: 'table-scroll' }, el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => el('td', { class: numeric.includes(i) ? 'num' : null }, c)))))));
}

function decisionCard(d, current) {
  const facts = Object.entries(d.facts || {});
  const params = d.parameters || [];
  return el('section', { class: 'card decision' + (current ? ' current' : ''), 'data-rule': d.rule, 'aria-label': `决定 ${d.rule}` },
    el('h3', {}, `${d.rule} ${RULE_TITLES[d.rule] || d.rule_name || ''}：${OUTCOMES[d.outcome] || d.outcome}`, current ? '（本通知）' : ''),
    pairs([
      ['方案条款', el('span', { class: 'clause' }, d.clause)],
      ['结论', OUTCOMES[d.outcome] || d.outcome],
      ['理由', d.reason],
      ['决定日期', d.decided_on],
      ['规则', d.rule_name],
      ['方案', d.plan_id],
      ['更正', d.corrects_decision_id],
    ]),
    facts.length ? table('事实', ['名称', '取值'], facts.map(([k, v]) => [k, v])) : el('p', {}, '（无事实记录）'),
    params.length ? table('参数（按事件日期生效的取值）', ['参数', '取值', '生效日期', '依据'],
      params.map((p) => [p.name, p.value, p.effective_from, p.source])) : null);
}

function awardCard(a, current) {
  const lines = a.breakdown || [];
  return el('section', { class: 'card award' + (current ? ' current' : ''), 'data-award': a.award_id, 'aria-label': `补贴 ${a.program}` },
    el('h3', {}, `${PROGRAMS[a.program] || a.program} · ${AWARD_STATUS[a.status] || a.status}`, current ? '（本通知）' : ''),
    pairs([
      ['金额（元）', el('span', { class: 'amount', 'data-fen': a.amount_fen }, yuan(a.amount_fen))],
      ['状态', el('span', { class: 'status-' + a.status }, AWARD_STATUS[a.status] || a.status)],
      ['项目', a.program],
      ['受益方', a.beneficiary],
      ['方案条款', a.clause],
      ['理由', a.reason],
      ['冲销', a.reverses_award_id],
    ]),
    lines.length ? table('计算明细', ['项目', '计算', '参数', '生效日期', '金额（元）'],
      lines.map((l) => [l.label, l.factor, l.parameter || '', l.effective_from || '', yuan(l.amount_fen)]), [4]) : null);
}

async function showTrace(id) {
  show('trace', '处理依据');
  const body = $('trace-body');
  const err = $('trace-error');
  err.textContent = '';
  body.replaceChildren(el('p', { role: 'status' }, '正在读取……'));
  let t;
  try {
    t = await api(`/v1/console/notifications/${id}/trace`);
  } catch (e) {
    body.replaceChildren();
    err.textContent = e.status === 404 ? '找不到这条通知（不在您的收件箱中）。' : '读取失败：' + e.message;
    return;
  }
  const n = t.notification;
  const d0 = t.decisions[0] || {};
  const ack = n.acked_by ? `${n.acked_by}，${localTime(n.acked_at)}` : '尚未确认';
  body.replaceChildren(
    el('section', { class: 'card', 'aria-labelledby': 'trace-n' },
      el('h2', { id: 'trace-n' }, '通知'),
      el('p', {}, el('strong', {}, n.title)),
      el('p', {}, n.body),
      pairs([['发出时间', localTime(n.created_at)], ['确认', ack], ['条款', n.clause],
        ['金额（元）', n.amount_fen !== undefined ? yuan(n.amount_fen) : null]])),
    el('section', { class: 'card', 'aria-labelledby': 'trace-e' },
      el('h2', { id: 'trace-e' }, '事件'),
      pairs([['事件编号', n.event_id], ['来源', n.source],
        ['类型', d0.event_type ? `${EVENT_TYPES[d0.event_type] || ''} ${d0.event_type}` : null],
        ['发生日期', d0.occurred_on], ['地区', DISTRICT_NAMES[n.district] || n.district],
        ['对象', d0.subject]])),
    el('h2', {}, `决定（${t.decisions.length}）`),
    el('div', { class: 'decisions' }, t.decisions.length ? t.decisions.map((d) => decisionCard(d, d.decision_id === n.ref_id ||
      t.awards.some((a) => a.award_id === n.ref_id && a.decision_id === d.decision_id)))
      : el('p', {}, '规则服务没有这条事件的决定。')),
    el('h2', {}, `补贴（${t.awards.length}）`),
    el('div', { class: 'awards' }, t.awards.length ? t.awards.map((a) => awardCard(a, a.award_id === n.ref_id))
      : el('p', {}, '这条事件没有补贴记录。')));
  if (t.errors && t.errors.length) err.textContent = '部分数据暂时无法读取：' + t.errors.join('；');
  $('trace-title').textContent = '处理依据：' + n.title;
  focusMain();
}

/* ------------------------------------------------------------ progress */

async function kpi(year, district) {
  return api(`/v1/console/kpi?year=${year}` + (district ? `&district=${district}` : ''));
}

/* Why a figure is missing, in the staff's words (the API's `source` says it for operators). */
const NO_FIGURE = {
  graduates_served: '本期没有登记有就业意愿的残疾人高校毕业生，无法计算比例。',
  graduates_employed: '本期没有登记有就业意愿的残疾人高校毕业生，无法计算比例。',
  demo_sites: '示范基地不由任何上游系统报送，系统中暂无数据，请按实际情况填报。',
  vacancies_published: '岗位信息由规则服务另行统计，本页暂未汇入。',
  positions_filled_after_match: '人岗匹配后就业由规则服务另行统计，本页暂未汇入。',
  district_organs_quota_ratio: '本年度尚无县区级机关、事业单位的按比例安排就业年报。',
};
function noFigure(t) { return NO_FIGURE[t.id] || '暂无数据。'; }

/* The figure a target is judged by: cumulative for plan-period goals ("by 2025"),
 * the year's for yearly ones and percentages. */
const YEARLY = new Set(['blind_massage_trained']);
function figureOf(t) {
  if (t.unit === 'percent') return t.actual;
  return YEARLY.has(t.id) ? t.actual : t.cumulative;
}

function figureText(t) {
  if (t.actual === null || t.actual === undefined) return '暂无数据';
  if (t.unit === 'percent') return `${t.actual} %`;
  return `本年 ${t.actual} · 累计 ${t.cumulative}`;
}

/* A horizontal bar: value against goal (numbers), or nothing to draw. */
function bar(value, goal, label) {
  const v = Number(value);
  const g = Number(goal);
  if (value === null || value === undefined || !(g > 0) || isNaN(v)) return null;
  const ratio = Math.max(0, Math.min(v / g, 1));
  const met = v >= g;
  return svg('svg', { class: 'bar', viewBox: '0 0 300 22', preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    svg('rect', { class: 'track', x: 0, y: 3, width: 300, height: 16, rx: 3 }),
    svg('rect', { class: 'fill' + (met ? ' met' : ''), x: 0, y: 3, width: (300 * ratio).toFixed(1), height: 16, rx: 3 }),
    svg('line', { class: 'goal-mark', x1: 299, y1: 0, x2: 299, y2: 22 }));
}

function targetRow(t, cityFigure, isCity) {
  const fig = figureOf(t);
  let b = null;
  let note = '';
  if (fig !== null && fig !== undefined && t.goal !== null) {
    if (t.unit === 'percent' || isCity || t.id === 'blind_massage_trained') {
      const pct = Number(t.goal) > 0 ? Math.round((Number(fig) / Number(t.goal)) * 1000) / 10 : 0;
      b = bar(fig, t.goal, `${t.title}：${fig}${t.unit === 'percent' ? ' %' : ''}，目标 ${t.goal_text}，完成 ${pct} %`);
      note = `完成目标的 ${pct} %`;
    } else if (cityFigure > 0) {
      const pct = Math.round((Number(fig) / cityFigure) * 1000) / 10;
      b = bar(fig, cityFigure, `${t.title}：${fig}，占全市 ${pct} %`);
      note = `占全市 ${pct} %（全市目标 ${t.goal_text}）`;
    }
  }
  if (fig === null || fig === undefined) note = noFigure(t);
  return el('li', { class: 'target', 'data-target': t.id },
    el('div', {}, el('div', { class: 'name' }, t.title), el('div', { class: 'goal' }, `目标：${t.goal_text}（方案${t.clause}）`)),
    el('div', {}, el('div', { class: 'figure', 'data-actual': t.actual === null ? '' : t.actual,
      'data-cumulative': t.cumulative === null || t.cumulative === undefined ? '' : t.cumulative }, figureText(t)),
    b, el('div', { class: 'note' }, note)));
}

/* Monthly lines of the count targets (inline SVG), with a table for screen readers. */
function monthlyChart(report, regionName) {
  const m = report.monthly;
  if (!m) return null;
  const ids = Object.keys(m.series);
  const titles = Object.fromEntries(report.targets.map((t) => [t.id, t.title]));
  const W = 640, H = 260, L = 48, R = 12, T = 16, B = 34;
  let max = 0;
  for (const id of ids) for (const v of m.series[id]) if (v !== null) max = Math.max(max, v);
  const top = Math.max(4, Math.ceil(max / 4) * 4);
  const x = (i) => L + (i * (W - L - R)) / 11;
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const parts = [];
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    parts.push(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    parts.push(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  parts.push(svg('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  m.months.forEach((label, i) => parts.push(svg('text', { x: x(i), y: H - 12, 'text-anchor': 'middle' }, `${Number(label.slice(5))}月`)));
  ids.forEach((id, s) => {
    const pts = m.series[id].map((v, i) => (v === null ? null : [x(i), y(v)])).filter(Boolean);
    if (pts.length) {
      parts.push(svg('polyline', { class: `line s${s}`, points: pts.map((p) => p.map((n) => n.toFixed(1)).join(',')).join(' ') }));
      for (const [px, py] of pts) parts.push(svg('circle', { class: `s${s}`, cx: px.toFixed(1), cy: py.toFixed(1), r: 2.5 }));
    }
  });
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `${regionName} ${report.year} 年逐月累计（月末数）折线图，数据见下表` }, parts);
  const legend = el('ul', { class: 'legend' }, ids.map((id, s) => el('li', {}, el('span', { class: `key k${s}`, 'aria-hidden': 'true' }), titles[id] || id)));
  const data = el('details', {}, el('summary', {}, '逐月数据表'),
    table(`${regionName} ${report.year} 年逐月累计`, ['指标', ...m.months.map((l) => `${Number(l.slice(5))}月`)],
      ids.map((id) => [titles[id] || id, ...m.series[id].map((v) => (v === null ? '—' : String(v)))]),
      m.months.map((_, i) => i + 1)));
  return el('div', {}, chart, legend, data);
}

function summaryTable(year, reports) {
  const targets = reports[0].report.targets;
  const head = ['指标', ...reports.map((r) => r.name)];
  const rows = targets.map((t, i) => [t.title, ...reports.map((r) => {
    const x = r.report.targets[i];
    const f = figureOf(x);
    const cell = el('span', { 'data-kpi': `${r.code || 'city'}:${x.id}`, 'data-value': f === null || f === undefined ? '' : f },
      f === null || f === undefined ? '—' : (x.unit === 'percent' ? `${f} %` : String(f)));
    return cell;
  })]);
  return table(`${year} 年各地区完成情况（累计目标取累计数，年度目标与比例取本年数）`, head, rows, reports.map((_, i) => i + 1));
}

async function showProgress(yearPart) {
  show('progress', '目标进展');
  const year = PLAN_YEARS.includes(Number(yearPart)) ? Number(yearPart) : currentYear();
  fillSelect($('progress-year'), PLAN_YEARS.map((y) => [y, `${y} 年`]), year);
  const regions = [['', '全市'], ...DISTRICTS];
  const sel = $('progress-region');
  const region = sel.value && regions.some(([c]) => c === sel.value) ? sel.value : '';
  fillSelect(sel, regions, region);
  const body = $('progress-body');
  $('progress-error').textContent = '';
  $('progress-status').textContent = '正在读取……';
  let reports;
  try {
    reports = await Promise.all(regions.map(async ([code, name]) => ({ code, name, report: await kpi(year, code) })));
  } catch (e) {
    $('progress-status').textContent = '';
    $('progress-error').textContent = '读取目标数据失败：' + e.message;
    return;
  }
  $('progress-status').textContent = `已读取 ${year} 年全市及 ${DISTRICTS.length} 个县区的数据。`;
  const city = reports[0].report;
  const chosen = reports.find((r) => r.code === region) || reports[0];
  const cityFig = Object.fromEntries(city.targets.map((t) => [t.id, Number(figureOf(t)) || 0]));
  body.replaceChildren(
    el('h2', {}, '各地区一览'),
    summaryTable(year, reports),
    el('h2', { id: 'region-title' }, `${chosen.name}：目标与完成情况`),
    el('ul', { class: 'targets', 'aria-labelledby': 'region-title' },
      chosen.report.targets.map((t) => targetRow(t, cityFig[t.id], chosen.code === ''))),
    el('h2', {}, `${chosen.name}：逐月走势`),
    monthlyChart(chosen.report, chosen.name));
  if (!$('progress-form').contains(document.activeElement)) focusMain();
}

/* ------------------------------------------------------------ annual report */

async function showReport(yearPart, districtPart) {
  show('report', '年度报告');
  const year = PLAN_YEARS.includes(Number(yearPart)) ? Number(yearPart) : currentYear();
  const mine = state.me && DISTRICT_NAMES[state.me.district] && state.me.district !== '320700' ? state.me.district : '';
  const district = districtPart === 'city' ? '' : (DISTRICT_NAMES[districtPart] ? districtPart : mine);
  fillSelect($('report-year'), PLAN_YEARS.map((y) => [y, `${y} 年`]), year);
  fillSelect($('report-district'), [['city', '全市'], ...DISTRICTS], district || 'city');
  $('report-error').textContent = '';
  const body = $('report-body');
  body.replaceChildren(el('p', { role: 'status' }, '正在读取……'));
  let r;
  try {
    r = await kpi(year, district);
  } catch (e) {
    body.replaceChildren();
    $('report-error').textContent = '读取报告数据失败：' + e.message;
    return;
  }
  const name = district ? DISTRICT_NAMES[district] : '连云港市（全市）';
  $('report-title').textContent = `${name}促进残疾人就业三年行动方案 ${year} 年度实施情况报告`;
  const t = r.award_totals;
  body.replaceChildren(
    el('div', { class: 'report-head' },
      el('p', { class: 'report-meta' }, `报送截止：${year} 年 11 月 10 日（方案三(四)：各县区领导小组每年 11 月 10 日前报送年度工作情况）。`),
      el('p', { class: 'report-meta' }, `统计口径：本系统截至 ${new Date().toLocaleDateString('zh-CN')} 已记录的决定与补贴；“本年”为 ${year} 年，“累计”为方案实施以来至 ${year} 年底。`)),
    el('h2', {}, '一、目标完成情况'),
    table('方案第四部分目标', ['指标', '方案条款', '目标', '本年', '累计', '说明'],
      r.targets.map((x) => [x.title, x.clause, x.goal_text,
        x.actual === null ? '—' : (x.unit === 'percent' ? `${x.actual} %` : String(x.actual)),
        x.cumulative === null || x.cumulative === undefined ? '—' : String(x.cumulative),
        x.actual === null ? noFigure(x) : '']), [3, 4]),
    el('h2', {}, '二、补贴发放情况'),
    table(`${year} 年各项补贴`, ['项目', '批准笔数', '不予发放', '等待预算', '冲销笔数', '发放金额（元）', '等待金额（元）'],
      [...r.awards, t].map((a) => [a.title, a.granted, a.refused, a.waiting_budget, a.reversals, yuan(a.granted_fen), yuan(a.waiting_fen)]),
      [1, 2, 3, 4, 5, 6]),
    el('h2', {}, '三、需要说明的情况'),
    el('p', {}, '（由县区残疾人就业工作领导小组办公室填写：未完成目标的原因、下一步措施。）'),
    el('div', { class: 'signature' }, el('p', {}, '填报单位（盖章）：'), el('p', {}, '填报日期：')));
  if (!$('report-form').contains(document.activeElement)) focusMain();
}

/* ------------------------------------------------------------ start */

function init() {
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', () => signOut('您已退出。'));
  $('progress-year').addEventListener('change', (e) => { location.hash = '#/progress/' + e.target.value; });
  $('progress-region').addEventListener('change', () => showProgress($('progress-year').value));
  const reportNav = () => { location.hash = `#/report/${$('report-year').value}/${$('report-district').value}`; };
  $('report-year').addEventListener('change', reportNav);
  $('report-district').addEventListener('change', reportNav);
  $('report-print').addEventListener('click', () => window.print());
  window.addEventListener('hashchange', () => { route(); });
  route();
}

document.addEventListener('DOMContentLoaded', init);
