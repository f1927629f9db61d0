//! The participant's phases that ask for nothing: the lobby (wait for the start), the summary
//! (all results), other kinds (the level's statements), and the closed session.

import { h, replace } from '../../dom.js';
import { t, lang } from '../../i18n.js';
import { rankedStatements, allResults } from '../../results.js';

/** The lobby, the summary and any other phase: a waiting line or the results so far. */
export function simple(ctx, kind, level) {
  const { store } = ctx;
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

/** A closed session: a notice and every result. */
export function closedBody(ctx) {
  const { store } = ctx;
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
