//! The facilitator console, for a laptop: the agenda with the current phase and the controls
//! (previous, next, go to, lock, reveal, the shared countdown), what the room produces on the
//! current level (hide a statement, put an item in focus), the join code with its QR code, and
//! the participants per group with who is connected and who has voted or rated — never how.
//!
//! The workshop method adds: the clustering board (always allowed here) with the switch that
//! opens clustering to participants and the clustering history; per rule a status, a new rating
//! round for a rule to revise, and the rounds; "each group weighs equally"; anonymity per phase
//! in the agenda; how many are ready; removing a participant, closing the session and, once it
//! is closed, deleting it with all its data (each with a confirm step); people without a device (`proxy.js`); the history of earlier phases
//! (`history.js`); and a follow-up session made from this one.
//!
//! The facilitator secret is read from localStorage (stored there by the start page under the
//! session code); it never appears in a URL.

import { h, replace, reconcile, setText, setAttr, cls } from '../dom.js';
import { t, lang, loc, levelName, groupName, onLangChange } from '../i18n.js';
import { Store } from '../store.js';
import { Connection, secrets } from '../connection.js';
import { topBar, skipLink, connectionBanner, timerDisplay, toasts, qrImage, stickyHead, unsentNotices, typedText } from '../widgets.js';
import { levelRules, priorities, supportResults, allResults, statusBadge, reviewResults, assessmentResults, carriedRules, priorityText, priorityItems, supportLine } from '../results.js';
import { clusterBoard } from '../cluster.js';
import { suggestionPanel } from '../suggestions.js';
import { TextFields } from '../text.js';
import { proxyPanel } from './proxy.js';
import { sharePanel } from './share.js';
import { historyPanel } from './history.js';
import { logoPanel } from './logo.js';
import { limit } from '../limits.js';

const STATUSES = ['proposed', 'adopted', 'revise', 'dropped'];

/** A checkbox shown as a switch: `<label><input type=checkbox role=switch> text</label>`. */
function toggle(text, onchange, testid) {
  const input = h('input', { type: 'checkbox', role: 'switch', 'data-testid': testid });
  input.addEventListener('change', () => onchange(input.checked));
  return { el: h('label', { class: 'switch' }, input, h('span', { text })), input };
}

/** A button that asks "are you sure?" in place before it acts. */
function confirmButton(text, question, yes, onconfirm, extra = {}) {
  const start = h('button', { type: 'button', class: 'secondary small danger', text, ...extra });
  const ask = h('span', { class: 'confirm-text', role: 'alert' });
  const ok = h('button', { type: 'button', class: 'primary small danger-fill', text: yes, 'data-action': 'confirm' });
  const cancel = h('button', { type: 'button', class: 'secondary small', text: t('confirm.cancel'), 'data-action': 'cancel' });
  const box = h('span', { class: 'confirm' }, ask, ok, cancel);
  box.hidden = true;
  start.addEventListener('click', () => {
    setText(ask, typeof question === 'function' ? question() : question);
    start.hidden = true;
    box.hidden = false;
    cancel.focus();
  });
  const reset = () => {
    box.hidden = true;
    start.hidden = false;
  };
  cancel.addEventListener('click', () => {
    reset();
    start.focus();
  });
  ok.addEventListener('click', () => {
    reset();
    onconfirm();
  });
  return { el: h('span', { class: 'confirm-wrap' }, start, box), start };
}

/**
 * Names as the console shows them: someone whose name another participant has too gets their
 * group after it ("Anna (ICT)"), and a number when the group is the same too ("Anna (ICT) 2", in
 * the order they joined). Only here: participants see their own name as they typed it.
 */
export function consoleNames(participants) {
  const key = (name) => name.trim().toLocaleLowerCase();
  const byName = new Map();
  const order = Object.keys(participants).sort((a, b) => (parseInt(a.slice(1), 10) || 0) - (parseInt(b.slice(1), 10) || 0));
  for (const id of order) {
    const k = key(participants[id].name);
    if (!byName.has(k)) byName.set(k, []);
    byName.get(k).push(id);
  }
  const out = new Map();
  for (const ids of byName.values()) {
    const seen = new Map();
    for (const id of ids) {
      const p = participants[id];
      if (ids.length === 1) {
        out.set(id, p.name);
        continue;
      }
      const n = (seen.get(p.group) || 0) + 1;
      seen.set(p.group, n);
      out.set(id, `${p.name} (${groupName(p.group)})${n > 1 ? ` ${n}` : ''}`);
    }
  }
  return out;
}

/** A button whose action is skipped while it is `aria-disabled` (it stays focusable). */
function button(text, onclick, extra = {}) {
  const b = h('button', { type: 'button', class: 'secondary', text, ...extra });
  b.addEventListener('click', () => {
    if (b.getAttribute('aria-disabled') !== 'true') onclick();
  });
  return b;
}

/**
 * The one line that says what to do next in the current phase: let people add, reveal, decide,
 * move on. It reads the view only (counts, revealed flags, the rules' stages).
 */
