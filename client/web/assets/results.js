//! Results as SVG bars: per level the priorities ranked by dots (clusters count as one
//! priority), per rule the support overall and per group with the gap between the groups,
//! earlier rating rounds next to the current one, the reasons given with low ratings (never with
//! a name), and for a follow-up session the support then next to the review now.
//!
//! Bars are SVG (scalable, crisp on a projector, no images); the texts next to them are HTML so
//! they wrap on a phone and follow the reader's font size. Every chart has a text equivalent
//! (the numbers are printed, and each SVG has an accessible name).

import { h, s } from './dom.js';
import { t, lang, loc, groupName, levelName, percent } from './i18n.js';
import { limit } from './limits.js';

/** A gap between two shares, in percentage points ("30 procentpunten"). */
function points(gap) {
  return t('results.points', { n: Math.round(gap * 100) });
}


function bar(share, cls, label) {
  const w = Math.max(0, Math.min(1, share || 0)) * 100;
  return s('svg', { class: `chart-bar ${cls}`, viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img', 'aria-label': label, focusable: 'false' },
    s('rect', { class: 'bar-track', x: 0, y: 0, width: 100, height: 10 }),
    s('rect', { class: 'bar-fill', x: 0, y: 0, width: w.toFixed(2), height: 10 }));
}

/**
 * The colour class of a group (`group-0` … `group-3`, the four group colours of style.css): ICT
 * is always the first colour and business the second, whatever their place in the list, so the
 * app and the reports never show them the other way round; groups named by the facilitator take
 * the colours left, in the session's order. The reports use the same rule (`group_colour`).
 */
export function groupColour(groups, g) {
  const fixed = ['ict', 'business'];
  if (fixed.includes(g)) return fixed.indexOf(g);
  const free = [0, 1, 2, 3].filter((i) => !(i < fixed.length && groups.includes(fixed[i])));
  const mine = groups.filter((x) => !fixed.includes(x)).indexOf(g);
  return mine >= 0 && mine < free.length ? free[mine] : null;
}

function groupKey(view, g) {
  const i = groupColour(view.session.groups, g);
  return i === null ? 'group-other' : `group-${i}`;
}

/** Statements of `level` that are visible, sorted by dots (when revealed) then by seq. */
export function rankedStatements(view, level) {
  return Object.entries(view.statements)
    .filter(([, st]) => st.level === level && !st.hidden)
    .map(([id, st]) => ({ id, ...st }))
    .sort((a, b) => (b.dots || 0) - (a.dots || 0) || a.seq - b.seq);
}

/** Clusters of `level`, in creation order. */
export function levelClusters(view, level) {
  return Object.entries(view.clusters || {})
    .filter(([, c]) => c.level === level)
    .map(([id, c]) => ({ id, ...c }))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * The priorities of a level: every cluster and every statement outside a cluster, each with
 * `text` (a cluster's title), `dots` once revealed, and for a cluster `members` (its visible
 * statements). Sorted by dots, then clusters first, then creation order.
 */
export function priorityItems(view, level) {
  const clusters = levelClusters(view, level).map((c) => ({
    ...c,
    cluster: true,
    text: c.title,
    members: c.statements.map((id) => view.statements[id] && { id, ...view.statements[id] }).filter((st) => st && !st.hidden),
  }));
  const loose = rankedStatements(view, level).filter((st) => !st.cluster || !(view.clusters || {})[st.cluster]);
  return [...clusters, ...loose].sort((a, b) => (b.dots || 0) - (a.dots || 0) || (b.cluster ? 1 : 0) - (a.cluster ? 1 : 0) || a.seq - b.seq);
}

/** The text of a priority (statement or cluster id), or null. */
export function priorityText(view, id) {
  const c = (view.clusters || {})[id];
  if (c) return c.title;
  const st = view.statements[id];
  return st ? st.text : null;
}

/** Rules of `level`, sorted by seq. */
export function levelRules(view, level) {
  return Object.entries(view.rules)
    .filter(([, r]) => r.level === level)
    .map(([id, r]) => ({ id, ...r }))
    .sort((a, b) => a.seq - b.seq);
}

/** Rules carried over from an earlier session (a follow-up's review), in level then seq order. */
export function carriedRules(view) {
  const order = ['richten', 'inrichten', 'verrichten'];
  return Object.entries(view.rules)
    .filter(([, r]) => r.support_then || r.reviewers !== undefined)
    .map(([id, r]) => ({ id, ...r }))
    .sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level) || a.seq - b.seq);
}

