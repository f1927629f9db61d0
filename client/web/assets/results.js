//! Results as SVG bars: per level the priorities ranked by dots, per rule the support overall
//! and per group, with the rules where the groups differ most marked.
//!
//! Bars are SVG (scalable, crisp on a projector, no images); the texts next to them are HTML so
//! they wrap on a phone and follow the reader's font size. Every chart has a text equivalent
//! (the numbers are printed, and each SVG has an accessible name).

import { h, s } from './dom.js';
import { t, groupName, levelName, percent } from './i18n.js';

function bar(share, cls, label) {
  const w = Math.max(0, Math.min(1, share || 0)) * 100;
  return s('svg', { class: `chart-bar ${cls}`, viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img', 'aria-label': label, focusable: 'false' },
    s('rect', { class: 'bar-track', x: 0, y: 0, width: 100, height: 10 }),
    s('rect', { class: 'bar-fill', x: 0, y: 0, width: w.toFixed(2), height: 10 }));
}

/** Statements of `level` that are visible, sorted by dots (when revealed) then by seq. */
export function rankedStatements(view, level) {
  return Object.entries(view.statements)
    .filter(([, st]) => st.level === level && !st.hidden)
    .map(([id, st]) => ({ id, ...st }))
    .sort((a, b) => (b.dots || 0) - (a.dots || 0) || a.seq - b.seq);
}

/** Rules of `level`, sorted by seq. */
export function levelRules(view, level) {
  return Object.entries(view.rules)
    .filter(([, r]) => r.level === level)
    .map(([id, r]) => ({ id, ...r }))
    .sort((a, b) => a.seq - b.seq);
}

/** The ranking of priorities of a level (dots must be revealed). */
export function priorities(view, level, { limit = Infinity, focus = null } = {}) {
  const items = rankedStatements(view, level).slice(0, limit);
  const max = Math.max(1, ...items.map((st) => st.dots || 0));
  const list = h('ol', { class: 'ranking' });
  for (const st of items) {
    const n = st.dots || 0;
    list.append(h('li', { class: ['rank', st.id === focus && 'focused'], 'data-id': st.id },
      h('p', { class: 'rank-text user-text', text: st.text }),
      h('div', { class: 'rank-bar' }, bar(n / max, 'dots', t('dots.count', { n })), h('span', { class: 'rank-count', text: t('dots.count', { n }) }))));
  }
  return h('section', { class: 'results priorities', 'aria-label': t('results.priorities', { level: levelName(level) }) },
    h('h2', { text: t('results.priorities', { level: levelName(level) }) }), list);
}

/** The largest gap among the revealed rules of a level (or 0). */
export function maxGap(rules) {
  return Math.max(0, ...rules.map((r) => (r.support && r.support.gap) || 0));
}

/** Support of one rule: overall and per group, side by side; `marked` for the largest gap. */
export function supportChart(view, rule, marked) {
  const sup = rule.support;
  const rows = [{ key: 'overall', label: t('results.overall'), share: sup.overall }];
  for (const g of view.session.groups) rows.push({ key: `group-${g === 'ict' || g === 'business' ? g : 'other'}`, label: groupName(g), share: sup.by_group[g] });
  const dl = h('dl', { class: 'support' });
  for (const row of rows) {
    const text = row.share === null || row.share === undefined ? t('results.no_ratings') : t('results.share', { share: percent(row.share) });
    dl.append(h('div', { class: 'support-row' },
      h('dt', { text: row.label }),
      h('dd', {}, bar(row.share, row.key, `${row.label}: ${text}`), h('span', { class: 'support-value', text: percent(row.share) }))));
  }
  return h('div', { class: ['support-chart', marked && 'gap'] },
    marked ? h('p', { class: 'gap-badge', text: t('results.gap') }) : null, dl);
}

/** The support of every rule of a level (ratings must be revealed). */
export function supportResults(view, level, { focus = null } = {}) {
  const rules = levelRules(view, level).filter((r) => r.support);
  const gap = maxGap(rules);
  const list = h('ol', { class: 'support-list' });
  for (const r of rules) {
    const marked = gap > 0 && (r.support.gap || 0) >= gap - 1e-9;
    list.append(h('li', { class: ['support-item', r.id === focus && 'focused'], 'data-id': r.id },
      h('p', { class: 'user-text rule-text', text: r.text }), supportChart(view, r, marked)));
  }
  return h('section', { class: 'results supports', 'aria-label': t('results.support', { level: levelName(level) }) },
    h('h2', { text: t('results.support', { level: levelName(level) }) }), list);
}

/** Everything revealed so far, level by level (the summary). */
export function allResults(view, opts = {}) {
  const out = [];
  for (const level of ['richten', 'inrichten', 'verrichten']) {
    const p = view.progress[level];
    if (!p) continue;
    if (p.dots_revealed) out.push(priorities(view, level, { limit: 5, ...opts }));
    if (p.ratings_revealed) out.push(supportResults(view, level, opts));
  }
  return out;
}