function nextStepText(view, phase, level, joined) {
  const progress = level ? view.progress[level] : null;
  switch (phase.kind) {
    case 'lobby':
      return joined === 0 ? t('fac.next.lobby.empty') : t('fac.next.lobby', { n: joined });
    case 'brainstorm': {
      // "Everyone is ready" needs someone with a device who said so (a proxy is always ready).
      const devices = Object.values(view.participants || {}).filter((p) => !p.proxy);
      const allReady = devices.length > 0 && devices.every((p) => p.ready);
      return allReady ? t('fac.next.all_ready') : t('fac.next.brainstorm', { n: view.ready, total: joined });
    }
    case 'cluster':
      return t('fac.next.cluster');
    case 'vote':
      if (!progress) return '';
      return progress.dots_revealed ? t('fac.next.vote.revealed') : t('fac.next.vote', { n: progress.voters, total: joined });
    case 'rules': {
      const rs = levelRules(view, level);
      const open = rs.filter((r) => r.stage === 'revealed' && r.status === 'proposed').length;
      const revise = rs.filter((r) => r.stage === 'revealed' && r.status === 'revise').length;
      const rating = rs.filter((r) => r.stage === 'drafting' || r.stage === 'rating').length;
      if (rs.length === 0) return t('fac.next.rules.none');
      if (open > 0) return t('fac.next.rules.decide', { n: open });
      if (revise > 0) return t('fac.next.rules.revise', { n: revise });
      if (rating > 0) return t('fac.next.rules.rate', { n: progress ? progress.raters : 0, total: joined });
      return t('fac.next.rules.done');
    }
    case 'review':
      return carriedRules(view).some((r) => r.review) ? t('fac.next.review.revealed') : t('fac.next.review');
    case 'assessment':
      if (!view.assessment) return '';
      return view.assessment.revealed ? t('fac.next.assessment.revealed') : t('fac.next.assessment', { n: view.assessment.respondents, total: joined });
    case 'summary':
      return t('fac.next.summary');
    default:
      return '';
  }
}