/**
 * Rank numbers for items sorted by dots, ties as ties: equal dots share a place, and the next
 * place counts the items before it (1, 2, 2, 4). Returns `[{place, tied}]` in the same order.
 */
export function places(items) {
  const out = [];
  items.forEach((it, i) => {
    const n = it.dots || 0;
    const place = i > 0 && (items[i - 1].dots || 0) === n ? out[i - 1].place : i + 1;
    out.push({ place, tied: items.filter((x) => (x.dots || 0) === n).length > 1 });
  });
  return out;
}

/**
 * Dots per group for one priority: does each side of the room prioritise the same things? Each
 * bar is scaled to the largest total, so a group's bar shows its part of the whole.
 */
function dotsByGroup(view, item, max) {
  const by = item.dots_by_group;
  if (!by) return null;
  const dl = h('dl', { class: 'support rank-groups', 'data-testid': 'rank-groups' });
  for (const g of view.session.groups) {
    const n = by[g] || 0;
    const text = t('dots.count', { n });
    dl.append(h('div', { class: 'support-row' }, h('dt', { text: groupName(g) }),
      h('dd', {}, bar(n / max, groupKey(view, g), `${groupName(g)}: ${text}`), h('span', { class: 'rank-count', text }))));
  }
  return dl;
}

/**
 * The ranking of priorities of a level (dots must be revealed), with rank numbers; it reads in
 * rows (on the projector a grid, left to right, then down), never down columns. `byGroup` adds the
 * dots per group under each priority (the console).
 */
export function priorities(view, level, { limit = Infinity, focus = null, byGroup = false } = {}) {
  const all = priorityItems(view, level);
  const ranks = places(all);
  const items = all.slice(0, limit);
  const max = Math.max(1, ...items.map((st) => st.dots || 0));
  const list = h('ol', { class: 'ranking' });
  for (const [i, st] of items.entries()) {
    const n = st.dots || 0;
    const { place, tied } = ranks[i];
    list.append(h('li', { class: ['rank', st.cluster && 'rank-cluster', st.id === focus && 'focused'], 'data-id': st.id, 'data-place': place },
      h('p', { class: 'rank-place', 'data-testid': 'rank-place', text: `${place}` }),
      h('p', { class: 'rank-text user-text', text: st.text }),
      st.cluster ? h('p', { class: 'meta', text: t('cluster.count', { n: st.members.length }) }) : null,
      h('div', { class: 'rank-bar' }, bar(n / max, 'dots', t('dots.count', { n })),
        h('span', { class: 'rank-count', text: t('dots.count', { n }) }),
        tied ? h('span', { class: 'rank-tie', 'data-testid': 'rank-tie', text: t('rank.tied') }) : null),
      byGroup ? dotsByGroup(view, st, max) : null));
  }
  return h('section', { class: 'results priorities', 'aria-label': t('results.priorities', { level: levelName(level) }) },
    h('h2', { text: t('results.priorities', { level: levelName(level) }) }), list);
}

/** The largest gap among the revealed rules of a level (or 0). */
export function maxGap(rules) {
  return Math.max(0, ...rules.map((r) => (r.support && r.support.gap) || 0));
}

