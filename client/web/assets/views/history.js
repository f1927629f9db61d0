//! History, in the facilitator console: the session as it was at the end of an earlier phase,
//! read-only. The server rebuilds that view from the document's history
//! (`GET /api/sessions/{code}/history/{phase}`, facilitator secret in a header, never in a URL);
//! this module asks for it and draws it with the same pieces as the live screens, without a
//! single control.

import { h, replace, reconcile, setText } from '../dom.js';
import { t, loc, levelName } from '../i18n.js';
import { levelClusters, rankedStatements, levelRules, priorities, supportResults, statusBadge, reviewResults, carriedRules } from '../results.js';

const LEVELS = ['richten', 'inrichten', 'verrichten'];

/** The read-only picture of one past view, for the level of its phase (or every level). */
function snapshot(view, index) {
  const phase = view.phases[index];
  const levels = phase && phase.level ? [phase.level] : LEVELS.filter((l) => Object.values(view.statements).some((s) => s.level === l) || Object.values(view.rules).some((r) => r.level === l));
  const out = [];
  for (const level of levels) {
    const sec = h('section', { class: 'history-level' }, h('h3', { text: levelName(level) }));
    const cs = levelClusters(view, level);
    if (cs.length) {
      sec.append(h('h4', { text: t('cluster.list') }), h('ul', { class: 'items' }, ...cs.map((c) => h('li', { class: 'item cluster-card' },
        h('p', { class: 'cluster-title user-text', text: c.title }),
        h('ul', { class: 'members' }, ...c.statements.map((id) => view.statements[id]).filter(Boolean).map((st) => h('li', { class: 'member user-text', text: st.text })))))));
    }
    const loose = rankedStatements(view, level).filter((st) => !st.cluster).sort((a, b) => a.seq - b.seq);
    if (loose.length) {
      sec.append(h('h4', { text: t('fac.statements') }), h('ul', { class: 'items' }, ...loose.map((st) => h('li', { class: 'item' },
        h('p', { class: 'user-text', text: st.text }),
        st.dots !== undefined ? h('p', { class: 'meta', text: t('dots.count', { n: st.dots }) }) : null))));
    }
    const p = view.progress[level];
    if (p && p.dots_revealed) sec.append(priorities(view, level));
    const rs = levelRules(view, level);
    if (rs.length) {
      if (p && p.ratings_revealed) sec.append(supportResults(view, level));
      else {
        sec.append(h('h4', { text: t('fac.rules') }), h('ul', { class: 'items' }, ...rs.map((r) => h('li', { class: 'item' },
          h('p', { class: 'user-text', text: r.text }, ' ', statusBadge(r)),
          h('p', { class: 'meta', text: t('rule.raters', { n: r.raters }) })))));
      }
    }
    if (sec.children.length === 1) sec.append(h('p', { class: 'hint', text: t('history.empty') }));
    out.push(sec);
  }
  if (carriedRules(view).length) out.push(reviewResults(view));
  return out;
}

/** The panel with the phase picker; `show` is where the picture goes (a panel of its own). */
export function historyPanel(store, code, secret, toast) {
  const pickId = 'history-phase';
  const pick = h('select', { id: pickId, 'data-testid': 'history-phase' });
  pick.addEventListener('change', () => { pick.dataset.touched = '1'; });
  const form = h('form', { class: 'history-form' },
    h('label', { for: pickId, text: t('history.phase') }), pick,
    h('button', { type: 'submit', class: 'secondary', text: t('history.show') }));
  const el = h('section', { class: 'panel', 'aria-labelledby': 'history-h' },
    h('h2', { id: 'history-h', text: t('history.title') }), h('p', { class: 'hint', text: t('history.hint') }), form);

  const heading = h('h2', { id: 'history-view-h', tabindex: '-1' });
  const body = h('div', { class: 'history-body', 'data-testid': 'history-body' });
  const close = h('button', { type: 'button', class: 'secondary small', text: t('history.close') });
  const view = h('section', { class: 'panel history-view', 'aria-labelledby': 'history-view-h', 'data-testid': 'history-view' },
    h('div', { class: 'history-head' }, heading, close), h('p', { class: 'hint', text: t('history.readonly') }), body);
  view.hidden = true;
  close.addEventListener('click', () => {
    view.hidden = true;
    pick.focus();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const index = Number(pick.value);
    try {
      const res = await fetch(`/api/sessions/${encodeURIComponent(code)}/history/${index}`, { headers: { Authorization: `Bearer ${secret}` } });
      if (res.status === 404) {
        toast.show(t('history.not_ended'));
        return;
      }
      if (!res.ok) throw new Error(String(res.status));
      const data = await res.json();
      const phase = data.view.phases[index];
      const at = new Intl.DateTimeFormat(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(data.at));
      setText(heading, t('history.heading', { n: index + 1, title: loc(phase && phase.title), at }));
      replace(body, ...snapshot(data.view, index));
      view.hidden = false;
      heading.focus();
    } catch {
      toast.show(t('history.failed'));
    }
  });

  return {
    el,
    view,
    update() {
      const v = store.view;
      if (!v) return;
      // Phases before the current one have ended (later ones may have, after going back; the
      // server says 404 when not).
      const items = v.phases.map((p, i) => ({ p, i })).filter(({ i }) => i !== v.current_phase);
      reconcile(pick, items, (x) => x.i, (x) => h('option', { value: x.i }), (o, { p, i }) => setText(o, `${i + 1}. ${loc(p.title)}`));
      // Until the facilitator picks one: the phase that ended last.
      const last = items.filter(({ i }) => i < v.current_phase).pop();
      if (last && !pick.dataset.touched && pick.value !== String(last.i)) pick.value = String(last.i);
    },
  };
}
