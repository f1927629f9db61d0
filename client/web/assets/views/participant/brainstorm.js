//! The participant's brainstorm phase: a box for a new statement, the person's own statements
//! (co-edited text fields; own statements the facilitator hid stay visible to their author,
//! marked as hidden; additions still queued show as "waiting to be sent"), and the others'.

import { h, reconcile, setText, setAttr, cls } from '../../dom.js';
import { t } from '../../i18n.js';
import { rankedStatements } from '../../results.js';
import { draftBox, focusBadge } from './common.js';

/** A brainstorm of `level`: a box for a new statement, one's own (editable) and the others'. */
export function brainstorm(ctx, level) {
  const { store, conn, fields, unsentOf } = ctx;
  const add = draftBox(ctx, 'statement', level, t('statement.new'), t('statement.add'), 'add_statement');
  const mine = h('ul', { class: 'items mine', 'data-testid': 'my-statements' });
  const others = h('ul', { class: 'items others', 'data-testid': 'other-statements' });
  const othersNone = h('p', { class: 'hint', text: t('statement.none') });
  const el = h('div', { class: 'phase-body' }, add.el,
    h('h2', { text: t('statement.mine') }), mine,
    h('h2', { text: t('statement.others') }), others, othersNone);
  const update = () => {
    const { view, me } = store;
    add.update(view.locked);
    const ownSeen = ctx.ownSeen();
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