/** The status badge of a rule (nothing while it is only proposed). */
export function statusBadge(rule) {
  if (!rule.status || rule.status === 'proposed') return null;
  // Adopted without any rating: the record says so wherever the decision is shown (a large gap
  // has its own mark next to the support).
  const text = rule.confirmed === 'no_ratings' ? `${t(`rule.status.${rule.status}`)} · ${t('rule.unrated')}` : t(`rule.status.${rule.status}`);
  return h('span', { class: `status-badge status-${rule.status}`, 'data-testid': 'rule-status', text });
}

/** Adopted although the groups differ a lot: the report marks it, so do we. */
export function adoptedWithGap(rule) {
  return rule.status === 'adopted' && rule.support && (rule.support.gap || 0) >= limit('large_gap') - 1e-9;
}

/** How many rated 4 or 5, and how many rated at all, from a histogram of scores 1–5. */
function counted(histogram) {
  if (!histogram) return null;
  return { yes: (histogram[3] || 0) + (histogram[4] || 0), n: histogram.reduce((a, b) => a + b, 0) };
}

/**
 * The count behind a share: "(2 van 2)". Overall with equal group weight the share is the mean
 * of the groups', not a count: then only how many rated.
 */
function countText(c, mean = false) {
  if (!c || c.n === 0) return '';
  return mean ? t('results.count.raters', { n: c.n }) : t('results.count', { yes: c.yes, n: c.n });
}

function supportRows(view, sup, keyPrefix = '') {
  const byGroup = sup.histogram_by_group || {};
  const rows = [{ key: 'overall', label: t('results.overall'), share: sup.overall, count: counted(sup.histogram), mean: !!sup.equal_group_weight }];
  for (const g of view.session.groups) rows.push({ key: groupKey(view, g), label: groupName(g), share: sup.by_group[g], count: counted(byGroup[g]) });
  const dl = h('dl', { class: 'support' });
  for (const row of rows) {
    const count = countText(row.count, row.mean);
    const text = row.share === null || row.share === undefined ? t('results.no_ratings') : `${t('results.share', { share: percent(row.share) })} ${count}`.trim();
    dl.append(h('div', { class: 'support-row' },
      h('dt', { text: row.label }),
      h('dd', {}, bar(row.share, row.key, `${keyPrefix}${row.label}: ${text}`),
        h('span', { class: 'support-value', text: percent(row.share) }),
        count ? h('span', { class: 'support-count', 'data-testid': 'support-count', text: count }) : null)));
  }
  return dl;
}

/** Support in one line of text: "Support: everyone 75 % (3 of 4) · ICT 100 % (2 of 2) · …". */
export function supportLine(view, sup) {
  const byGroup = sup.histogram_by_group || {};
  const part = (label, share, c, mean) => `${label} ${percent(share)} ${countText(c, mean)}`.trim();
  return t('results.line', { parts: [part(t('results.overall'), sup.overall, counted(sup.histogram), !!sup.equal_group_weight),
    ...view.session.groups.map((g) => part(groupName(g), sup.by_group[g], counted(byGroup[g]), false))].join(' · ') });
}

/**
 * The spread of the scores (1–5) overall and per group, as a small table: how far apart people
 * are, not only how many agree. Shown where there is room to read it (the console).
 */
function spreadTable(view, sup) {
  const byGroup = sup.histogram_by_group || {};
  const rows = [{ label: t('results.overall'), hist: sup.histogram }];
  for (const g of view.session.groups) if (byGroup[g]) rows.push({ label: groupName(g), hist: byGroup[g] });
  const id = `spread-${++spreadIds}`;
  const table = h('table', { class: 'spread', 'data-testid': 'spread', 'aria-labelledby': id },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('results.spread.group') }),
      ...[1, 2, 3, 4, 5].map((n) => h('th', { scope: 'col', text: `${n}` })))));
  const body = h('tbody');
  for (const r of rows) {
    body.append(h('tr', {}, h('th', { scope: 'row', text: r.label }),
      ...r.hist.map((n, i) => h('td', { class: [n === 0 && 'zero', i >= 3 && 'agree'], text: `${n}` }))));
  }
  table.append(body);
  // The heading sits above the table (a caption would be as narrow as the table).
  return h('div', { class: 'spread-box' }, h('p', { id, class: 'spread-h', text: t('results.spread') }), table);
}