export function mountFacilitator(root, code) {
  const secret = secrets.secret(code);
  if (!secret) {
    const bar = topBar();
    bar.update('');
    replace(root, bar.el, h('main', { id: 'main', class: 'join' }, h('div', { class: 'card' },
      h('h1', { text: t('fac.title') }), h('p', { text: t('fac.no_secret', { code }) }), h('a', { href: '/', class: 'button secondary', text: t('join.other_code') }))));
    return;
  }
  const store = new Store();
  const conn = new Connection(store, { code, role: 'facilitator', join: () => ({ role: 'facilitator', secret }) });
  const toast = toasts();
  // A cluster title the facilitator typed that the server refused is kept, with a copy button
  // (texts typed for someone without a device are kept by the proxy panel).
  const unsent = unsentNotices(`draagvlak:${code}:facilitator:unsent-own`);
  // The facilitator edits rules being drafted, like everyone in the room.
  const fields = new TextFields(store, conn, code, 'facilitator', {
    onDiscard: (text, reason) => unsent.add(text, reason),
  });
  /** Decisions the server asked to confirm (no ratings, a large gap), per rule. */
  const confirming = new Map();
  store.onAnswer((msg) => {
    if (msg.type !== 'reject') return;
    if (msg.code === 'confirm_required' && msg.intent && msg.intent.kind === 'set_rule_status' && !msg.on_behalf_of) {
      confirming.set(msg.intent.rule, msg.intent);
      if (ui) ui.update();
      return;
    }
    toast.error(msg.code);
    const text = !msg.on_behalf_of && typedText(msg.intent);
    if (text) unsent.add(text, msg.code);
  });
  conn.on('joinError', (msg) => toast.error(msg.code === 'bad_credentials' ? 'fac.bad_secret' : msg.code));
  const send = (intent) => conn.intent(intent);
  /** A setting as the facilitator last asked for it (while that is on its way), else as the view has it. */
  const wanted = (kind, match, field, fallback) => {
    const e = store.pending.filter((x) => x.intent.kind === kind && !x.on_behalf_of && match(x.intent)).pop();
    return e ? e.intent[field] : fallback;
  };

  let ui = null;
  let uiLang = null;
  /** Set once the session is deleted: the console makes way for a notice for good. */
  let deleted = false;

  const showDeleted = () => {
    deleted = true;
    if (ui) ui.dispose();
    ui = null;
    const bar = topBar();
    bar.update('');
    const main = h('main', { id: 'main', class: 'join', tabindex: '-1' }, h('div', { class: 'card', 'data-testid': 'session-deleted' },
      h('h1', { text: t('fac.deleted.title') }), h('p', { text: t('fac.deleted.text', { code }) }),
      h('a', { href: '/', class: 'button secondary', text: t('fac.deleted.home') })));
    replace(root, bar.el, main, toast.el);
    main.focus();
  };
  /** Delete the closed session (`DELETE /api/sessions/{code}`, the secret in a header). The
   * server closes every connection to it, this one too: stop first, so that is no surprise. */
  const deleteSession = async () => {
    conn.stop();
    try {
      const resp = await fetch(`/api/sessions/${encodeURIComponent(code)}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${secret}` },
      });
      // 404: already gone (deleted from another device).
      if (resp.status !== 204 && resp.status !== 404) throw new Error(String(resp.status));
      secrets.forgetSecret(code);
      showDeleted();
    } catch {
      toast.show(t('fac.delete.failed'));
      conn.start();
    }
  };

  function build() {
    uiLang = lang();
    const codeBadge = h('span', { class: 'code-badge', 'data-testid': 'join-code', text: code });
    const bar = topBar([codeBadge]);
    const banner = connectionBanner(store);

    // Agenda and controls.
    const agenda = h('ol', { class: 'agenda', 'data-testid': 'agenda' });
    const prev = button(t('fac.prev'), () => send({ kind: 'previous_phase' }));
    const next = button(t('fac.next'), () => send({ kind: 'next_phase' }), { class: 'primary', 'data-testid': 'next-phase' });
    const lock = button('', () => send({ kind: 'set_locked', locked: !store.view.locked }), { 'data-testid': 'lock' });
    const reveal = button('', () => send({ kind: 'reveal_votes' }), { class: 'primary', 'data-testid': 'reveal' });
    // Voting again keeps the revealed round in the record: an explicit, confirmed action.
    const voteRound = confirmButton(t('fac.vote.round'), t('fac.vote.round.confirm'), t('fac.vote.round'), () => send({ kind: 'start_vote_round' }), { 'data-testid': 'vote-round' });
    const timer = timerDisplay(store);
    const pauseResume = button('', () => send({ kind: store.view.timer && store.view.timer.running ? 'pause_timer' : 'resume_timer' }));
    const timerControls = h('div', { class: 'button-row timer-row' },
      button(t('timer.start5'), () => send({ kind: 'start_timer', seconds: 300 }), { 'data-testid': 'timer-start' }),
      pauseResume,
      button(t('timer.add1'), () => send({ kind: 'add_time', seconds: 60 })),
      button(t('timer.clear'), () => send({ kind: 'clear_timer' })));
    const timerNone = h('p', { class: 'hint', text: t('timer.none') });
    const readyCount = h('p', { class: 'ready-count', 'data-testid': 'ready-count', 'aria-live': 'polite' });
    const equal = toggle(t('fac.equal_weight'), (on) => send({ kind: 'set_equal_group_weight', equal: on }), 'equal-weight');
    const closeSession = confirmButton(t('fac.close'), t('fac.close.confirm'), t('fac.close.yes'), () => send({ kind: 'close_session' }), { 'data-testid': 'close-session' });
    // The controls come first and, on a laptop, stay in view while the page scrolls (sticky);
    // the settings and closing the session, used once, sit below the agenda.
    const controlsBody = h('div', {},
      h('div', { class: 'button-row' }, prev, next),
      h('div', { class: 'button-row' }, lock, reveal, voteRound.el),
      readyCount,
      h('h3', { text: t('timer') }), timer.el, timerNone, timerControls);
    const controls = h('section', { class: 'panel controls-panel', 'aria-labelledby': 'controls-h' },
      h('h2', { id: 'controls-h', text: t('fac.controls') }), controlsBody);
    const settings = h('section', { class: 'panel', 'aria-labelledby': 'settings-h' },
      h('h2', { id: 'settings-h', text: t('fac.settings') }), equal.el,
      h('div', { class: 'button-row close-row' }, closeSession.el));
    if (typeof ResizeObserver === 'function') {
      // Its height, so that an agenda item reached with the keyboard is scrolled out from under it.
      new ResizeObserver(() => document.documentElement.style.setProperty('--controls-h', `${controls.offsetHeight}px`)).observe(controls);
    }
    const agendaPanel = h('nav', { class: 'panel', 'aria-labelledby': 'agenda-h' }, h('h2', { id: 'agenda-h', text: t('fac.agenda') }), agenda);

    // The current phase and its content.
    const eyebrow = h('p', { class: 'eyebrow' });
    const title = h('h1', { id: 'phase-title' });
    const question = h('p', { class: 'question' });
    const lockedNote = h('p', { class: 'locked-note', text: t('fac.locked') });
    const closedNote = h('div', { class: 'notice', role: 'status', 'data-testid': 'closed-notice' }, h('h2', { text: t('fac.closed.title') }), h('p', { text: t('fac.closed.text') }));
    // Once closed, the session can go with all its data (after the report is downloaded).
    const del = confirmButton(t('fac.delete'), t('fac.delete.confirm'), t('fac.delete.yes'), deleteSession, { 'data-testid': 'delete-session' });
    const deleteBox = h('div', { class: 'delete-box' }, h('p', { class: 'hint', text: t('fac.delete.hint') }), h('div', { class: 'button-row' }, del.el));
    // Clustering: the board, the switch for participants, the history of steps.
    const clusterOpen = toggle(t('fac.clustering_open'), (on) => send({ kind: 'set_clustering_open', open: on }), 'clustering-open');
    const board = clusterBoard(store, send, { canEdit: (view) => !view.closed, toast });
    const logList = h('ol', { class: 'cluster-log', 'data-testid': 'cluster-log' });
    const logNone = h('p', { class: 'hint', text: t('cluster.log.none') });
    const suggestions = suggestionPanel(store, send, { code, toast });
    const clusterBox = h('div', { class: 'cluster-box' }, clusterOpen.el, suggestions.el, board.el,
      h('details', { class: 'context' }, h('summary', { text: t('cluster.log') }), logList, logNone));
    const stmtH = h('h2', { text: t('fac.statements') });
    const statements = h('ul', { class: 'items fac-items', 'data-testid': 'fac-statements' });
    const rulesH = h('h2', { text: t('fac.rules') });
    const rules = h('ul', { class: 'items fac-items', 'data-testid': 'fac-rules' });
    const results = h('div', { class: 'results-slot' });
    // Earlier results that help now (the top priorities while writing rules), after the decisions.
    const context = h('div', { class: 'context-slot', 'data-testid': 'fac-context' });
    // The facilitator writes as the facilitator: the wording the room agreed, counted in no group.
    const writeId = 'fac-write';
    const writeLabel = h('label', { for: writeId });
    const writeText = h('textarea', { id: writeId, rows: 2, maxlength: limit('max_text_chars'), 'data-testid': 'fac-write' });
    const writeForm = h('form', { class: 'fac-write' }, writeLabel, writeText,
      h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'secondary small', text: t('fac.write.add') })));
    writeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = writeText.value.trim();
      if (!text) return;
      const kind = store.phase().kind === 'rules' ? 'propose_rule' : 'add_statement';
      send({ kind, text });
      writeText.value = '';
    });
    // What to do next, in one line, right under the phase's title (the console leads).
    const nextStep = h('p', { class: 'next-step', 'data-testid': 'next-step' });
    // The current phase's results and decisions come first; the long list of statements last.
    const current = h('section', { class: 'panel current', 'aria-labelledby': 'phase-title' }, eyebrow, title, question, nextStep, closedNote, deleteBox, lockedNote,
      results, clusterBox, rulesH, rules, writeForm, context, stmtH, statements);
    const proxies = proxyPanel(store, conn, toast);
    const history = historyPanel(store, code, secret, toast);

    // A follow-up session, months later, made from this one (its code and secret are here).
    const fuTitleId = 'followup-title';
    const fuTitle = h('input', { id: fuTitleId, maxlength: limit('max_title_chars'), 'data-testid': 'followup-title' });
    const fuBtn = h('button', { type: 'submit', class: 'secondary', text: t('fac.followup.create') });
    const fuForm = h('form', { class: 'followup-form' }, h('label', { for: fuTitleId, text: t('fac.followup.title') }), fuTitle, fuBtn);
    fuForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = store.view;
      if (!v) return;
      fuBtn.disabled = true;
      try {
        const res = await fetch('/api/sessions', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ title: fuTitle.value.trim() || t('fac.followup.default', { title: v.session.title }), organisation: v.session.organisation, language: v.session.language, follows: { code, secret } }),
        });
        const json = await res.json().catch(() => null);
        if (!res.ok) throw new Error((json && json.error && json.error.message) || `HTTP ${res.status}`);
        secrets.setSecret(json.code, json.facilitator_secret);
        location.assign(`/facilitator/${encodeURIComponent(json.code)}`);
      } catch (err) {
        toast.show(t('start.error', { message: err.message }));
        fuBtn.disabled = false;
      }
    });

    // Join and participants.
    const origin = location.origin;
    const joinUrl = `${origin}/join/${code}`;
    const joinPanel = h('section', { class: 'panel', 'aria-labelledby': 'join-h' },
      h('h2', { id: 'join-h', text: t('fac.join') }),
      h('p', { class: 'big-code', text: code }),
      qrImage(code),
      h('ul', { class: 'links' },
        h('li', {}, h('a', { href: joinUrl, target: '_blank', rel: 'noopener', text: t('fac.link.participant') })),
        h('li', {}, h('a', { href: `/projector/${code}`, target: '_blank', rel: 'noopener', text: t('fac.link.projector') }))));
    // Reports: fetched with the secret in a header (never in a URL), saved as a download.
    const download = async (format) => {
      try {
        const resp = await fetch(`/api/sessions/${encodeURIComponent(code)}/report/${format}`, {
          headers: { Authorization: `Bearer ${secret}` },
        });
        if (!resp.ok) throw new Error(String(resp.status));
        const url = URL.createObjectURL(await resp.blob());
        const a = h('a', { href: url, download: `draagvlak-${code}.${format}` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch {
        toast.error('fac.report.failed');
      }
    };
    const reportPanel = h('section', { class: 'panel', 'aria-labelledby': 'report-h' },
      h('h2', { id: 'report-h', text: t('fac.report') }),
      h('p', { class: 'hint', text: t('fac.report.hint') }),
      h('div', { class: 'button-row', 'data-testid': 'report' },
        button(t('fac.report.docx'), () => download('docx')),
        button('HTML / PDF', () => download('html')),
        button('Markdown', () => download('md')),
        button('CSV', () => download('csv')),
        button('JSON', () => download('json')),
        button('Excel', () => download('xlsx'))),
      h('h3', { text: t('fac.followup') }), h('p', { class: 'hint', text: t('fac.followup.hint') }), fuForm);
    const people = h('div', { class: 'groups', 'data-testid': 'participants' });
    // People removed from the session; their device stays out until the facilitator lets it in.
    const removedList = h('ul', { class: 'people removed-people', 'data-testid': 'removed-people' });
    const removedBox = h('details', { class: 'removed-box' }, h('summary', {}), removedList);
    // Who is in the room and who joined remotely (a hybrid room): people say so when they join.
    const where = h('p', { class: 'hint where-count', 'data-testid': 'where-count' });
    const peoplePanel = h('section', { class: 'panel', 'aria-labelledby': 'people-h' }, h('h2', { id: 'people-h', text: t('fac.participants') }), where, people, removedBox);
    // Group changes asked for after voting began: the facilitator allows or refuses each.
    const pendingList = h('ul', { class: 'people pending-people' });
    const pendingPanel = h('section', { class: 'panel pending-panel', 'aria-labelledby': 'pending-h', 'data-testid': 'pending-groups' },
      h('h2', { id: 'pending-h', text: t('fac.pending.title') }), h('p', { class: 'hint', text: t('fac.pending.hint') }), pendingList);

    const main = h('main', { id: 'main', class: 'console', tabindex: '-1' },
      h('div', { class: 'col left' }, controls, agendaPanel, settings, history.el, reportPanel),
      h('div', { class: 'col middle' }, unsent.el, history.view, current),
      h('div', { class: 'col right' }, pendingPanel, joinPanel, proxies.el, sharePanel(code, toast).el, logoPanel(code, secret, toast).el, peoplePanel));
    replace(root, skipLink(), stickyHead(bar.el, banner.el), main, toast.el);
    unsent.render();

    let resultsSig = '';
    let timerSig = '';
    return {
      dispose: () => proxies.dispose(),
      update() {
        const { view } = store;
        bar.update(view ? [view.session.title, view.session.organisation].filter(Boolean).join(' — ') : '');
        banner.update();
        if (!view) return;
        const phase = store.phase();
        const level = phase.level;
        document.title = `${t('fac.title')} · ${view.session.title}`;

        reconcile(agenda, view.phases.map((p, i) => ({ p, i })), (x) => x.i, ({ p, i }) => {
          const b = h('button', { type: 'button', class: 'agenda-item' });
          b.addEventListener('click', () => send({ kind: 'go_to_phase', index: i }));
          // Anonymity matters where people add text: brainstorm and rules.
          const anon = ['brainstorm', 'rules'].includes(p.kind)
            ? toggle(t('fac.anonymous'), (on) => send({ kind: 'set_anonymous', phase: i, anonymous: on }), `anonymous-${i}`) : null;
          return h('li', {}, b, anon && anon.el);
        }, (li, { p, i }) => {
          const b = li.firstChild;
          const anon = li.querySelector('input[role=switch]');
          if (anon) {
            const on = !!wanted('set_anonymous', (x) => x.phase === i, 'anonymous', p.anonymous);
            if (anon.checked !== on) anon.checked = on;
            setAttr(anon, 'aria-label', t('fac.anonymous.label', { n: i + 1, title: loc(p.title) }));
            anon.disabled = !!view.closed;
          }
          const currentNow = i === view.current_phase;
          setText(b, `${i + 1}. ${loc(p.title)}${currentNow ? ` (${t('fac.current')})` : ''}`);
          setAttr(b, 'aria-label', t('fac.goto', { n: i + 1, title: loc(p.title) }));
          setAttr(b, 'aria-current', currentNow ? 'step' : null);
          cls(li, 'current', currentNow);
        });

        setAttr(prev, 'aria-disabled', view.current_phase === 0 ? 'true' : null);
        setAttr(next, 'aria-disabled', view.current_phase >= view.phases.length - 1 ? 'true' : null);
        setText(lock, view.locked ? t('fac.unlock') : t('fac.lock'));
        setAttr(lock, 'aria-pressed', view.locked ? 'true' : 'false');
        const progress = level ? view.progress[level] : null;
        const canReveal = phase.kind === 'vote' || phase.kind === 'rules' || phase.kind === 'review' || (phase.kind === 'assessment' && !!view.assessment);
        const revealed = phase.kind === 'review'
          ? carriedRules(view).some((r) => r.review)
          : phase.kind === 'assessment' ? !!(view.assessment && view.assessment.revealed)
          : progress && (phase.kind === 'vote' ? progress.dots_revealed
            // A new rating round is revealed on its own: the level's flag is already set.
            : progress.ratings_revealed && levelRules(view, level).every((r) => r.support || r.round === 1));
        reveal.hidden = !canReveal;
        voteRound.el.hidden = !(phase.kind === 'vote' && progress && progress.dots_revealed) || !!view.closed;
        const writing = !view.closed && (phase.kind === 'brainstorm' || phase.kind === 'rules') && !!level;
        writeForm.hidden = !writing;
        setText(writeLabel, phase.kind === 'rules' ? t('fac.write.rule') : t('fac.write.statement'));
        setText(reveal, revealed ? t('fac.revealed') : { vote: t('fac.reveal.dots'), rules: t('fac.reveal.ratings'), review: t('fac.reveal.reviews'), assessment: t('fac.reveal.assessment') }[phase.kind] || '');
        const joined = Object.values(view.participants || {}).length;
        setText(readyCount, t('fac.ready', { n: view.ready, total: joined }));
        const eq = !!wanted('set_equal_group_weight', () => true, 'equal', view.equal_group_weight);
        if (equal.input.checked !== eq) equal.input.checked = eq;
        const open = !!wanted('set_clustering_open', () => true, 'open', view.clustering_open);
        if (clusterOpen.input.checked !== open) clusterOpen.input.checked = open;
        closedNote.hidden = !view.closed;
        deleteBox.hidden = !view.closed;
        controls.hidden = !!view.closed;
        settings.hidden = !!view.closed;
        cls(main, 'is-closed', !!view.closed);
        for (const b of [equal.input, clusterOpen.input]) b.disabled = !!view.closed;
        const clustering = phase.kind === 'cluster' && !!level;
        clusterBox.hidden = !clustering;
        if (clustering) {
          suggestions.update();
          board.update(level);
          const log = (view.cluster_log || []).slice().reverse();
          const fmt = new Intl.DateTimeFormat(lang(), { hour: '2-digit', minute: '2-digit', second: '2-digit' });
          reconcile(logList, log, (e) => `${e.at}:${e.action}:${e.cluster}:${e.statements.join(',')}:${e.title}`, (e) => h('li', { class: 'log-entry' },
            h('span', { class: 'log-time', text: fmt.format(new Date(e.at)) }), ' ',
            h('span', { class: 'user-text', text: t(`cluster.log.${e.action}`, { title: e.title, n: e.statements.length }) }), ' ',
            h('span', { class: 'meta', text: t(`cluster.log.by.${e.by}`) })), () => {});
          logNone.hidden = log.length > 0;
        }
        proxies.update();
        history.update();
        setAttr(reveal, 'aria-disabled', revealed ? 'true' : null);

        const tsig = JSON.stringify(view.timer);
        if (tsig !== timerSig) {
          timerSig = tsig;
          timer.update();
        }
        timerNone.hidden = !!view.timer;
        setText(pauseResume, view.timer && !view.timer.running ? t('timer.resume') : t('timer.pause'));
        setAttr(pauseResume, 'aria-disabled', view.timer ? null : 'true');

        // Who voted or rated only where that happens: dots in a vote phase, ratings in a rules phase.
        setText(eyebrow, [t('phase.of', { n: view.current_phase + 1, total: view.phases.length }), level ? levelName(level) : null,
          progress && phase.kind === 'vote' ? t('results.voters', { n: progress.voters }) : null, progress && phase.kind === 'rules' ? t('results.raters', { n: progress.raters }) : null].filter(Boolean).join(' · '));
        setText(title, loc(phase.title));
        setText(question, loc(phase.question));
        const step = view.closed ? '' : nextStepText(view, phase, level, joined);
        setText(nextStep, step);
        nextStep.hidden = !step;
        lockedNote.hidden = !view.locked;

        const sts = level ? Object.entries(view.statements).filter(([, st]) => st.level === level).map(([id, st]) => ({ id, ...st })).sort((a, b) => a.seq - b.seq) : [];
        stmtH.hidden = !level || clustering || sts.length === 0;
        statements.hidden = clustering;
        reconcile(statements, sts, (st) => st.id, (st) => {
          const hide = h('button', { type: 'button', class: 'secondary small', 'data-action': 'hide' });
          hide.addEventListener('click', () => send({ kind: 'hide_statement', statement: st.id, hidden: !store.view.statements[st.id].hidden }));
          const focus = h('button', { type: 'button', class: 'secondary small', 'data-action': 'focus' });
          focus.addEventListener('click', () => send({ kind: 'set_focus', item: store.view.focus === st.id ? null : st.id }));
          return h('li', { class: 'item fac-item' }, h('p', { class: 'user-text' }), h('p', { class: 'meta' }), h('div', { class: 'item-actions' }, focus, hide));
        }, (li, st) => {
          setText(li.querySelector('.user-text'), st.text);
          const inCluster = st.cluster && view.clusters && view.clusters[st.cluster];
          const meta = [st.from_facilitator ? t('rule.from.facilitator') : st.author ? st.author.name : t('statement.anonymous'), st.by_facilitator ? t('statement.by_facilitator') : null,
            inCluster ? t('statement.in_cluster', { title: inCluster.title }) : null,
            st.dots !== undefined ? t('dots.count', { n: st.dots }) : null, st.hidden ? t('statement.hidden') : null];
          setText(li.querySelector('.meta'), meta.filter(Boolean).join(' · '));
          cls(li, 'hidden-item', !!st.hidden);
          cls(li, 'focused', view.focus === st.id);
          const n = sts.indexOf(st) + 1;
          const hide = li.querySelector('[data-action=hide]');
          setText(hide, st.hidden ? t('fac.show') : t('fac.hide'));
          setAttr(hide, 'aria-label', st.hidden ? t('fac.show.label', { n }) : t('fac.hide.label', { n }));
          const focus = li.querySelector('[data-action=focus]');
          setText(focus, view.focus === st.id ? t('fac.unfocus') : t('fac.focus'));
          setAttr(focus, 'aria-pressed', view.focus === st.id ? 'true' : 'false');
          setAttr(focus, 'aria-label', view.focus === st.id ? t('fac.unfocus.label', { n: `${t('fac.statements')} ${n}` }) : t('fac.focus.label', { n: `${t('fac.statements')} ${n}` }));
        });

        const rs = level && (phase.kind === 'rules' || Object.values(view.rules).some((r) => r.level === level)) ? levelRules(view, level) : [];
        rulesH.hidden = rs.length === 0;
        reconcile(rules, rs, (r) => r.id, (r) => {
          const focus = h('button', { type: 'button', class: 'secondary small', 'data-action': 'focus' });
          focus.addEventListener('click', () => send({ kind: 'set_focus', item: store.view.focus === r.id ? null : r.id }));
          const statusId = `status-${r.id}`;
          const status = h('select', { id: statusId, class: 'status-select', 'data-testid': 'rule-status-select' }, ...STATUSES.map((st) => h('option', { value: st, text: t(`rule.status.${st}`) })));
          status.addEventListener('change', () => send({ kind: 'set_rule_status', rule: r.id, status: status.value }));
          // A new round (the text may change again; this round stays in the record). On a decided
          // rule it reopens it, after a confirmation.
          const round = button(t('fac.new_round'), () => send({ kind: 'start_rating_round', rule: r.id }), { class: 'secondary small', 'data-action': 'new-round' });
          const reopen = confirmButton(t('fac.rule.reopen'), t('fac.rule.reopen.confirm'), t('fac.rule.reopen'), () => send({ kind: 'start_rating_round', rule: r.id }), { 'data-action': 'reopen' });
          const ask = h('span', { class: 'confirm-text', role: 'alert' });
          const yes = h('button', { type: 'button', class: 'primary small', 'data-action': 'confirm-decision', text: t('rule.status.adopted') });
          const no = h('button', { type: 'button', class: 'secondary small', 'data-action': 'cancel-decision', text: t('confirm.cancel') });
          yes.addEventListener('click', () => {
            const intent = confirming.get(r.id);
            confirming.delete(r.id);
            if (intent) send({ ...intent, confirm: true });
            ui.update();
          });
          no.addEventListener('click', () => {
            confirming.delete(r.id);
            ui.update();
          });
          const textId = `fac-rule-${r.id}`;
          return h('li', { class: 'item fac-item' }, h('p', { class: 'user-text' }),
            h('div', { class: 'fac-edit' }, h('label', { for: textId, class: 'small-label' }), fields.field('rule', r.id).element({ id: textId, class: 'edit', rows: 2 })),
            h('p', { class: 'badge-line' }), h('p', { class: 'meta' }), h('p', { class: 'rule-support', 'data-testid': 'rule-support' }),
            h('div', { class: 'anchors' }, h('p', { class: 'anchors-h', text: t('rule.anchors') }), h('ul', { class: 'anchor-list' })),
            h('div', { class: 'rule-tools' }, h('label', { for: statusId, class: 'small-label' }), status, round, reopen.el),
            h('div', { class: 'confirm decision-confirm', 'data-testid': 'decision-confirm' }, ask, yes, no),
            h('div', { class: 'item-actions' }, focus));
        }, (li, r) => {
          setText(li.querySelector('.user-text'), r.text);
          const badgeLine = li.querySelector('.badge-line');
          if (badgeLine.dataset.sig !== `${r.status}:${lang()}`) {
            badgeLine.dataset.sig = `${r.status}:${lang()}`;
            replace(badgeLine, statusBadge(r));
          }
          const stage = r.stage || 'drafting';
          li.dataset.stage = stage;
          setText(li.querySelector('.meta'), [r.author ? t('rule.by', { name: r.author.name }) : r.from_facilitator ? t('rule.from.facilitator') : null, t(`rule.stage.${stage}`),
            r.confirmed ? t(`fac.confirmed.${r.confirmed}`) : null, t('rule.round.n', { n: r.round }), t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '));
          // The support next to the decision, in one line (the charts are above, with the results).
          const sup = li.querySelector('.rule-support');
          setText(sup, r.support ? supportLine(view, r.support) : '');
          sup.hidden = !r.support;
          // The text: editable while drafted (by the room and the facilitator), else shown as is.
          const drafting = stage === 'drafting' && phase.kind === 'rules' && !view.closed;
          li.querySelector('.fac-edit').hidden = !drafting;
          setText(li.querySelector('.fac-edit label'), t('fac.rule.edit', { n: rs.indexOf(r) + 1 }));
          li.querySelector('.user-text').hidden = drafting;
          const asking = confirming.get(r.id);
          const box = li.querySelector('.decision-confirm');
          box.hidden = !asking;
          setText(box.querySelector('.confirm-text'), asking ? t(r.raters === 0 || !r.support ? 'fac.confirm.no_ratings' : 'fac.confirm.large_gap') : '');
          const anchors = (r.anchors || []).map((a) => priorityText(view, a)).filter((x) => x !== null);
          li.querySelector('.anchors').hidden = anchors.length === 0;
          replace(li.querySelector('.anchor-list'), ...anchors.map((a) => h('li', { class: 'user-text', text: a })));
          const status = li.querySelector('select');
          const st = wanted('set_rule_status', (x) => x.rule === r.id, 'status', r.status);
          if (status.value !== st) status.value = st;
          // A decided rule is frozen: reopen it first (a new round, logged).
          status.disabled = !!view.closed || stage === 'decided';
          setText(li.querySelector('.rule-tools label'), t('fac.status.label', { n: rs.indexOf(r) + 1 }));
          const round = li.querySelector('[data-action=new-round]');
          round.hidden = stage === 'decided' || (stage === 'drafting' && r.status !== 'revise') || phase.kind !== 'rules' || !!view.closed;
          li.querySelector('[data-action=reopen]').closest('.confirm-wrap').hidden = stage !== 'decided' || phase.kind !== 'rules' || !!view.closed;
          setAttr(round, 'aria-label', t('fac.new_round.label', { n: rs.indexOf(r) + 1 }));
          cls(li, 'focused', view.focus === r.id);
          const n = rs.indexOf(r) + 1;
          const focus = li.querySelector('[data-action=focus]');
          setText(focus, view.focus === r.id ? t('fac.unfocus') : t('fac.focus'));
          setAttr(focus, 'aria-pressed', view.focus === r.id ? 'true' : 'false');
          setAttr(focus, 'aria-label', view.focus === r.id ? t('fac.unfocus.label', { n: `${t('fac.rules')} ${n}` }) : t('fac.focus.label', { n: `${t('fac.rules')} ${n}` }));
        });

        const sig = JSON.stringify([lang(), view.current_phase, view.focus, view.progress, view.statements, view.clusters, view.rules, view.assessment]);
        if (sig !== resultsSig) {
          resultsSig = sig;
          const parts = [];
          const earlier = [];
          // The console shows more than the projector: dots per group, the spread of the scores.
          if (phase.kind === 'summary' || view.closed) parts.push(...allResults(view, { byGroup: true, spread: true }));
          else if (phase.kind === 'review') parts.push(reviewResults(view));
          else if (phase.kind === 'assessment' && view.assessment) {
            parts.push(view.assessment.revealed ? assessmentResults(view)
              : h('p', { class: 'hint', 'data-testid': 'assessment-respondents', text: t('assessment.respondents', { n: view.assessment.respondents, complete: view.assessment.complete }) }));
          }
          else if (level && progress && phase.kind === 'rules') {
            if (progress.ratings_revealed) parts.push(supportResults(view, level, { focus: view.focus, spread: true }));
            if (progress.dots_revealed) earlier.push(priorities(view, level, { focus: view.focus, byGroup: true, limit: 10 }));
          } else if (level && progress) {
            if (progress.dots_revealed) parts.push(priorities(view, level, { focus: view.focus, byGroup: true }));
            if (progress.ratings_revealed) parts.push(supportResults(view, level, { focus: view.focus, spread: true }));
          }
          replace(results, ...parts);
          replace(context, ...earlier);
        }

        // Participants per group: connected, voted, rated (on the current level).
        const parts = view.participants || {};
        const names = consoleNames(parts);
        const groups = view.session.groups.map((g) => ({ g, members: Object.entries(parts).filter(([, p]) => p.group === g).map(([id, p]) => ({ id, ...p, label: names.get(id) })).sort((a, b) => a.label.localeCompare(b.label)) }));
        reconcile(people, groups, (x) => x.g, () => h('section', { class: 'group' }, h('h3', {}), h('ul', { class: 'people' })), (sec, { g, members }) => {
          const counts = view.groups[g] || { joined: 0, connected: 0 };
          setText(sec.querySelector('h3'), `${groupName(g)} — ${t('fac.group.count', counts)}`);
          reconcile(sec.querySelector('ul'), members, (p) => p.id, (p) => {
            const remove = confirmButton(t('fac.remove'), () => t('fac.remove.confirm', { name: store.view.participants[p.id] ? store.view.participants[p.id].name : '' }), t('fac.remove.yes'),
              () => send({ kind: 'remove_participant', participant: p.id }), { 'data-action': 'remove' });
            return h('li', { class: 'person' }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
              h('span', { class: 'person-main' }, h('span', { class: 'person-name' }), ' ', h('span', { class: 'ready-mark', 'data-testid': 'ready-mark' })),
              remove.el, h('span', { class: 'person-state' }));
          }, (li, p) => {
            setText(li.querySelector('.person-name'), p.label);
            cls(li, 'connected', p.connected || p.proxy);
            cls(li, 'ready', p.ready);
            const mark = li.querySelector('.ready-mark');
            setText(mark, p.ready ? t('fac.ready.mark') : '');
            mark.hidden = !p.ready;
            const rm = li.querySelector('[data-action=remove]');
            setAttr(rm, 'aria-label', t('fac.remove.label', { name: p.label }));
            li.querySelector('.confirm-wrap').hidden = !!view.closed;
            // Someone without a device is in the room by definition; the others said where they are.
            const states = p.proxy ? [t('fac.proxy')] : [p.connected ? t('fac.connected') : t('fac.disconnected'), p.remote ? t('fac.remote') : t('fac.in_room')];
            if (level && p.voted.includes(level)) states.push(t('fac.voted'));
            if (level && p.rated.includes(level)) states.push(t('fac.rated'));
            setText(li.querySelector('.person-state'), states.join(', '));
          });
        });
        const waiting = Object.entries(parts).filter(([, p]) => p.pending_group).map(([id, p]) => ({ id, ...p, label: names.get(id) })).sort((a, b) => a.label.localeCompare(b.label));
        pendingPanel.hidden = waiting.length === 0 || !!view.closed;
        reconcile(pendingList, waiting, (p) => p.id, (p) => {
          const yes = button(t('fac.pending.accept'), () => send({ kind: 'decide_group', participant: p.id, accept: true }), { class: 'primary small', 'data-action': 'accept-group' });
          const no = button(t('fac.pending.refuse'), () => send({ kind: 'decide_group', participant: p.id, accept: false }), { class: 'secondary small', 'data-action': 'refuse-group' });
          return h('li', { class: 'pending-item' }, h('p', { class: 'pending-text' }), h('div', { class: 'button-row' }, yes, no));
        }, (li, p) => {
          const words = { name: p.label, from: groupName(p.group), to: groupName(p.pending_group) };
          setText(li.querySelector('.pending-text'), t('fac.pending.item', words));
          setAttr(li.querySelector('[data-action=accept-group]'), 'aria-label', t('fac.pending.accept.label', words));
          setAttr(li.querySelector('[data-action=refuse-group]'), 'aria-label', t('fac.pending.refuse.label', words));
        });
        const everyone = Object.values(parts);
        const remoteN = everyone.filter((p) => p.remote).length;
        setText(where, t('fac.where', { room: everyone.length - remoteN, remote: remoteN }));
        where.hidden = everyone.length === 0;
        const gone = Object.entries(view.removed || {}).map(([id, p]) => ({ id, ...p })).sort((a, b) => a.name.localeCompare(b.name));
        removedBox.hidden = gone.length === 0;
        setText(removedBox.querySelector('summary'), t('fac.removed', { n: gone.length }));
        reconcile(removedList, gone, (p) => p.id, (p) => {
          const back = button(t('fac.readmit'), () => send({ kind: 'readmit', participant: p.id }), { class: 'secondary small', 'data-action': 'readmit' });
          return h('li', { class: 'person' }, h('span', { class: 'person-main' }, h('span', { class: 'person-name' })), back, h('span', { class: 'person-state' }));
        }, (li, p) => {
          setText(li.querySelector('.person-name'), `${p.name} (${groupName(p.group)})`);
          const back = li.querySelector('[data-action=readmit]');
          back.hidden = !p.blocked || !!view.closed;
          setAttr(back, 'aria-label', t('fac.readmit.label', { name: p.name }));
          setText(li.querySelector('.person-state'), p.blocked ? t('fac.readmit.blocked') : t('fac.readmit.open'));
        });
      },
    };
  }

  const render = () => {
    // After deleting, a change of language draws the notice again.
    if (deleted) return showDeleted();
    if (!ui || uiLang !== lang()) {
      if (ui) ui.dispose();
      ui = build();
    }
    ui.update();
  };
  store.subscribe(render);
  onLangChange(render);
  render();
  conn.start();
}
