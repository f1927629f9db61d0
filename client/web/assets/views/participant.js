//! The participant's view, made for a 360×640 phone used with one hand: the phase and its
//! question at the top, then what this phase asks of you (statements, dots, rules), results once
//! revealed. The remaining dot budget stays visible while scrolling.
//!
//! New in the workshop method: a "ready" toggle in every phase, the clustering board, dots on
//! clusters, rules with their status, round and linked priorities, a short reason (shown
//! without a name) before a rating of 1 or 2 is sent, and the review of a follow-up session.
//!
//! Work done while offline is queued by the connection (and kept over a reload); this view
//! shows queued additions as "waiting to be sent" and counts queued dots and ratings, so the
//! screen matches what the person did.

import { h, replace, reconcile, setText, setAttr, cls } from '../dom.js';
import { t, lang, loc, levelName, groupName, errorText } from '../i18n.js';
import { TextFields } from '../text.js';
import { topBar, skipLink, connectionBanner, timerDisplay, toasts, stickyHead, unsentNotices, typedText } from '../widgets.js';
import { rankedStatements, levelRules, priorities, supportChart, maxGap, allResults, priorityItems, priorityText, statusBadge, carriedRules, thenNow } from '../results.js';
import { clusterBoard } from '../cluster.js';
import { limit } from '../limits.js';

