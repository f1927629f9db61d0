//! The participant's review phase (a follow-up session): per carried rule "was it applied?" and
//! "is it still right?", sent once both are answered, with the then/now table once there is one.

import { h, replace, reconcile, setText, cls } from '../../dom.js';
import { t, lang, levelName } from '../../i18n.js';
import { carriedRules, thenNow } from '../../results.js';
import { focusBadge } from './common.js';

/** The review of the rules carried over into a follow-up session: two questions per rule. */
export function review(ctx) {
  const { store, conn } = ctx;
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