let spreadIds = 0;

/** One line per earlier round: "Round 1: everyone 40 % · ICT 50 % · Business 20 %". */
function earlierRounds(view, rule) {
  if (!rule.earlier_rounds || !rule.earlier_rounds.length) return null;
  const list = h('ul', { class: 'rounds', 'data-testid': 'earlier-rounds' });
  rule.earlier_rounds.forEach((sup, i) => {
    const parts = [`${t('results.overall')} ${percent(sup.overall)}`, ...view.session.groups.map((g) => `${groupName(g)} ${percent(sup.by_group[g])}`)];
    if (sup.gap !== null && sup.gap !== undefined) parts.push(t('results.gap.value', { gap: points(sup.gap) }));
    // The text as it was rated in that round, when it was worded differently then.
    const then = (rule.earlier_texts || [])[i];
    list.append(h('li', {}, h('span', { class: 'round-name', text: t('rule.round.n', { n: i + 1 }) }), ' ', parts.join(' · '),
      then !== undefined && then !== rule.text ? h('span', { class: 'round-text user-text', text: ` — ${t('rule.earlier.text', { n: i + 1, text: then })}` }) : null));
  });
  return h('div', { class: 'rounds-box' }, h('p', { class: 'rounds-h', text: t('results.rounds.earlier') }), list);
}

/** Reasons given with ratings of 1 or 2, without names. */
export function reasonsList(rule) {
  if (!rule.reasons || !rule.reasons.length) return null;
  return h('div', { class: 'reasons' },
    h('p', { class: 'reasons-h', text: t('results.reasons') }),
    h('ul', { class: 'reason-list', 'data-testid': 'reasons' }, ...rule.reasons.map((r) => h('li', { class: 'user-text', text: r }))));
}

/**
 * Support of one rule: overall and per group, side by side; `marked` for the largest gap; the
 * gap in numbers; earlier rounds; reasons; a note when each group weighs equally.
 */
export function supportChart(view, rule, marked, { weightNote = true, spread = false, brief = false } = {}) {
  const sup = rule.support;
  const warn = adoptedWithGap(rule);
  const gapText = sup.gap !== null && sup.gap !== undefined ? t('results.gap.value', { gap: points(sup.gap) }) : null;
  // `brief` (the projector's summary): the support rows and the warning only; the gap, earlier
  // rounds and reasons were on the screen of their level, and would make the summary small.
  return h('div', { class: ['support-chart', marked && !brief && 'gap', warn && 'adopted-gap'] },
    marked && !brief ? h('p', { class: 'gap-badge', text: t('results.gap') }) : null,
    warn ? h('p', { class: 'warn-badge', 'data-testid': 'adopted-gap', text: t('results.adopted_gap') }) : null,
    rule.round > 1 && !brief ? h('p', { class: 'round-now', text: t('rule.round.n', { n: rule.round }) }) : null,
    supportRows(view, sup),
    spread ? spreadTable(view, sup) : null,
    gapText && !brief ? h('p', { class: 'gap-value', text: gapText }) : null,
    sup.equal_group_weight && weightNote ? h('p', { class: 'hint weight-note', text: t('results.equal_weight') }) : null,
    brief ? null : earlierRounds(view, rule),
    brief ? null : reasonsList(rule));
}

/**
 * A rule sent back and being rated again: its new round is still secret, so it shows the
 * earlier rounds and says so (it must not vanish from the screen until new ratings come in).
 */
function beingRatedAgain(view, rule) {
  return h('div', { class: 'support-chart rerating', 'data-testid': 'rerating' },
    h('p', { class: 'round-now', text: `${t('rule.round.n', { n: rule.round })} · ${t('results.rerating')}` }),
    earlierRounds(view, rule));
}

