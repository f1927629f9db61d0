//! The participant's view, made for a 360×640 phone used with one hand: the phase and its
//! question at the top, then what this phase asks of you (statements, dots, rules), results once
//! revealed. The remaining dot budget stays visible while scrolling.
//!
//! This module is the frame and the dispatcher: the phase head (title, question, timer, "ready"
//! toggle), the facilitator's focus, refused texts put back, and one body per phase kind from
//! `views/participant/` (brainstorm, cluster, vote, rules, review, assessment; lobby, summary and closed in
//! `simple.js`; the name / group form in `profile.js`; shared pieces in `common.js`), the way the
//! server splits its domains.
//!
//! Work done while offline is queued by the connection (and kept over a reload); this view
//! shows queued additions as "waiting to be sent" and counts queued dots and ratings, so the
//! screen matches what the person did.

import { h, replace, setText, setAttr, cls } from '../dom.js';
import { t, lang, loc, levelName, groupName, errorText } from '../i18n.js';
import { TextFields } from '../text.js';
import { topBar, skipLink, connectionBanner, timerDisplay, toasts, stickyHead, unsentNotices, typedText } from '../widgets.js';
import { brainstorm } from './participant/brainstorm.js';
import { cluster } from './participant/cluster.js';
import { vote } from './participant/vote.js';
import { rules } from './participant/rules.js';
import { review } from './participant/review.js';
import { assessment } from './participant/assessment.js';
import { simple, closedBody } from './participant/simple.js';
import { profileBox } from './participant/profile.js';

/** The body of each phase kind that asks something of the participant; other kinds use `simple`. */
const BODIES = {
  brainstorm: (ctx, phase) => brainstorm(ctx, phase.level),
  cluster: (ctx, phase) => cluster(ctx, phase.level),
  vote: (ctx, phase) => vote(ctx, phase.level, phase),
  rules: (ctx, phase) => rules(ctx, phase.level),
  review: (ctx) => review(ctx),
  assessment: (ctx) => assessment(ctx),
};

/** Rejects the text fields handle themselves (no message needed). */
const QUIET = new Set(['stale_revision', 'invalid_splice']);

