//! The participant's vote phase: dots on statements and clusters with the remaining budget always
//! in sight; queued dots count at once (so the screen matches what the person did while
//! offline); a revealed vote is closed and shows the priorities.

import { h, replace, reconcile, setText, setAttr, cls } from '../../dom.js';
import { t, lang } from '../../i18n.js';
import { priorities, priorityItems } from '../../results.js';
import { focusBadge } from './common.js';

/** The dot vote of `level`: the budget, a card per statement or cluster, results once revealed. */
export function vote(ctx, level, phase) {
  const { store, conn, unsentOf } = ctx;
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
