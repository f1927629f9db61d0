//! The participant's maturity self-assessment: per dimension its statements, each scored from 1
//! (not at all) to 5 (fully) or "don't know", sent at once and changeable until the facilitator
//! reveals the results; then the results per dimension and group.

import { h, replace, reconcile, setText } from '../../dom.js';
import { t, lang, loc } from '../../i18n.js';
import { assessmentResults } from '../../results.js';

/** The answers a statement offers: the scores 1 to 5 and "don't know" (sent as null). */
const ANSWERS = ['1', '2', '3', '4', '5', 'dont_know'];

export function assessment(ctx) {
  const { store, conn } = ctx;
  const intro = h('p', { class: 'hint', text: t('assessment.intro') });
  const progress = h('p', { class: 'assessment-progress', 'data-testid': 'assessment-progress', role: 'status' });
  const list = h('div', { class: 'assessment-list', 'data-testid': 'assessment-list' });
  const results = h('div', { class: 'results-slot' });
  const el = h('div', { class: 'phase-body' }, intro, progress, list, results);
  let resultsSig = '';
  const update = () => {
    const { view } = store;
    const a = view.assessment;
    if (!a) return;
    const closed = a.revealed || view.locked || !!view.closed;
    const total = a.dimensions.reduce((n, d) => n + d.statements.length, 0);
    const mine = answers();
    setText(progress, a.revealed ? t('assessment.closed') : t('assessment.progress', { n: Object.keys(mine).length, total }));
    reconcile(list, a.dimensions, (d) => d.id, (d) => h('section', { class: 'card dimension', 'data-id': d.id },
      h('h2', { class: 'dimension-title' }),
      ...d.statements.map((st) => {
        const legend = h('legend', { class: 'user-text' });
        return h('fieldset', { class: 'choices answer-set assessment-item', 'data-statement': st.id }, legend,
          ...ANSWERS.map((value) => {
            const input = h('input', { type: 'radio', name: `assess-${st.id}`, value });
            input.addEventListener('change', () => {
              if (!input.checked) return;
              conn.intent({ kind: 'assess', statement: st.id, score: value === 'dont_know' ? null : Number(value) });
              update();
            });
            return h('label', { class: 'choice' }, input, h('span', { class: 'answer-label' }));
          }));
      })), (section, d) => {
      setText(section.querySelector('.dimension-title'), loc(d.title));
      for (const st of d.statements) {
        const fs = section.querySelector(`[data-statement="${CSS.escape(st.id)}"]`);
        setText(fs.querySelector('legend'), loc(st.text));
        const have = Object.prototype.hasOwnProperty.call(mine, st.id) ? (mine[st.id] === null ? 'dont_know' : String(mine[st.id])) : '';
        for (const input of fs.querySelectorAll('input')) {
          const want = input.value === have;
          if (input.checked !== want) input.checked = want;
          input.disabled = closed;
          setText(input.nextElementSibling, input.value === 'dont_know' ? t('assessment.dont_know') : input.value);
          input.setAttribute('aria-label', input.value === 'dont_know' ? t('assessment.dont_know') : t(`assessment.score.${input.value}`));
        }
      }
    });
    list.hidden = a.revealed;
    const sig = JSON.stringify([lang(), a.results, view.session.groups]);
    if (sig !== resultsSig) {
      resultsSig = sig;
      replace(results, assessmentResults(view));
    }
  };
  /** Own scores: as the server has them, with what is waiting to be sent on top. */
  function answers() {
    const out = { ...(store.me && store.me.assessment ? store.me.assessment : {}) };
    for (const e of store.pending) if (e.intent.kind === 'assess') out[e.intent.statement] = e.intent.score;
    return out;
  }
  return { el, update };
}