export function mountParticipant(root, { store, conn, code }) {
  const toast = toasts();
  // Typed text the server refused and that could not go back into its box: shown until dismissed.
  const unsent = unsentNotices(`draagvlak:${code}:unsent`);
  const fields = new TextFields(store, conn, code, 'participant', {
    // An edit the server will never take (the phase moved on, the item is gone): keep the text.
    onDiscard: (text, reason) => unsent.add(text, reason),
  });
  store.onAnswer((msg) => {
    if (msg.type !== 'reject') return;
    const kind = msg.intent && msg.intent.kind;
    const edit = kind === 'edit_statement' || kind === 'edit_rule';
    const text = typedText(msg.intent);
    if (text) {
      // Nothing typed is dropped: back into its box when that is on screen, else a notice.
      if (section && section.restore && section.restore(msg.intent, msg.meta || {})) toast.show(t('unsent.restored', { reason: errorText(msg.code) }));
      else unsent.add(text, msg.code);
      return;
    }
    if (QUIET.has(msg.code) || (edit && msg.code === 'input_locked')) return;
    toast.error(msg.code);
  });

  const bar = topBar();
  const banner = connectionBanner(store);
  const main = h('main', { id: 'main', class: 'participant', tabindex: '-1' });
  let shape = null;
  let section = null;

  // When the facilitator puts an item in focus, it is scrolled into view; someone who is typing
  // keeps their place and gets a notice with a button that takes them there.
  const focusText = h('p', {});
  const focusGo = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'focus-go' });
  const focusNote = h('div', { class: 'focus-notice', role: 'status', 'data-testid': 'focus-notice' }, focusText, focusGo);
  focusNote.hidden = true;
  const head = stickyHead(bar.el, banner.el, focusNote);
  let lastFocus;
  const focusedItem = () => main.querySelector('.focused');
  const inSight = (el) => {
    const r = el.getBoundingClientRect();
    return r.top >= head.getBoundingClientRect().bottom && r.bottom <= window.innerHeight;
  };
  const bringIntoView = (el) => {
    const reduce = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'center' });
  };
  focusGo.addEventListener('click', () => {
    focusNote.hidden = true;
    const el = focusedItem();
    if (el) bringIntoView(el);
  });
  // The notice goes once the person has scrolled the focused item into sight themselves.
  window.addEventListener('scroll', () => {
    if (focusNote.hidden) return;
    const el = focusedItem();
    if (!el || inSight(el)) focusNote.hidden = true;
  }, { passive: true });
  const followFocus = () => {
    const id = store.view.closed ? null : store.view.focus;
    setText(focusText, t('focus.notice'));
    setText(focusGo, t('focus.go'));
    if (id === lastFocus) return;
    const first = lastFocus === undefined;
    lastFocus = id;
    focusNote.hidden = true;
    const el = id ? focusedItem() : null;
    if (!el || inSight(el)) return;
    const a = document.activeElement;
    const typing = a && main.contains(a) && (a.tagName === 'TEXTAREA' || (a.tagName === 'INPUT' && !['radio', 'checkbox'].includes(a.type)));
    if (typing) focusNote.hidden = false;
    else if (!first) bringIntoView(el);
  };
  const build = () => {
    replace(root, skipLink(), head, main, toast.el);
    unsent.render();
    shape = null;
  };

  // The public view leaves out statements the facilitator hid, but `me.statements` keeps the
  // author's own. Their last known text and level are kept here, so the author sees their own
  // hidden statement, marked as hidden, instead of watching it vanish. Nothing of it reaches
  // anyone else.
  const ownKey = `draagvlak:${code}:own`;
  let ownSeen = {};
  try {
    ownSeen = JSON.parse(localStorage.getItem(ownKey) || '{}') || {};
  } catch {
    ownSeen = {};
  }
  store.subscribe(() => {
    const { view, me } = store;
    if (!view || !me) return;
    const next = {};
    for (const id of me.statements) {
      const st = view.statements[id];
      if (st) next[id] = { text: st.text, level: st.level };
      else if (ownSeen[id]) next[id] = ownSeen[id];
    }
    if (JSON.stringify(next) !== JSON.stringify(ownSeen)) {
      ownSeen = next;
      if (Object.keys(next).length) localStorage.setItem(ownKey, JSON.stringify(next));
      else localStorage.removeItem(ownKey);
    }
  });

  /** What the phase bodies get (views/participant/common.js). */
  const ctx = {
    store,
    conn,
    code,
    toast,
    fields,
    /** Unsent intents of a kind (sent ones are answered within milliseconds). */
    unsentOf: (kind) => store.pending.filter((e) => e.intent.kind === kind && conn.unsent(e.id)),
    ownSeen: () => ownSeen,
  };

  /** Ready with this phase, counting a toggle that is still on its way. */
  function isReady() {
    const p = store.pending.filter((e) => e.intent.kind === 'set_ready').pop();
    return p ? p.intent.ready : !!store.me.ready;
  }

  /**
   * The phase's question. The lobby's asks people to choose a name and a group (the projector
   * shows it to the room); on the phone of someone who did, it says they are in instead.
   */
  function questionText(phase) {
    const { me } = store;
    if (phase.kind === 'lobby' && me) return t('lobby.joined', { name: me.name, group: groupName(me.group) });
    return loc(phase.question);
  }

  function phaseSection() {
    const { view } = store;
    const phase = store.phase();
    const index = view.current_phase;
    const level = phase.level;
    const eyebrow = h('p', { class: 'eyebrow', text: [t('phase.of', { n: view.current_phase + 1, total: view.phases.length }), level ? levelName(level) : null].filter(Boolean).join(' · ') });
    const timer = timerDisplay(store);
    const locked = h('p', { class: 'locked-note', role: 'status', text: t('phase.locked') });
    // "I am ready": one toggle in every phase (not once the session is closed).
    const ready = h('button', { type: 'button', class: 'secondary ready-toggle', 'data-testid': 'ready' });
    ready.addEventListener('click', () => conn.intent({ kind: 'set_ready', ready: !isReady() }));
    const readyNote = h('p', { class: 'hint ready-note', 'aria-live': 'polite' });
    const readyBox = h('div', { class: 'ready-box' }, ready, readyNote);
    readyBox.hidden = !!view.closed || phase.kind === 'lobby'; // nothing to be ready with in the lobby
    const question = h('p', { class: 'question', 'data-testid': 'phase-question', text: questionText(phase) });
    const head = h('section', { class: 'phase-head', 'aria-labelledby': 'phase-title' },
      eyebrow, h('h1', { id: 'phase-title', text: loc(phase.title) }), question, timer.el, locked, readyBox);
    let body;
    if (view.closed) body = closedBody(ctx);
    else if (Object.hasOwn(BODIES, phase.kind)) body = BODIES[phase.kind](ctx, phase);
    else body = simple(ctx, phase.kind, level);
    const you = h('p', { class: 'you hint' });
    const el = h('div', { class: 'phase' }, head, body.el, you);
    let timerSig = '';
    return {
      el,
      restore: (intent, meta) => !store.view.closed && store.view.current_phase === index && !!body.restore && body.restore(intent, meta),
      update() {
        const sig = JSON.stringify(store.view.timer);
        if (sig !== timerSig) {
          timerSig = sig;
          timer.update();
        }
        locked.hidden = !store.view.locked || !!store.view.closed;
        const r = isReady();
        setText(ready, r ? t('ready.on') : t('ready.off'));
        setAttr(ready, 'aria-pressed', r ? 'true' : 'false');
        cls(ready, 'is-ready', r);
        setText(readyNote, t('ready.count', { n: store.view.ready }));
        setText(question, questionText(phase));
        body.update();
        setText(you, t('you.are', { name: store.me.name, group: groupName(store.me.group) }));
        you.hidden = phase.kind === 'lobby' && !store.view.closed; // the lobby's own line says it
      },
    };
  }

  let profile = null;

  const render = () => {
    bar.update(store.view ? store.view.session.title : '');
    banner.update();
    if (!store.view || !store.me) {
      if (shape !== 'connecting') {
        shape = 'connecting';
        replace(main, unsent.el, h('p', { class: 'hint', text: t('conn.connecting') }));
      }
      return;
    }
    const key = `${store.view.current_phase}:${lang()}:${!!store.view.closed}`;
    if (key !== shape) {
      const hadFocus = main.contains(document.activeElement);
      shape = key;
      section = phaseSection();
      if (!profile) profile = profileBox(ctx);
      replace(main, unsent.el, section.el, profile.el);
      if (hadFocus) main.focus();
    }
    section.update();
    profile.update();
    followFocus();
  };

  build();
  const unsubscribe = store.subscribe(render);
  render();
  return {
    rerender() {
      build();
      render();
    },
    destroy() {
      unsubscribe();
    },
  };
}