/** The support of every rule of a level (ratings must be revealed). */
export function supportResults(view, level, { focus = null, weightNote = true, spread = false, brief = false } = {}) {
  const rules = levelRules(view, level).filter((r) => r.support || (r.earlier_rounds && r.earlier_rounds.length));
  const gap = maxGap(rules);
  const list = h('ol', { class: 'support-list' });
  for (const r of rules) {
    const marked = r.support && gap > 0 && (r.support.gap || 0) >= gap - 1e-9;
    list.append(h('li', { class: ['support-item', r.id === focus && 'focused'], 'data-id': r.id },
      h('p', { class: 'user-text rule-text', text: r.text }, ' ', statusBadge(r)),
      r.support ? supportChart(view, r, marked, { weightNote, spread, brief }) : beingRatedAgain(view, r)));
  }
  return h('section', { class: 'results supports', 'aria-label': t('results.support', { level: levelName(level) }) },
    h('h2', { text: t('results.support', { level: levelName(level) }) }), list);
}

function answersLine(counts) {
  const c = counts || { yes: 0, partly: 0, no: 0 };
  return ['yes', 'partly', 'no'].map((a) => `${t(`answer.${a}`)} ${c[a]}`).join(' · ');
}

function answerBar(counts, label) {
  const c = counts || { yes: 0, partly: 0, no: 0 };
  const total = c.yes + c.partly + c.no;
  const w = (n) => (total ? (n / total) * 100 : 0);
  let x = 0;
  const parts = [];
  for (const a of ['yes', 'partly', 'no']) {
    parts.push(s('rect', { class: `answer-${a}`, x: x.toFixed(2), y: 0, width: w(c[a]).toFixed(2), height: 10 }));
    x += w(c[a]);
  }
  return s('svg', { class: 'chart-bar answers', viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img', 'aria-label': `${label}: ${answersLine(c)}`, focusable: 'false' },
    s('rect', { class: 'bar-track', x: 0, y: 0, width: 100, height: 10 }), ...parts);
}

/**
 * Then and now for a rule carried over into a follow-up session, per group: the support it had
 * then, and now (once revealed) how many say it is applied and still right.
 */
export function thenNow(view, rule) {
  const table = h('table', { class: 'then-now', 'data-testid': 'then-now' },
    h('caption', { class: 'visually-hidden', text: t('review.then_now', { rule: rule.text }) }),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: t('review.group') }),
      h('th', { scope: 'col', text: t('review.then') }),
      h('th', { scope: 'col', text: t('review.applied') }),
      h('th', { scope: 'col', text: t('review.still_right') }))));
  const body = h('tbody');
  const then = rule.support_then;
  const rev = rule.review;
  const rows = [{ label: t('results.overall'), then: then && then.overall, applied: rev && rev.applied, right: rev && rev.still_right }];
  for (const g of view.session.groups) {
    rows.push({ label: groupName(g), then: then && then.by_group[g], applied: rev && rev.applied_by_group[g], right: rev && rev.still_right_by_group[g] });
  }
  for (const r of rows) {
    body.append(h('tr', {},
      h('th', { scope: 'row', text: r.label }),
      h('td', { text: then ? percent(r.then) : '–' }),
      h('td', {}, rev ? answerBar(r.applied, `${r.label}, ${t('review.applied')}`) : null, h('span', { class: 'answers-text', text: rev ? answersLine(r.applied) : t('review.hidden') })),
      h('td', {}, rev ? answerBar(r.right, `${r.label}, ${t('review.still_right')}`) : null, h('span', { class: 'answers-text', text: rev ? answersLine(r.right) : t('review.hidden') }))));
  }
  table.append(body);
  // It may scroll sideways on a narrow screen: then it must be reachable with the keyboard.
  return h('div', { class: 'then-now-box', tabindex: '0', role: 'region', 'aria-label': t('review.then_now', { rule: rule.text }) }, table);
}