/** How long a choice made with the arrow keys on the rating scale rests before it counts. */
const SETTLE_MS = 700;

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

  /** Unsent intents of a kind (sent ones are answered within milliseconds). */
  const unsentOf = (kind) => store.pending.filter((e) => e.intent.kind === kind && conn.unsent(e.id));

  function draftBox(kindKey, level, labelText, buttonText, intentKind, extra = null) {
    const key = `draagvlak:${code}:draft:${kindKey}:${level}`;
    const id = `new-${kindKey}`;
    const noteId = `new-${kindKey}-locked`;
    const area = h('textarea', { id, rows: 3, maxlength: limit('max_text_chars'), 'data-testid': `new-${kindKey}` });
    area.value = localStorage.getItem(key) || '';
    const keep = () => {
      if (area.value) localStorage.setItem(key, area.value);
      else localStorage.removeItem(key);
    };
    area.addEventListener('input', keep);
    // While input is paused the text stays in the box (and says so); nothing is sent.
    const note = h('p', { id: noteId, class: 'hint draft-locked', role: 'status', 'data-testid': `new-${kindKey}-locked` });
    note.hidden = true;
    const btn = h('button', { type: 'submit', class: 'primary', text: buttonText });
    // Enter sends (below); a phone keyboard often has no Shift+Enter, so touch screens get a
    // button that puts a line break at the caret (hidden where a fine pointer implies a keyboard).
    const newline = h('button', { type: 'button', class: 'secondary small newline', 'data-testid': `new-${kindKey}-newline`, text: t('compose.newline') });
    newline.addEventListener('pointerdown', (e) => e.preventDefault()); // keep the keyboard open
    newline.addEventListener('click', () => {
      area.setRangeText('\n', area.selectionStart, area.selectionEnd, 'end');
      area.dispatchEvent(new Event('input', { bubbles: true }));
      area.focus();
    });
    const form = h('form', { class: 'add-form' }, h('label', { for: id, text: labelText }), area, extra && extra.el, note,
      h('div', { class: 'button-row add-buttons' }, btn, newline));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) {
        toast.error('empty_text');
        return;
      }
      if (store.view && store.view.locked) {
        toast.show(t('draft.locked.kept'));
        area.focus();
        return;
      }
      conn.intent({ kind: intentKind, text, ...(extra ? extra.fields() : {}) }, null, { level });
      if (extra) extra.reset();
      area.value = '';
      localStorage.removeItem(key);
      area.focus();
    });
    // Enter sends on a phone keyboard too; Shift+Enter keeps a new line.
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    return {
      el: form,
      update: (locked) => {
        setAttr(btn, 'aria-disabled', locked ? 'true' : null);
        note.hidden = !locked;
        setText(note, locked ? t('draft.locked') : '');
        setAttr(area, 'aria-describedby', locked ? noteId : null);
        setAttr(btn, 'aria-describedby', locked ? noteId : null);
      },
      /** Put a refused text back, when it was meant for this box and the box is empty. */
      restore(text, meta) {
        if (!form.isConnected || (meta.level && meta.level !== level) || area.value.trim()) return false;
        area.value = text;
        keep();
        return true;
      },
    };
  }

  function focusBadge() {
    return h('span', { class: 'focus-badge', text: t('focus') });
  }

  // --- brainstorm -------------------------------------------------------------------------
  function brainstorm(level) {
    const add = draftBox('statement', level, t('statement.new'), t('statement.add'), 'add_statement');
    const mine = h('ul', { class: 'items mine', 'data-testid': 'my-statements' });
    const others = h('ul', { class: 'items others', 'data-testid': 'other-statements' });
    const othersNone = h('p', { class: 'hint', text: t('statement.none') });
    const el = h('div', { class: 'phase-body' }, add.el,
      h('h2', { text: t('statement.mine') }), mine,
      h('h2', { text: t('statement.others') }), others, othersNone);
    const update = () => {
      const { view, me } = store;
      add.update(view.locked);
      const deleting = new Set(unsentOf('delete_statement').map((e) => e.intent.statement));
      const own = me.statements.filter((id) => view.statements[id] && view.statements[id].level === level && !deleting.has(id));
      // Own statements missing from the view were hidden by the facilitator (of this level, or
      // of an unknown level when this device never saw the text).
      const hiddenOwn = me.statements.filter((id) => !view.statements[id] && !deleting.has(id) && (!ownSeen[id] || ownSeen[id].level === level));
      const items = [...me.statements.filter((id) => own.includes(id) || hiddenOwn.includes(id)).map((id) => (own.includes(id) ? { id, own: true } : { id: `hidden-${id}`, hidden: ownSeen[id] ? ownSeen[id].text : null })),
        ...unsentOf('add_statement').map((e) => ({ id: `pending-${e.id}`, pending: e.intent.text }))];
      reconcile(mine, items, (i) => i.id, (i) => {
        if (i.pending !== undefined) {
          return h('li', { class: 'item pending' }, h('p', { class: 'user-text', text: i.pending }), h('p', { class: 'pending-note', text: t('statement.pending') }));
        }
        if (i.hidden !== undefined) {
          return h('li', { class: 'item hidden-own', 'data-testid': 'hidden-own' },
            h('p', { class: 'hidden-label', text: t('statement.hidden.own') }),
            i.hidden !== null ? h('p', { class: 'user-text', text: i.hidden }) : h('p', { class: 'hint', text: t('statement.hidden.unknown') }),
            h('p', { class: 'hint', text: t('statement.hidden.why') }),
            h('div', { class: 'item-actions' }, h('button', { type: 'button', class: 'secondary small danger', text: t('statement.delete'), 'aria-label': t('statement.hidden.delete.label'),
              onclick: () => conn.intent({ kind: 'delete_statement', statement: i.id.slice('hidden-'.length) }) })));
        }
        const f = fields.field('statement', i.id);
        const areaId = `edit-${i.id}`;
        const label = h('label', { for: areaId, class: 'small-label' });
        const del = h('button', { type: 'button', class: 'secondary small danger', text: t('statement.delete') });
        del.addEventListener('click', () => conn.intent({ kind: 'delete_statement', statement: i.id }));
        return h('li', { class: 'item own' }, label, f.element({ id: areaId, class: 'edit' }), h('div', { class: 'item-actions' }, focusBadge(), del));
      }, (li, i) => {
        if (i.pending !== undefined || i.hidden !== undefined) return;
        const n = own.indexOf(i.id) + 1;
        setText(li.querySelector('label'), t('statement.edit', { n }));
        setAttr(li.querySelector('button.danger'), 'aria-label', t('statement.delete.label', { n }));
        cls(li, 'focused', view.focus === i.id);
      });
      const ownSet = new Set(me.statements);
      const theirs = rankedStatements(view, level).filter((st) => !ownSet.has(st.id)).sort((a, b) => a.seq - b.seq);
      reconcile(others, theirs, (st) => st.id, () => h('li', { class: 'item' }, h('p', { class: 'user-text' }), focusBadge()), (li, st) => {
        setText(li.firstChild, st.text);
        cls(li, 'focused', view.focus === st.id);
      });
      othersNone.hidden = theirs.length > 0;
    };
    const restore = (intent, meta) => intent.kind === 'add_statement' && add.restore(intent.text, meta);
    return { el, update, restore };
  }

  // --- cluster ----------------------------------------------------------------------------
  function cluster(level) {
    const board = clusterBoard(store, (intent) => conn.intent(intent), { canEdit: (view) => view.clustering_open && !view.locked && !view.closed, toast });
    const el = h('div', { class: 'phase-body' }, board.el);
    return { el, update: () => board.update(level) };
  }

  // --- vote -------------------------------------------------------------------------------
  function vote(level, phase) {
    const budgetText = h('span', { class: 'budget-text', 'data-testid': 'dots-left' });
    const budgetDots = h('span', { class: 'budget-dots', 'aria-hidden': 'true' });
    const budget = h('div', { class: 'budget', role: 'status' }, budgetText, budgetDots);
    const list = h('ul', { class: 'items votes', 'data-testid': 'vote-list' });
    const results = h('div', { class: 'results-slot' });
    const closedNote = h('p', { class: 'notice', role: 'status', 'data-testid': 'vote-closed' });
    const hint = h('p', { class: 'hint', text: t('dots.hint', { max: phase.max_dots_per_item }) });
    const el = h('div', { class: 'phase-body' }, closedNote, budget, hint, list, results);
    let resultsSig = '';
    const levelOf = (view, id) => (view.statements[id] ? view.statements[id].level : (view.clusters && view.clusters[id] ? view.clusters[id].level : null));
    const update = () => {
      const { view, me } = store;
      const pend = unsentOf('place_dot').concat(unsentOf('remove_dot'));
      const mine = (id) => Math.max(0, (me.dots[id] || 0) + pend.filter((e) => e.intent.statement === id).reduce((n, e) => n + (e.intent.kind === 'place_dot' ? 1 : -1), 0));
      let left = me.dots_left[level] ?? phase.dot_budget;
      for (const e of pend) {
        if (levelOf(view, e.intent.statement) === level) left += e.intent.kind === 'place_dot' ? -1 : 1;
      }
      left = Math.max(0, left);
      setText(budgetText, t('dots.left', { left, budget: phase.dot_budget }));
      setText(budgetDots, '●'.repeat(left) + '○'.repeat(Math.max(0, phase.dot_budget - left)));
      const progress = view.progress[level] || {};
      const revealed = !!progress.dots_revealed;
      // A revealed vote is closed: the result is the record (a new round reopens it).
      closedNote.hidden = !revealed;
      setText(closedNote, revealed ? [t('vote.closed'), progress.vote_round > 1 ? t('vote.round.n', { n: progress.vote_round }) : null].filter(Boolean).join(' ') : '');
      budget.hidden = revealed;
      hint.hidden = revealed;
      const items = priorityItems(view, level).sort((a, b) => (b.cluster ? 1 : 0) - (a.cluster ? 1 : 0) || a.seq - b.seq);
      reconcile(list, items, (st) => st.id, (st) => {
        const textId = `vote-text-${st.id}`;
        const minus = h('button', { type: 'button', class: 'dot-btn', 'aria-describedby': textId, 'data-action': 'remove' }, h('span', { 'aria-hidden': 'true', text: '−' }), h('span', { class: 'visually-hidden', text: t('dots.remove') }));
        const plus = h('button', { type: 'button', class: 'dot-btn', 'aria-describedby': textId, 'data-action': 'place' }, h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { class: 'visually-hidden', text: t('dots.place') }));
        minus.addEventListener('click', () => {
          if (minus.getAttribute('aria-disabled') !== 'true') conn.intent({ kind: 'remove_dot', statement: st.id });
        });
        plus.addEventListener('click', () => {
          if (plus.getAttribute('aria-disabled') !== 'true') conn.intent({ kind: 'place_dot', statement: st.id });
        });
        return h('li', { class: ['item', 'vote-item', st.cluster && 'vote-cluster'] },
          st.cluster ? h('p', { class: 'cluster-label', text: t('cluster.label') }) : null,
          h('p', { class: ['user-text', st.cluster && 'cluster-title'], id: textId }),
          st.cluster ? h('ul', { class: 'members' }) : null,
          h('div', { class: 'vote-controls' }, minus, h('span', { class: 'my-dots', 'data-testid': 'my-dots' }), plus),
          h('p', { class: 'total-dots' }), focusBadge());
      }, (li, st) => {
        setText(li.querySelector('.user-text'), st.text);
        const members = li.querySelector('.members');
        if (members) reconcile(members, st.members, (m) => m.id, () => h('li', { class: 'member user-text' }), (mli, m) => setText(mli, m.text));
        const n = mine(st.id);
        setText(li.querySelector('.my-dots'), t('dots.mine', { n }));
        cls(li, 'has-dots', n > 0);
        const [minus, plus] = li.querySelectorAll('.dot-btn');
        setAttr(minus, 'aria-disabled', n === 0 || view.locked || revealed ? 'true' : null);
        setAttr(plus, 'aria-disabled', left === 0 || n >= phase.max_dots_per_item || view.locked || revealed ? 'true' : null);
        li.querySelector('.vote-controls').hidden = revealed;
        const total = li.querySelector('.total-dots');
        total.hidden = !revealed;
        setText(total, revealed ? t('dots.count', { n: st.dots || 0 }) : '');
        cls(li, 'focused', view.focus === st.id);
      });
      const sig = revealed ? JSON.stringify([lang(), view.focus, items.map((s) => [s.id, s.text, s.dots])]) : '';
      if (sig !== resultsSig) {
        resultsSig = sig;
        replace(results, revealed ? priorities(view, level, { focus: view.focus }) : null);
      }
    };
    return { el, update };
  }

  // --- rules ------------------------------------------------------------------------------
  /** Checkboxes for the priorities of a level; `chosen()` gives the ticked ids. */
  function anchorPicker(level, { legend, onChange }) {
    const box = h('div', { class: 'anchor-options' });
    const summary = h('summary', {});
    const el = h('details', { class: 'anchors-pick' }, summary, h('fieldset', { class: 'anchor-set' }, h('legend', { text: legend }), box));
    let chosen = new Set();
    const update = (want) => {
      if (want) chosen = new Set(want);
      const items = priorityItems(store.view, level);
      reconcile(box, items, (it) => it.id, (it) => {
        const input = h('input', { type: 'checkbox', value: it.id });
        input.addEventListener('change', () => {
          if (input.checked) chosen.add(it.id);
          else chosen.delete(it.id);
          setText(summary, t('rule.anchors.pick', { n: chosen.size }));
          if (onChange) onChange(Array.from(chosen));
        });
        return h('label', { class: 'check' }, input, h('span', { class: 'user-text' }));
      }, (lab, it) => {
        setText(lab.querySelector('span'), it.text);
        const input = lab.querySelector('input');
        if (input.checked !== chosen.has(it.id)) input.checked = chosen.has(it.id);
      });
      el.hidden = items.length === 0;
      setText(summary, t('rule.anchors.pick', { n: chosen.size }));
    };
    return { el, update, chosen: () => Array.from(chosen), reset: () => { chosen = new Set(); update(); } };
  }

  /** A rule's anchors as the server has them, with the links still on their way applied. */
  function currentAnchors(rule) {
    const r = store.view.rules[rule];
    const out = [...((r && r.anchors) || [])];
    for (const e of store.pending) {
      if (e.intent.kind !== 'link_rule' || e.intent.rule !== rule) continue;
      const i = out.indexOf(e.intent.anchor);
      if (e.intent.linked === false && i >= 0) out.splice(i, 1);
      if (e.intent.linked !== false && i < 0) out.push(e.intent.anchor);
    }
    return out;
  }

  function rules(level) {
    const context = h('div', { class: 'results-slot' });
    const pick = anchorPicker(level, { legend: t('rule.anchors.legend') });
    const add = draftBox('rule', level, t('rule.new'), t('rule.propose'), 'propose_rule', {
      el: pick.el,
      fields: () => (pick.chosen().length ? { anchors: pick.chosen() } : {}),
      reset: () => pick.reset(),
    });
    const list = h('ul', { class: 'items rules', 'data-testid': 'rule-list' });
    const none = h('p', { class: 'hint', text: t('rule.none') });
    const el = h('div', { class: 'phase-body' }, context, add.el, h('h2', { text: t('rule.list') }), list, none);
    let contextSig = '';
    /** A score of 1 or 2 chosen but not sent yet (it waits for a reason), per rule. */
    const low = new Map();
    const pickers = new Map();
    /** The reason box of each rule card, to put a refused reason back. */
    const reasonBoxes = new Map();
    /** A score being chosen with the arrow keys, not settled yet, per rule. */
    const choosing = new Map();
    const update = () => {
      const { view, me } = store;
      add.update(view.locked);
      pick.update();
      const dotsRevealed = view.progress[level] && view.progress[level].dots_revealed;
      const sig = dotsRevealed ? JSON.stringify([lang(), priorityItems(view, level).map((s) => [s.id, s.text, s.dots])]) : '';
      if (sig !== contextSig) {
        contextSig = sig;
        replace(context, dotsRevealed ? h('details', { class: 'context' }, h('summary', { text: t('results.priorities', { level: levelName(level) }) }), priorities(view, level, { limit: 5 })) : null);
      }
      const rs = levelRules(view, level);
      const gap = maxGap(rs);
      // All pending ratings count (sent or not): a rating replaces the previous one, so nothing is counted twice.
      const rates = store.pending.filter((e) => e.intent.kind === 'rate_rule');
      const items = [...rs, ...unsentOf('propose_rule').map((e) => ({ id: `pending-${e.id}`, pending: e.intent.text }))];
      reconcile(list, items, (r) => r.id, (r) => {
        if (r.pending !== undefined) {
          return h('li', { class: 'item pending' }, h('p', { class: 'user-text', text: r.pending }), h('p', { class: 'pending-note', text: t('rule.pending') }));
        }
        const f = fields.field('rule', r.id);
        const areaId = `rule-${r.id}`;
        const reasonId = `reason-${r.id}`;
        const reasonHint = `reason-hint-${r.id}`;
        const reason = h('textarea', { id: reasonId, rows: 2, maxlength: limit('max_reason_chars'), 'aria-describedby': reasonHint, 'data-testid': 'reason' });
        const reasonForm = h('form', { class: 'reason-form', 'data-testid': 'reason-form' },
          h('label', { for: reasonId, text: t('reason.label') }),
          h('p', { id: reasonHint, class: 'hint', text: t('reason.hint', { max: limit('max_reason_chars') }) }),
          reason,
          h('div', { class: 'button-row' },
            h('button', { type: 'submit', class: 'primary small', text: t('reason.send') }),
            h('button', { type: 'button', class: 'secondary small', 'data-action': 'cancel-reason', text: t('reason.cancel') })));
        reasonForm.hidden = true;
        reasonBoxes.set(r.id, reason);
        reasonForm.addEventListener('submit', (e) => {
          e.preventDefault();
          const text = reason.value.trim();
          if (!text) {
            toast.error('reason_required');
            reason.focus();
            return;
          }
          conn.intent({ kind: 'rate_rule', rule: r.id, score: low.get(r.id), reason: text });
          low.delete(r.id);
          update();
        });
        reasonForm.querySelector('[data-action=cancel-reason]').addEventListener('click', () => {
          low.delete(r.id);
          update();
        });
        // A choice on the scale is settled before anything happens: at once for a tap or click,
        // on Enter, Space or leaving the scale, or after a short pause while moving with the
        // arrow keys (each arrow press checks the next radio, which must not send a rating).
        // The reason box for a 1 or 2 appears below; the focus stays where the person is.
        let settleTimer = null;
        let pointerAt = 0;
        const settle = () => {
          clearTimeout(settleTimer);
          settleTimer = null;
          if (!choosing.has(r.id)) return;
          const n = choosing.get(r.id);
          choosing.delete(r.id);
          if (n <= 2) {
            low.set(r.id, n);
            const prev = (store.me.reasons || {})[r.id];
            if (prev && !reason.value) reason.value = prev;
          } else {
            low.delete(r.id);
            const pendingRate = store.pending.filter((e) => e.intent.kind === 'rate_rule' && e.intent.rule === r.id).pop();
            const sent = pendingRate ? pendingRate.intent.score : store.me.ratings[r.id];
            if (sent !== n) conn.intent({ kind: 'rate_rule', rule: r.id, score: n });
          }
          update();
        };
        const scale = h('fieldset', { class: 'scale' }, h('legend', { text: t('rule.rate') }),
          ...[1, 2, 3, 4, 5].map((n) => {
            const input = h('input', { type: 'radio', name: `rate-${r.id}`, value: n });
            input.addEventListener('change', () => {
              if (!input.checked) return;
              choosing.set(r.id, n);
              update();
              clearTimeout(settleTimer);
              if (Date.now() - pointerAt < 1500) settle();
              else settleTimer = setTimeout(settle, SETTLE_MS);
            });
            // Enter (on keydown) or Space (on keyup, after it checked the radio) settles at once.
            const now = (e) => {
              if (e.type === 'keydown' && e.key === 'Enter') e.preventDefault();
              else if (!(e.type === 'keyup' && e.key === ' ')) return;
              if (!choosing.has(r.id) && input.checked) choosing.set(r.id, n);
              settle();
            };
            input.addEventListener('keydown', now);
            input.addEventListener('keyup', now);
            return h('label', { class: 'scale-option' }, input, h('span', { class: 'scale-n', text: n }), h('span', { class: 'scale-label', text: t(`scale.${n}`) }));
          }));
        scale.addEventListener('pointerdown', () => { pointerAt = Date.now(); });
        scale.addEventListener('focusout', (e) => {
          if (!scale.contains(e.relatedTarget)) settle();
        });
        // Linking adds or removes one anchor at a time (the rule's author or the facilitator).
        const picker = anchorPicker(level, {
          legend: t('rule.anchors.legend'),
          onChange: (anchors) => {
            const now = currentAnchors(r.id);
            for (const a of anchors.filter((x) => !now.includes(x))) conn.intent({ kind: 'link_rule', rule: r.id, anchor: a, linked: true });
            for (const a of now.filter((x) => !anchors.includes(x))) conn.intent({ kind: 'link_rule', rule: r.id, anchor: a, linked: false });
          },
        });
        pickers.set(r.id, picker);
        return h('li', { class: 'item rule-card' },
          h('div', { class: 'rule-head' }, h('span', { class: 'badge-slot' }), h('span', { class: 'round' })),
          h('label', { for: areaId, class: 'small-label' }),
          f.element({ id: areaId, class: 'edit' }),
          h('p', { class: 'frozen-note hint', 'data-testid': 'frozen-note' }),
          h('details', { class: 'earlier-texts' }, h('summary', {}), h('ul', {})),
          h('p', { class: 'meta' }),
          h('div', { class: 'anchors' }, h('p', { class: 'anchors-h', text: t('rule.anchors') }), h('ul', { class: 'anchor-list', 'data-testid': 'anchors' })),
          picker.el,
          focusBadge(), scale, h('p', { class: 'rating-closed notice-line', role: 'status', 'data-testid': 'rating-closed' }), reasonForm, h('p', { class: 'own-reason', 'data-testid': 'own-reason' }), h('div', { class: 'support-slot' }));
      }, (li, r) => {
        if (r.pending !== undefined) return;
        // "Anyone may refine it" only while that is true.
        setText(li.querySelector('label.small-label'), t((r.stage || 'drafting') === 'drafting' ? 'rule.edit' : 'rule.text', { n: rs.indexOf(r) + 1 }));
        const badgeSlot = li.querySelector('.badge-slot');
        if (badgeSlot.dataset.status !== `${r.status}:${lang()}`) {
          badgeSlot.dataset.status = `${r.status}:${lang()}`;
          replace(badgeSlot, statusBadge(r));
        }
        const stage = r.stage || 'drafting';
        setText(li.querySelector('.round'), [r.round > 1 ? t('rule.round.n', { n: r.round }) : null, t(`rule.stage.${stage}`)].filter(Boolean).join(' · '));
        li.dataset.stage = stage;
        // The text is co-written while drafted; once rated or decided it is the record.
        const area = li.querySelector('textarea.edit');
        area.readOnly = stage !== 'drafting';
        const frozen = li.querySelector('.frozen-note');
        frozen.hidden = stage === 'drafting';
        setText(frozen, stage === 'decided' ? t('rule.frozen.decided') : stage === 'drafting' ? '' : t('rule.frozen'));
        const earlier = li.querySelector('.earlier-texts');
        const texts = r.earlier_texts || [];
        earlier.hidden = texts.length === 0;
        setText(earlier.querySelector('summary'), texts.length ? t('rule.round.n', { n: texts.length }) : '');
        reconcile(earlier.querySelector('ul'), texts.map((text, i) => ({ text, i })), (x) => `${x.i}:${x.text}`,
          (x) => h('li', { class: 'user-text', text: t('rule.earlier.text', { n: x.i + 1, text: x.text }) }), () => {});
        const by = r.author ? t('rule.by', { name: r.author.name }) : r.from_facilitator ? t('rule.from.facilitator') : '';
        setText(li.querySelector('.meta'), [by, t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '));
        const anchors = currentAnchors(r.id);
        const anchorTexts = anchors.map((a) => priorityText(view, a)).filter((x) => x !== null);
        li.querySelector('.anchors').hidden = anchorTexts.length === 0;
        reconcile(li.querySelector('.anchor-list'), anchorTexts.map((text, i) => ({ text, i })), (x) => `${x.i}:${x.text}`, (x) => h('li', { class: 'user-text', text: x.text }), () => {});
        const picker = pickers.get(r.id);
        if (picker) {
          picker.update(li.contains(document.activeElement) && picker.el.contains(document.activeElement) ? null : anchors);
          const mine = r.author && r.author.id === me.id;
          picker.el.hidden = picker.el.hidden || view.locked || !mine || stage === 'decided';
        }
        const pendingRate = rates.filter((e) => e.intent.rule === r.id).pop();
        const sent = pendingRate ? pendingRate.intent.score : me.ratings[r.id];
        const score = choosing.has(r.id) ? choosing.get(r.id) : low.has(r.id) ? low.get(r.id) : sent;
        // Ratings close at the reveal; a decided rule takes none.
        const closed = stage === 'revealed' || stage === 'decided';
        for (const input of li.querySelectorAll('input[type=radio]')) {
          const want = Number(input.value) === score;
          if (input.checked !== want) input.checked = want;
          input.disabled = view.locked || closed;
        }
        li.querySelector('.scale').hidden = closed && !score;
        const closedNote = li.querySelector('.rating-closed');
        closedNote.hidden = !closed;
        setText(closedNote, closed ? t('rule.rating.closed') : '');
        // A 1 or 2 asks for a reason: the box shows as soon as it is chosen (also while still
        // moving with the arrow keys), so Tab goes straight into it.
        const asking = low.has(r.id) || (choosing.has(r.id) && choosing.get(r.id) <= 2);
        li.querySelector('.reason-form').hidden = !asking;
        const ownReason = pendingRate ? pendingRate.intent.reason : (me.reasons || {})[r.id];
        const own = li.querySelector('.own-reason');
        own.hidden = !ownReason || asking;
        setText(own, ownReason ? t('reason.own', { reason: ownReason }) : '');
        cls(li, 'focused', view.focus === r.id);
        const slot = li.querySelector('.support-slot');
        const ssig = r.support ? JSON.stringify([lang(), r.support, gap, r.status, r.reasons, r.earlier_rounds]) : '';
        if (slot.dataset.sig !== ssig) {
          slot.dataset.sig = ssig;
          replace(slot, r.support ? supportChart(view, r, gap > 0 && (r.support.gap || 0) >= gap - 1e-9) : null);
        }
      });
      none.hidden = items.length > 0;
    };
    const restore = (intent, meta) => {
      if (intent.kind === 'propose_rule') return add.restore(intent.text, meta);
      if (intent.kind !== 'rate_rule') return false;
      const box = reasonBoxes.get(intent.rule);
      if (!box || !box.isConnected || !store.view.rules[intent.rule] || store.view.rules[intent.rule].level !== level) return false;
      if (box.value.trim() && box.value !== intent.reason) return false;
      low.set(intent.rule, intent.score);
      box.value = intent.reason;
      update();
      return true;
    };
    return { el, update, restore };
  }

  // --- review (follow-up) -----------------------------------------------------------------
  function review() {
    const intro = h('p', { class: 'hint', text: t('review.intro') });
    const list = h('ul', { class: 'items reviews', 'data-testid': 'review-list' });
    const none = h('p', { class: 'hint', text: t('review.none') });
    const el = h('div', { class: 'phase-body' }, intro, list, none);
    /** Answers chosen locally, sent once both questions are answered. */
    const draft = new Map();
    const update = () => {
      const { view, me } = store;
      const rs = carriedRules(view);
      reconcile(list, rs, (r) => r.id, (r) => {
        const q = (key) => h('fieldset', { class: 'choices answer-set', 'data-question': key },
          h('legend', { text: t(`review.q.${key}`) }),
          ...['yes', 'partly', 'no'].map((a) => {
            const input = h('input', { type: 'radio', name: `${key}-${r.id}`, value: a });
            input.addEventListener('change', () => {
              if (!input.checked) return;
              const d = { ...(draft.get(r.id) || current(r.id)), [key]: a };
              draft.set(r.id, d);
              if (d.applied && d.still_right) {
                conn.intent({ kind: 'review_rule', rule: r.id, applied: d.applied, still_right: d.still_right });
                draft.delete(r.id);
              }
              update();
            });
            return h('label', { class: 'choice' }, input, h('span', { text: t(`answer.${a}`) }));
          }));
        return h('li', { class: 'item review-card' },
          h('p', { class: 'eyebrow' }), h('p', { class: 'user-text rule-text' }),
          q('applied'), q('still_right'), h('p', { class: 'review-state hint' }), h('div', { class: 'then-now-slot' }), focusBadge());
      }, (li, r) => {
        setText(li.querySelector('.eyebrow'), levelName(r.level));
        setText(li.querySelector('.rule-text'), r.text);
        const d = draft.get(r.id) || current(r.id);
        for (const input of li.querySelectorAll('input[type=radio]')) {
          const key = input.closest('fieldset').dataset.question;
          const want = d[key] === input.value;
          if (input.checked !== want) input.checked = want;
          input.disabled = view.locked;
        }
        const done = !draft.has(r.id) && d.applied && d.still_right;
        setText(li.querySelector('.review-state'), done ? t('review.saved') : t('review.todo'));
        cls(li, 'focused', view.focus === r.id);
        const slot = li.querySelector('.then-now-slot');
        const sig = JSON.stringify([lang(), r.support_then, r.review]);
        if (slot.dataset.sig !== sig) {
          slot.dataset.sig = sig;
          replace(slot, r.review ? thenNow(view, r) : null);
        }
      });
      none.hidden = rs.length > 0;
    };
    /** The answers as sent (or waiting to be sent), else as the server has them. */
    function current(id) {
      const p = store.pending.filter((e) => e.intent.kind === 'review_rule' && e.intent.rule === id).pop();
      if (p) return { applied: p.intent.applied, still_right: p.intent.still_right };
      const m = (store.me.reviews || {})[id];
      return m ? { applied: m[0], still_right: m[1] } : {};
    }
    return { el, update };
  }

  // --- lobby, summary and others ----------------------------------------------------------
  function simple(kind, level) {
    const body = h('div', { class: 'results-slot' });
    const el = h('div', { class: 'phase-body' }, kind === 'lobby' ? h('p', { class: 'lead', text: t('lobby.wait') }) : null, body);
    let sig = '';
    const update = () => {
      const { view } = store;
      const next = JSON.stringify([lang(), view.focus, view.progress, kind === 'summary' || !level ? Object.keys(view.statements).length : 0, kind]);
      if (next === sig) return;
      sig = next;
      if (kind === 'summary') replace(body, h('h2', { text: t('summary.title') }), ...allResults(view, { focus: view.focus }));
      else if (level) {
        const list = h('ul', { class: 'items' });
        for (const st of rankedStatements(view, level)) list.append(h('li', { class: ['item', st.id === view.focus && 'focused'] }, h('p', { class: 'user-text', text: st.text })));
        replace(body, list);
      } else replace(body);
    };
    return { el, update };
  }

  /** Ready with this phase, counting a toggle that is still on its way. */
  function isReady() {
    const p = store.pending.filter((e) => e.intent.kind === 'set_ready').pop();
    return p ? p.intent.ready : !!store.me.ready;
  }

  // --- closed -----------------------------------------------------------------------------
  function closedBody() {
    const body = h('div', { class: 'results-slot' });
    const el = h('div', { class: 'phase-body' },
      h('div', { class: 'notice', role: 'status', 'data-testid': 'closed-notice' }, h('h2', { text: t('closed.title') }), h('p', { text: t('closed.text') })), body);
    let sig = '';
    const update = () => {
      const next = JSON.stringify([lang(), store.view.progress, store.view.rules]);
      if (next === sig) return;
      sig = next;
      replace(body, ...allResults(store.view));
    };
    return { el, update };
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
    if (view.closed) body = closedBody();
    else if (phase.kind === 'brainstorm') body = brainstorm(level);
    else if (phase.kind === 'cluster') body = cluster(level);
    else if (phase.kind === 'review') body = review();
    else if (phase.kind === 'vote') body = vote(level, phase);
    else if (phase.kind === 'rules') body = rules(level);
    else body = simple(phase.kind, level);
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

  /**
   * "Change name / group": a small form, closed by default, kept across phases (it lives outside
   * the phase section). A new name counts at once; a new group too until voting has begun, after
   * that it waits for the facilitator (`me.pending_group`), which the box says.
   */
  function profileBox() {
    const summary = h('summary', { 'data-testid': 'profile-open' });
    const nameLabel = h('label', { for: 'profile-name' });
    const nameInput = h('input', { id: 'profile-name', type: 'text', maxlength: limit('max_name_chars'), autocomplete: 'name', 'data-testid': 'profile-name' });
    const groupLabel = h('label', { for: 'profile-group' });
    const groupSelect = h('select', { id: 'profile-group', 'data-testid': 'profile-group' });
    const note = h('p', { class: 'hint', id: 'profile-note' });
    setAttr(groupSelect, 'aria-describedby', 'profile-note');
    const save = h('button', { type: 'submit', 'data-testid': 'profile-save' });
    const form = h('form', { class: 'profile-form' },
      h('div', { class: 'field' }, nameLabel, nameInput),
      h('div', { class: 'field' }, groupLabel, groupSelect, note), save);
    const pending = h('p', { class: 'pending-note', role: 'status', 'data-testid': 'profile-pending' });
    const details = h('details', { class: 'profile-box' }, summary, form);
    const el = h('section', { class: 'profile', 'data-testid': 'profile' }, pending, details);
    let groupsSig = '';
    const fill = () => {
      nameInput.value = store.me.name;
      groupSelect.value = store.me.pending_group || store.me.group;
    };
    details.addEventListener('toggle', () => {
      if (details.open && store.me) fill();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const { me } = store;
      if (!me) return;
      const name = nameInput.value.trim();
      if (name && name !== me.name) conn.intent({ kind: 'set_name', name });
      const group = groupSelect.value;
      if (group && group !== (me.pending_group || me.group)) conn.intent({ kind: 'set_group', group });
      details.open = false;
      summary.focus();
    });
    const update = () => {
      const { view, me } = store;
      el.hidden = !!view.closed;
      setText(summary, t('profile.open'));
      setText(nameLabel, t('profile.name'));
      setText(groupLabel, t('profile.group'));
      setText(note, t('profile.note'));
      setText(save, t('profile.save'));
      const sig = JSON.stringify([lang(), view.session.groups]);
      if (sig !== groupsSig) {
        groupsSig = sig;
        const chosen = groupSelect.value;
        replace(groupSelect, ...view.session.groups.map((g) => h('option', { value: g, text: groupName(g) })));
        if (chosen) groupSelect.value = chosen;
      }
      pending.hidden = !me.pending_group;
      setText(pending, me.pending_group ? t('profile.pending', { group: groupName(me.pending_group) }) : '');
    };
    return { el, update };
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
      if (!profile) profile = profileBox();
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
