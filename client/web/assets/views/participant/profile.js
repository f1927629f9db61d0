//! The participant's "change name / group" form (`set_name`, `set_group`), kept across phases.

import { h, replace, setText, setAttr } from '../../dom.js';
import { t, lang, groupName } from '../../i18n.js';
import { limit } from '../../limits.js';

/**
 * "Change name / group": a small form, closed by default, kept across phases (it lives outside
 * the phase section). A new name counts at once; a new group too until voting has begun, after
 * that it waits for the facilitator (`me.pending_group`), which the box says.
 */
export function profileBox(ctx) {
  const { store, conn } = ctx;
  const summary = h('summary', { 'data-testid': 'profile-open' });
  const nameLabel = h('label', { for: 'profile-name' });
  const nameInput = h('input', { id: 'profile-name', type: 'text', maxlength: limit('max_name_chars'), autocomplete: 'name', 'data-testid': 'profile-name' });
  const groupLabel = h('label', { for: 'profile-group' });
  const groupSelect = h('select', { id: 'profile-group', 'data-testid': 'profile-group' });
  const note = h('p', { class: 'hint', id: 'profile-note' });
  setAttr(groupSelect, 'aria-describedby', 'profile-note');
  const save = h('button', { type: 'submit', 'data-testid': 'profile-save' });
  const form = h('form', { class: 'profile-form' },
    h('div', { class: 'field' }, nameLabel, nameInput),
    h('div', { class: 'field' }, groupLabel, groupSelect, note), save);
  const pending = h('p', { class: 'pending-note', role: 'status', 'data-testid': 'profile-pending' });
  const details = h('details', { class: 'profile-box' }, summary, form);
  const el = h('section', { class: 'profile', 'data-testid': 'profile' }, pending, details);
  let groupsSig = '';
  const fill = () => {
    nameInput.value = store.me.name;
    groupSelect.value = store.me.pending_group || store.me.group;
  };
  details.addEventListener('toggle', () => {
    if (details.open && store.me) fill();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { me } = store;
    if (!me) return;
    const name = nameInput.value.trim();
    if (name && name !== me.name) conn.intent({ kind: 'set_name', name });
    const group = groupSelect.value;
    if (group && group !== (me.pending_group || me.group)) conn.intent({ kind: 'set_group', group });
    details.open = false;
    summary.focus();
  });
  const update = () => {
    const { view, me } = store;
    el.hidden = !!view.closed;
    setText(summary, t('profile.open'));
    setText(nameLabel, t('profile.name'));
    setText(groupLabel, t('profile.group'));
    setText(note, t('profile.note'));
    setText(save, t('profile.save'));
    const sig = JSON.stringify([lang(), view.session.groups]);
    if (sig !== groupsSig) {
      groupsSig = sig;
      const chosen = groupSelect.value;
      replace(groupSelect, ...view.session.groups.map((g) => h('option', { value: g, text: groupName(g) })));
      if (chosen) groupSelect.value = chosen;
    }
    pending.hidden = !me.pending_group;
    setText(pending, me.pending_group ? t('profile.pending', { group: groupName(me.pending_group) }) : '');
  };
  return { el, update };
}
