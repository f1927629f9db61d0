//! The participant's view, made for a 360×640 phone used with one hand: the phase and its
//! question at the top, then what this phase asks of you (statements, dots, rules), results once
//! revealed. The remaining dot budget stays visible while scrolling.
//!
//! Work done while offline is queued by the connection (and kept over a reload); this view
//! shows queued additions as "waiting to be sent" and counts queued dots and ratings, so the
//! screen matches what the person did.

import { h, replace, reconcile, setText, setAttr, cls } from '../dom.js';
import { t, lang, loc, levelName, groupName } from '../i18n.js';
import { TextFields } from '../text.js';
import { topBar, skipLink, connectionBanner, timerDisplay, toasts, stickyHead } from '../widgets.js';
import { rankedStatements, levelRules, priorities, supportResults, supportChart, maxGap, allResults } from '../results.js';

/** Rejects the text fields handle themselves (no message needed). */
const QUIET = new Set(['stale_revision', 'invalid_splice']);

export function mountParticipant(root, { store, conn, code }) {
  const fields = new TextFields(store, conn, code, 'participant');
  const toast = toasts();
  conn.on('reject', (msg) => {
    const kind = msg.intent && msg.intent.kind;
    const edit = kind === 'edit_statement' || kind === 'edit_rule';
    if (QUIET.has(msg.code) || (edit && msg.code === 'input_locked')) return;
    toast.error(msg.code);
  });

  const bar = topBar();
  const banner = connectionBanner(store);
  const main = h('main', { id: 'main', class: 'participant', tabindex: '-1' });
  let shape = null;
  let section = null;

  const head = stickyHead(bar.el, banner.el);
  const build = () => {
    replace(root, skipLink(), head, main, toast.el);
    shape = null;
  };

  /** Unsent intents of a kind (sent ones are answered within milliseconds). */
  const unsent = (kind) => store.pending.filter((e) => e.intent.kind === kind && conn.unsent(e.id));

  function draftBox(kindKey, level, labelText, buttonText, intentKind) {
    const key = `draagvlak:${code}:draft:${kindKey}:${level}`;
    const id = `new-${kindKey}`;
    const area = h('textarea', { id, rows: 3, maxlength: 1000, 'data-testid': `new-${kindKey}` });
    area.value = localStorage.getItem(key) || '';
    area.addEventListener('input', () => {
      if (area.value) localStorage.setItem(key, area.value);
      else localStorage.removeItem(key);
    });
    const btn = h('button', { type: 'submit', class: 'primary', text: buttonText });
    const form = h('form', { class: 'add-form' }, h('label', { for: id, text: labelText }), area, btn);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) {
        toast.error('empty_text');
        return;
      }
      conn.intent({ kind: intentKind, text });
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
    return { el: form, update: (locked) => setAttr(btn, 'aria-disabled', locked ? 'true' : null) };
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
      const deleting = new Set(unsent('delete_statement').map((e) => e.intent.statement));
      const own = me.statements.filter((id) => view.statements[id] && view.statements[id].level === level && !deleting.has(id));
      const items = [...own.map((id) => ({ id, own: true })), ...unsent('add_statement').map((e) => ({ id: `pending-${e.id}`, pending: e.intent.text }))];
      reconcile(mine, items, (i) => i.id, (i) => {
        if (i.pending !== undefined) {
          return h('li', { class: 'item pending' }, h('p', { class: 'user-text', text: i.pending }), h('p', { class: 'pending-note', text: t('statement.pending') }));
        }
        const f = fields.field('statement', i.id);
        const areaId = `edit-${i.id}`;
        const label = h('label', { for: areaId, class: 'small-label' });
        const del = h('button', { type: 'button', class: 'secondary small danger', text: t('statement.delete') });
        del.addEventListener('click', () => conn.intent({ kind: 'delete_statement', statement: i.id }));
        return h('li', { class: 'item own' }, label, f.element({ id: areaId, class: 'edit' }), h('div', { class: 'item-actions' }, focusBadge(), del));
      }, (li, i) => {
        if (i.pending !== undefined) return;
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
    return { el, update };
  }

  // --- vote -------------------------------------------------------------------------------
  function vote(level, phase) {
    const budgetText = h('span', { class: 'budget-text', 'data-testid': 'dots-left' });
    const budgetDots = h('span', { class: 'budget-dots', 'aria-hidden': 'true' });
    const budget = h('div', { class: 'budget', role: 'status' }, budgetText, budgetDots);
    const list = h('ul', { class: 'items votes', 'data-testid': 'vote-list' });
    const results = h('div', { class: 'results-slot' });
    const el = h('div', { class: 'phase-body' }, budget,
      h('p', { class: 'hint', text: t('dots.hint', { max: phase.max_dots_per_item }) }), list, results);
    let resultsSig = '';
    const update = () => {
      const { view, me } = store;
      const pend = unsent('place_dot').concat(unsent('remove_dot'));
      const mine = (id) => Math.max(0, (me.dots[id] || 0) + pend.filter((e) => e.intent.statement === id).reduce((n, e) => n + (e.intent.kind === 'place_dot' ? 1 : -1), 0));
      let left = me.dots_left[level] ?? phase.dot_budget;
      for (const e of pend) {
        const st = view.statements[e.intent.statement];
        if (st && st.level === level) left += e.intent.kind === 'place_dot' ? -1 : 1;
      }
      left = Math.max(0, left);
      setText(budgetText, t('dots.left', { left, budget: phase.dot_budget }));
      setText(budgetDots, '●'.repeat(left) + '○'.repeat(Math.max(0, phase.dot_budget - left)));
      const revealed = view.progress[level] && view.progress[level].dots_revealed;
      reconcile(list, rankedStatements(view, level), (st) => st.id, (st) => {
        const textId = `vote-text-${st.id}`;
        const minus = h('button', { type: 'button', class: 'dot-btn', 'aria-describedby': textId, 'data-action': 'remove' }, h('span', { 'aria-hidden': 'true', text: '−' }), h('span', { class: 'visually-hidden', text: t('dots.remove') }));
        const plus = h('button', { type: 'button', class: 'dot-btn', 'aria-describedby': textId, 'data-action': 'place' }, h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { class: 'visually-hidden', text: t('dots.place') }));
        minus.addEventListener('click', () => {
          if (minus.getAttribute('aria-disabled') !== 'true') conn.intent({ kind: 'remove_dot', statement: st.id });
        });
        plus.addEventListener('click', () => {
          if (plus.getAttribute('aria-disabled') !== 'true') conn.intent({ kind: 'place_dot', statement: st.id });
        });
        return h('li', { class: 'item vote-item' },
          h('p', { class: 'user-text', id: textId }),
          h('div', { class: 'vote-controls' }, minus, h('span', { class: 'my-dots', 'data-testid': 'my-dots' }), plus),
          h('p', { class: 'total-dots' }), focusBadge());
      }, (li, st) => {
        setText(li.querySelector('.user-text'), st.text);
        const n = mine(st.id);
        setText(li.querySelector('.my-dots'), t('dots.mine', { n }));
        cls(li, 'has-dots', n > 0);
        const [minus, plus] = li.querySelectorAll('.dot-btn');
        setAttr(minus, 'aria-disabled', n === 0 || view.locked ? 'true' : null);
        setAttr(plus, 'aria-disabled', left === 0 || n >= phase.max_dots_per_item || view.locked ? 'true' : null);
        const total = li.querySelector('.total-dots');
        total.hidden = !revealed;
        setText(total, revealed ? t('dots.count', { n: st.dots || 0 }) : '');
        cls(li, 'focused', view.focus === st.id);
      });
      const sig = revealed ? JSON.stringify([lang(), view.focus, rankedStatements(view, level).map((s) => [s.id, s.text, s.dots])]) : '';
      if (sig !== resultsSig) {
        resultsSig = sig;
        replace(results, revealed ? priorities(view, level, { focus: view.focus }) : null);
      }
    };
    return { el, update };
  }

  // --- rules ------------------------------------------------------------------------------
  function rules(level) {
    const context = h('div', { class: 'results-slot' });
    const add = draftBox('rule', level, t('rule.new'), t('rule.propose'), 'propose_rule');
    const list = h('ul', { class: 'items rules', 'data-testid': 'rule-list' });
    const none = h('p', { class: 'hint', text: t('rule.none') });
    const el = h('div', { class: 'phase-body' }, context, add.el, h('h2', { text: t('rule.list') }), list, none);
    let contextSig = '';
    const update = () => {
      const { view, me } = store;
      add.update(view.locked);
      const dotsRevealed = view.progress[level] && view.progress[level].dots_revealed;
      const sig = dotsRevealed ? JSON.stringify([lang(), rankedStatements(view, level).map((s) => [s.id, s.text, s.dots])]) : '';
      if (sig !== contextSig) {
        contextSig = sig;
        replace(context, dotsRevealed ? h('details', { class: 'context' }, h('summary', { text: t('results.priorities', { level: levelName(level) }) }), priorities(view, level, { limit: 5 })) : null);
      }
      const rs = levelRules(view, level);
      const gap = maxGap(rs);
      // All pending ratings count (sent or not): a rating replaces the previous one, so nothing is counted twice.
      const rates = store.pending.filter((e) => e.intent.kind === 'rate_rule');
      const items = [...rs, ...unsent('propose_rule').map((e) => ({ id: `pending-${e.id}`, pending: e.intent.text }))];
      reconcile(list, items, (r) => r.id, (r) => {
        if (r.pending !== undefined) {
          return h('li', { class: 'item pending' }, h('p', { class: 'user-text', text: r.pending }), h('p', { class: 'pending-note', text: t('rule.pending') }));
        }
        const f = fields.field('rule', r.id);
        const areaId = `rule-${r.id}`;
        const scale = h('fieldset', { class: 'scale' }, h('legend', { text: t('rule.rate') }),
          ...[1, 2, 3, 4, 5].map((n) => {
            const input = h('input', { type: 'radio', name: `rate-${r.id}`, value: n });
            input.addEventListener('change', () => {
              if (input.checked) conn.intent({ kind: 'rate_rule', rule: r.id, score: n });
            });
            return h('label', { class: 'scale-option' }, input, h('span', { class: 'scale-n', text: n }), h('span', { class: 'scale-label', text: t(`scale.${n}`) }));
          }));
        return h('li', { class: 'item rule-card' },
          h('label', { for: areaId, class: 'small-label' }),
          f.element({ id: areaId, class: 'edit' }),
          h('p', { class: 'meta' }), focusBadge(), scale, h('div', { class: 'support-slot' }));
      }, (li, r) => {
        if (r.pending !== undefined) return;
        setText(li.querySelector('label.small-label'), t('rule.edit', { n: rs.indexOf(r) + 1 }));
        const by = r.author ? t('rule.by', { name: r.author.name }) : '';
        setText(li.querySelector('.meta'), [by, t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '));
        const pendingRate = rates.filter((e) => e.intent.rule === r.id).pop();
        const score = pendingRate ? pendingRate.intent.score : me.ratings[r.id];
        for (const input of li.querySelectorAll('input[type=radio]')) {
          const want = Number(input.value) === score;
          if (input.checked !== want) input.checked = want;
          input.disabled = view.locked;
        }
        cls(li, 'focused', view.focus === r.id);
        const slot = li.querySelector('.support-slot');
        const ssig = r.support ? JSON.stringify([lang(), r.support, gap]) : '';
        if (slot.dataset.sig !== ssig) {
          slot.dataset.sig = ssig;
          replace(slot, r.support ? supportChart(view, r, gap > 0 && (r.support.gap || 0) >= gap - 1e-9) : null);
        }
      });
      none.hidden = items.length > 0;
    };
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

  function phaseSection() {
    const { view } = store;
    const phase = store.phase();
    const level = phase.level;
    const eyebrow = h('p', { class: 'eyebrow', text: [t('phase.of', { n: view.current_phase + 1, total: view.phases.length }), level ? levelName(level) : null].filter(Boolean).join(' · ') });
    const timer = timerDisplay(store);
    const locked = h('p', { class: 'locked-note', role: 'status', text: t('phase.locked') });
    const head = h('section', { class: 'phase-head', 'aria-labelledby': 'phase-title' },
      eyebrow, h('h1', { id: 'phase-title', text: loc(phase.title) }), h('p', { class: 'question', text: loc(phase.question) }), timer.el, locked);
    let body;
    if (phase.kind === 'brainstorm') body = brainstorm(level);
    else if (phase.kind === 'vote') body = vote(level, phase);
    else if (phase.kind === 'rules') body = rules(level);
    else body = simple(phase.kind, level);
    const you = h('p', { class: 'you hint' });
    const el = h('div', { class: 'phase' }, head, body.el, you);
    let timerSig = '';
    return {
      el,
      update() {
        const sig = JSON.stringify(store.view.timer);
        if (sig !== timerSig) {
          timerSig = sig;
          timer.update();
        }
        locked.hidden = !store.view.locked;
        body.update();
        setText(you, t('you.are', { name: store.me.name, group: groupName(store.me.group) }));
      },
    };
  }

  const render = () => {
    bar.update(store.view ? store.view.session.title : '');
    banner.update();
    if (!store.view || !store.me) {
      if (shape !== 'connecting') {
        shape = 'connecting';
        replace(main, h('p', { class: 'hint', text: t('conn.connecting') }));
      }
      return;
    }
    const key = `${store.view.current_phase}:${lang()}`;
    if (key !== shape) {
      const hadFocus = main.contains(document.activeElement);
      shape = key;
      section = phaseSection();
      replace(main, section.el);
      if (hadFocus) main.focus();
    }
    section.update();
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
