//! The facilitator console, for a laptop: the agenda with the current phase and the controls
//! (previous, next, go to, lock, reveal, the shared countdown), what the room produces on the
//! current level (hide a statement, put an item in focus), the join code with its QR code, and
//! the participants per group with who is connected and who has voted or rated — never how.
//!
//! The facilitator secret is read from localStorage (stored there by the start page under the
//! session code); it never appears in a URL.

import { h, replace, reconcile, setText, setAttr, cls } from '../dom.js';
import { t, lang, loc, levelName, groupName, onLangChange } from '../i18n.js';
import { Store } from '../store.js';
import { Connection, secrets } from '../connection.js';
import { topBar, skipLink, connectionBanner, timerDisplay, toasts, qrImage } from '../widgets.js';
import { levelRules, priorities, supportResults, allResults } from '../results.js';

/** A button whose action is skipped while it is `aria-disabled` (it stays focusable). */
function button(text, onclick, extra = {}) {
  const b = h('button', { type: 'button', class: 'secondary', text, ...extra });
  b.addEventListener('click', () => {
    if (b.getAttribute('aria-disabled') !== 'true') onclick();
  });
  return b;
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
  conn.on('reject', (msg) => toast.error(msg.code));
  conn.on('joinError', (msg) => toast.error(msg.code === 'bad_credentials' ? 'fac.bad_secret' : msg.code));
  const send = (intent) => conn.intent(intent);

  let ui = null;
  let uiLang = null;

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
    const timer = timerDisplay(store);
    const pauseResume = button('', () => send({ kind: store.view.timer && store.view.timer.running ? 'pause_timer' : 'resume_timer' }));
    const timerControls = h('div', { class: 'button-row' },
      button(t('timer.start5'), () => send({ kind: 'start_timer', seconds: 300 }), { 'data-testid': 'timer-start' }),
      pauseResume,
      button(t('timer.add1'), () => send({ kind: 'add_time', seconds: 60 })),
      button(t('timer.clear'), () => send({ kind: 'clear_timer' })));
    const timerNone = h('p', { class: 'hint', text: t('timer.none') });
    const controls = h('section', { class: 'panel', 'aria-labelledby': 'controls-h' },
      h('h2', { id: 'controls-h', text: t('fac.controls') }),
      h('div', { class: 'button-row' }, prev, next),
      h('div', { class: 'button-row' }, lock, reveal),
      h('h3', { text: t('timer') }), timer.el, timerNone, timerControls);
    const agendaPanel = h('nav', { class: 'panel', 'aria-labelledby': 'agenda-h' }, h('h2', { id: 'agenda-h', text: t('fac.agenda') }), agenda);

    // The current phase and its content.
    const eyebrow = h('p', { class: 'eyebrow' });
    const title = h('h1', { id: 'phase-title' });
    const question = h('p', { class: 'question' });
    const lockedNote = h('p', { class: 'locked-note', text: t('fac.locked') });
    const stmtH = h('h2', { text: t('fac.statements') });
    const statements = h('ul', { class: 'items fac-items', 'data-testid': 'fac-statements' });
    const rulesH = h('h2', { text: t('fac.rules') });
    const rules = h('ul', { class: 'items fac-items', 'data-testid': 'fac-rules' });
    const results = h('div', { class: 'results-slot' });
    const current = h('section', { class: 'panel current', 'aria-labelledby': 'phase-title' }, eyebrow, title, question, lockedNote, stmtH, statements, rulesH, rules, results);

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
        button('HTML / PDF', () => download('html')),
        button('Markdown', () => download('md')),
        button('CSV', () => download('csv')),
        button('JSON', () => download('json'))));
    const people = h('div', { class: 'groups', 'data-testid': 'participants' });
    const peoplePanel = h('section', { class: 'panel', 'aria-labelledby': 'people-h' }, h('h2', { id: 'people-h', text: t('fac.participants') }), people);

    const main = h('main', { id: 'main', class: 'console', tabindex: '-1' },
      h('div', { class: 'col left' }, agendaPanel, controls, reportPanel),
      h('div', { class: 'col middle' }, current),
      h('div', { class: 'col right' }, joinPanel, peoplePanel));
    replace(root, skipLink(), bar.el, banner.el, main, toast.el);

    let resultsSig = '';
    let timerSig = '';
    return {
      update() {
        const { view } = store;
        bar.update(view ? [view.session.title, view.session.organisation].filter(Boolean).join(' — ') : '');
        banner.update();
        if (!view) return;
        const phase = store.phase();
        const level = phase.level;
        document.title = `${t('fac.title')} · ${view.session.title}`;

        reconcile(agenda, view.phases.map((p, i) => ({ p, i })), (x) => x.i, ({ i }) => {
          const b = h('button', { type: 'button', class: 'agenda-item' });
          b.addEventListener('click', () => send({ kind: 'go_to_phase', index: i }));
          return h('li', {}, b);
        }, (li, { p, i }) => {
          const b = li.firstChild;
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
        const canReveal = phase.kind === 'vote' || phase.kind === 'rules';
        const revealed = progress && (phase.kind === 'vote' ? progress.dots_revealed : progress.ratings_revealed);
        reveal.hidden = !canReveal;
        setText(reveal, revealed ? t('fac.revealed') : phase.kind === 'vote' ? t('fac.reveal.dots') : t('fac.reveal.ratings'));
        setAttr(reveal, 'aria-disabled', revealed ? 'true' : null);

        const tsig = JSON.stringify(view.timer);
        if (tsig !== timerSig) {
          timerSig = tsig;
          timer.update();
        }
        timerNone.hidden = !!view.timer;
        setText(pauseResume, view.timer && !view.timer.running ? t('timer.resume') : t('timer.pause'));
        setAttr(pauseResume, 'aria-disabled', view.timer ? null : 'true');

        setText(eyebrow, [t('phase.of', { n: view.current_phase + 1, total: view.phases.length }), level ? levelName(level) : null,
          progress ? t('results.voters', { n: progress.voters }) : null, progress && phase.kind === 'rules' ? t('results.raters', { n: progress.raters }) : null].filter(Boolean).join(' · '));
        setText(title, loc(phase.title));
        setText(question, loc(phase.question));
        lockedNote.hidden = !view.locked;

        const sts = level ? Object.entries(view.statements).filter(([, st]) => st.level === level).map(([id, st]) => ({ id, ...st })).sort((a, b) => a.seq - b.seq) : [];
        stmtH.hidden = !level;
        reconcile(statements, sts, (st) => st.id, (st) => {
          const hide = h('button', { type: 'button', class: 'secondary small', 'data-action': 'hide' });
          hide.addEventListener('click', () => send({ kind: 'hide_statement', statement: st.id, hidden: !store.view.statements[st.id].hidden }));
          const focus = h('button', { type: 'button', class: 'secondary small', 'data-action': 'focus' });
          focus.addEventListener('click', () => send({ kind: 'set_focus', item: store.view.focus === st.id ? null : st.id }));
          return h('li', { class: 'item fac-item' }, h('p', { class: 'user-text' }), h('p', { class: 'meta' }), h('div', { class: 'item-actions' }, focus, hide));
        }, (li, st) => {
          setText(li.querySelector('.user-text'), st.text);
          const meta = [st.author ? st.author.name : t('statement.anonymous'), st.dots !== undefined ? t('dots.count', { n: st.dots }) : null, st.hidden ? t('statement.hidden') : null];
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
          return h('li', { class: 'item fac-item' }, h('p', { class: 'user-text' }), h('p', { class: 'meta' }), h('div', { class: 'item-actions' }, focus));
        }, (li, r) => {
          setText(li.querySelector('.user-text'), r.text);
          setText(li.querySelector('.meta'), [r.author ? t('rule.by', { name: r.author.name }) : null, t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '));
          cls(li, 'focused', view.focus === r.id);
          const n = rs.indexOf(r) + 1;
          const focus = li.querySelector('[data-action=focus]');
          setText(focus, view.focus === r.id ? t('fac.unfocus') : t('fac.focus'));
          setAttr(focus, 'aria-pressed', view.focus === r.id ? 'true' : 'false');
          setAttr(focus, 'aria-label', view.focus === r.id ? t('fac.unfocus.label', { n: `${t('fac.rules')} ${n}` }) : t('fac.focus.label', { n: `${t('fac.rules')} ${n}` }));
        });

        const sig = JSON.stringify([lang(), view.current_phase, view.focus, view.progress, view.statements, Object.values(view.rules).map((r) => [r.text, r.support])]);
        if (sig !== resultsSig) {
          resultsSig = sig;
          const parts = [];
          if (phase.kind === 'summary') parts.push(...allResults(view));
          else if (level && progress) {
            if (progress.dots_revealed) parts.push(priorities(view, level, { focus: view.focus }));
            if (progress.ratings_revealed) parts.push(supportResults(view, level, { focus: view.focus }));
          }
          replace(results, ...parts);
        }

        // Participants per group: connected, voted, rated (on the current level).
        const parts = view.participants || {};
        const groups = view.session.groups.map((g) => ({ g, members: Object.entries(parts).filter(([, p]) => p.group === g).map(([id, p]) => ({ id, ...p })).sort((a, b) => a.name.localeCompare(b.name)) }));
        reconcile(people, groups, (x) => x.g, () => h('section', { class: 'group' }, h('h3', {}), h('ul', { class: 'people' })), (sec, { g, members }) => {
          const counts = view.groups[g] || { joined: 0, connected: 0 };
          setText(sec.querySelector('h3'), `${groupName(g)} — ${t('fac.group.count', counts)}`);
          reconcile(sec.querySelector('ul'), members, (p) => p.id, () => h('li', { class: 'person' }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }), h('span', { class: 'person-name' }), h('span', { class: 'person-state' })), (li, p) => {
            setText(li.querySelector('.person-name'), p.name);
            cls(li, 'connected', p.connected);
            const states = [p.connected ? t('fac.connected') : t('fac.disconnected')];
            if (level && p.voted.includes(level)) states.push(t('fac.voted'));
            if (level && p.rated.includes(level)) states.push(t('fac.rated'));
            setText(li.querySelector('.person-state'), states.join(', '));
          });
        });
      },
    };
  }

  const render = () => {
    if (!ui || uiLang !== lang()) ui = build();
    ui.update();
  };
  store.subscribe(render);
  onLangChange(render);
  render();
  conn.start();
}