/** The review of every carried rule, then next to now. */
export function reviewResults(view, { focus = null } = {}) {
  const rules = carriedRules(view);
  if (!rules.length) return null;
  const list = h('ol', { class: 'support-list review-list' });
  for (const r of rules) {
    list.append(h('li', { class: ['support-item', r.id === focus && 'focused'], 'data-id': r.id },
      h('p', { class: 'user-text rule-text', text: r.text }), thenNow(view, r)));
  }
  const title = view.follows ? t('review.results.of', { title: view.follows.title }) : t('review.results');
  return h('section', { class: 'results reviews', 'aria-label': title }, h('h2', { text: title }), list);
}

/** A mean score of the assessment (1 to 5) with one decimal, in the app's language. */
export function score(mean) {
  if (mean === null || mean === undefined) return '–';
  return new Intl.NumberFormat(lang(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(mean);
}

/**
 * The maturity self-assessment once revealed: per dimension the mean score (out of 5) overall and
 * per group as bars, the largest difference between two groups and the "don't know" answers.
 */
export function assessmentResults(view) {
  const a = view.assessment;
  if (!a || !a.results) return null;
  const list = h('ol', { class: 'support-list assessment-results', 'data-testid': 'assessment-results' });
  a.dimensions.forEach((d, i) => {
    const r = a.results[i];
    if (!r) return;
    // In a follow-up, the earlier session's mean first: then, and now below it.
    const then = a.then ? a.then.find((x) => x.id === d.id) : null;
    const rows = then ? [{ key: 'then', label: t('assessment.then'), mean: then.overall }] : [];
    rows.push({ key: 'overall', label: then ? t('assessment.now') : t('results.overall'), mean: r.overall });
    for (const g of view.session.groups) rows.push({ key: groupKey(view, g), label: groupName(g), mean: r.by_group[g] });
    const dl = h('dl', { class: 'support' });
    for (const row of rows) {
      const text = row.mean === null || row.mean === undefined ? t('assessment.no_scores') : t('assessment.mean', { score: score(row.mean) });
      dl.append(h('div', { class: 'support-row' }, h('dt', { text: row.label }),
        h('dd', {}, bar(row.mean === null || row.mean === undefined ? null : row.mean / 5, row.key, `${row.label}: ${text}`),
          h('span', { class: 'support-value', text: score(row.mean) }))));
    }
    const notes = [];
    if (r.gap !== null && r.gap !== undefined) notes.push(t('assessment.gap', { gap: score(r.gap) }));
    if (r.dont_know) notes.push(t('assessment.dont_know_count', { n: r.dont_know }));
    if (then) {
      const groups = view.session.groups.filter((g) => then.by_group[g] !== undefined && then.by_group[g] !== null);
      if (groups.length) notes.push(`${t('assessment.then')}: ${groups.map((g) => `${groupName(g)} ${score(then.by_group[g])}`).join(', ')}`);
    }
    list.append(h('li', { class: 'support-item', 'data-id': d.id },
      h('h3', { class: 'dimension-title', text: loc(d.title) }), dl,
      notes.length ? h('p', { class: 'hint', text: notes.join(' · ') }) : null));
  });
  const title = t('assessment.results');
  return h('section', { class: 'results assessment', 'aria-label': title }, h('h2', { text: title }),
    h('p', { class: 'hint', text: t('assessment.scale') }), list);
}

/** Everything revealed so far, level by level (the summary), and the review of a follow-up. */
export function allResults(view, opts = {}) {
  const out = [];
  const assessment = assessmentResults(view);
  if (assessment) out.push(assessment);
  const review = carriedRules(view).length ? reviewResults(view, opts) : null;
  if (review) out.push(review);
  for (const level of ['richten', 'inrichten', 'verrichten']) {
    const p = view.progress[level];
    if (!p) continue;
    if (p.dots_revealed) out.push(priorities(view, level, { limit: 5, ...opts }));
    if (p.ratings_revealed) out.push(supportResults(view, level, opts));
  }
  return out;
}
