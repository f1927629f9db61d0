//! The clustering board, shared by the participant view and the facilitator console: the
//! clusters of a level with their statements, and the statements left alone. Whoever may
//! cluster (the facilitator always, participants while the facilitator has opened clustering)
//! ticks statements and merges them under a title, adds them to a cluster, takes one out,
//! renames or dissolves a cluster.
//!
//! The selection is local to the page; everything else comes from the view. Lists are updated
//! by key, so someone typing a title keeps focus and caret while others cluster.

import { h, reconcile, setText, setAttr, cls, uid } from './dom.js';
import { t } from './i18n.js';
import { levelClusters, rankedStatements } from './results.js';
import { limit } from './limits.js';

/** A button whose action is skipped while it is `aria-disabled` (it stays focusable). */
function button(text, onclick, extra = {}) {
  const b = h('button', { type: 'button', class: 'secondary small', text, ...extra });
  b.addEventListener('click', () => {
    if (b.getAttribute('aria-disabled') !== 'true') onclick();
  });
  return b;
}

/**
 * `send(intent)` sends an intent; `canEdit(view)` says whether this person may cluster now.
 * Returns `{el, update(level)}`.
 */
export function clusterBoard(store, send, { canEdit, toast }) {
  const selected = new Set();
  const base = uid('cl');
  const closedHint = h('p', { class: 'hint cluster-closed', role: 'status', 'data-testid': 'clustering-closed', text: t('cluster.closed') });
  const count = h('p', { class: 'cluster-selected', 'aria-live': 'polite' });
  // What happened to ticked statements that someone else merged first.
  const takenNote = h('p', { class: 'notice-line', role: 'status', 'data-testid': 'cluster-taken', hidden: true });
  let lastTaken = null;
  const titleId = `${base}-title`;
  const titleInput = h('input', { id: titleId, maxlength: limit('max_cluster_title_chars'), autocomplete: 'off', 'data-testid': 'cluster-title' });
  const merge = h('button', { type: 'submit', class: 'primary', text: t('cluster.merge') });
  const form = h('form', { class: 'add-form cluster-form', 'data-testid': 'cluster-form' },
    h('p', { class: 'hint', text: t('cluster.how') }), takenNote, count,
    h('label', { for: titleId, text: t('cluster.title') }), titleInput, merge);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = Array.from(selected);
    const title = titleInput.value.trim();
    if (ids.length < 2) {
      toast && toast.show(lastTaken ? t('cluster.taken', { title: lastTaken.join('”, “') }) : t('cluster.need_two'));
      return;
    }
    if (!title) {
      toast && toast.show(t('error.empty_text'));
      titleInput.focus();
      return;
    }
    send({ kind: 'create_cluster', statements: ids, title });
    lastTaken = null;
    takenNote.hidden = true;
    selected.clear();
    titleInput.value = '';
    update(current);
  });
  const clusters = h('ul', { class: 'items clusters', 'data-testid': 'clusters' });
  const clustersH = h('h2', { text: t('cluster.list') });
  const clustersNone = h('p', { class: 'hint', text: t('cluster.none') });
  const loose = h('ul', { class: 'items loose', 'data-testid': 'loose-statements' });
  const looseH = h('h2', { text: t('cluster.loose') });
  // The merge form comes after the statements (tick, then name), and stays in sight at the
  // bottom of a phone's screen once something is ticked.
  const el = h('div', { class: 'cluster-board' }, closedHint, clustersH, clusters, clustersNone, looseH, loose, form);
  let current = null;

  function update(level) {
    current = level;
    const { view } = store;
    const edit = canEdit(view);
    closedHint.hidden = edit;
    form.hidden = !edit;
    const cs = levelClusters(view, level);
    const sts = rankedStatements(view, level).sort((a, b) => a.seq - b.seq);
    const free = sts.filter((st) => !st.cluster || !view.clusters[st.cluster]);
    // Ticked statements that someone else merged meanwhile: say so, instead of letting the
    // ticks vanish (and a merge then fail with "choose at least two").
    const taken = new Map();
    for (const id of Array.from(selected)) {
      if (free.some((st) => st.id === id)) continue;
      selected.delete(id);
      const c = view.statements[id] && view.clusters[view.statements[id].cluster];
      if (c) taken.set(c.title, (taken.get(c.title) || 0) + 1);
    }
    if (taken.size) {
      const titles = Array.from(taken.keys());
      lastTaken = titles;
      setText(takenNote, t('cluster.taken', { title: titles.join('”, “') }));
      takenNote.hidden = false;
    } else if (selected.size) {
      takenNote.hidden = true;
    }
    setText(count, t('cluster.selected', { n: selected.size }));
    setAttr(merge, 'aria-disabled', selected.size < 2 ? 'true' : null);
    cls(form, 'has-selection', selected.size > 0);

    reconcile(clusters, cs, (c) => c.id, (c) => {
      const titleEl = h('h3', { class: 'cluster-title user-text' });
      const meta = h('p', { class: 'meta' });
      const members = h('ul', { class: 'members' });
      const renameId = `${base}-rename-${c.id}`;
      const rename = h('input', { id: renameId, maxlength: limit('max_cluster_title_chars'), autocomplete: 'off' });
      const renameForm = h('form', { class: 'rename-form' },
        h('label', { for: renameId, class: 'small-label', text: t('cluster.rename.label') }), rename,
        h('button', { type: 'submit', class: 'secondary small', text: t('cluster.rename') }));
      renameForm.addEventListener('submit', (e) => {
        e.preventDefault();
        const title = rename.value.trim();
        if (!title) return;
        send({ kind: 'rename_cluster', cluster: c.id, title });
        rename.value = '';
      });
      const addHere = button('', () => {
        send({ kind: 'add_to_cluster', cluster: c.id, statements: Array.from(selected) });
        selected.clear();
        update(current);
      }, { 'data-action': 'add-here' });
      const dissolve = button(t('cluster.dissolve'), () => send({ kind: 'dissolve_cluster', cluster: c.id }), { class: 'secondary small danger', 'data-action': 'dissolve' });
      const tools = h('div', { class: 'cluster-tools' }, renameForm, h('div', { class: 'item-actions' }, addHere, dissolve));
      return h('li', { class: 'item cluster-card' }, titleEl, meta, members, tools, h('span', { class: 'focus-badge', text: t('focus') }));
    }, (li, c) => {
      setText(li.querySelector('.cluster-title'), c.title);
      const ms = c.statements.map((id) => view.statements[id] && { id, ...view.statements[id] }).filter((st) => st && !st.hidden);
      setText(li.querySelector('.meta'), [t('cluster.count', { n: ms.length }), c.dots !== undefined ? t('dots.count', { n: c.dots }) : null].filter(Boolean).join(' · '));
      li.querySelector('.cluster-tools').hidden = !edit;
      const addHere = li.querySelector('[data-action=add-here]');
      addHere.hidden = selected.size === 0;
      setText(addHere, t('cluster.add_here', { n: selected.size }));
      setAttr(li.querySelector('[data-action=dissolve]'), 'aria-label', t('cluster.dissolve.label', { title: c.title }));
      cls(li, 'focused', view.focus === c.id);
      reconcile(li.querySelector('.members'), ms, (st) => st.id, (st) => {
        const out = button(t('cluster.take_out'), () => send({ kind: 'remove_from_cluster', statement: st.id }), { 'data-action': 'take-out' });
        return h('li', { class: 'member' }, h('span', { class: 'user-text' }), out);
      }, (mli, st) => {
        setText(mli.querySelector('.user-text'), st.text);
        const out = mli.querySelector('[data-action=take-out]');
        out.hidden = !edit;
        setAttr(out, 'aria-label', t('cluster.take_out.label', { text: st.text }));
      });
    });
    clustersNone.hidden = cs.length > 0;

    reconcile(loose, free, (st) => st.id, (st) => {
      const id = `${base}-pick-${st.id}`;
      const box = h('input', { type: 'checkbox', id, class: 'pick-box' });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(st.id);
        else selected.delete(st.id);
        update(current);
      });
      return h('li', { class: 'item loose-item' },
        h('label', { for: id, class: 'pick' }, box, h('span', { class: 'user-text' })),
        h('p', { class: 'user-text plain' }),
        h('span', { class: 'focus-badge', text: t('focus') }));
    }, (li, st) => {
      li.querySelector('.pick').hidden = !edit;
      li.querySelector('.plain').hidden = edit;
      setText(li.querySelector('.pick .user-text'), st.text);
      setText(li.querySelector('.plain'), st.text);
      const box = li.querySelector('.pick-box');
      if (box.checked !== selected.has(st.id)) box.checked = selected.has(st.id);
      cls(li, 'picked', selected.has(st.id));
      cls(li, 'focused', view.focus === st.id);
    });
    looseH.hidden = free.length === 0 && cs.length > 0;
  }
  return { el, update };
}
