//! What the participant's phase modules share: the context they get from views/participant.js,
//! the box for a new statement or rule, and the focus mark.
//!
//! The context `ctx` of a phase body: `store`, `conn`, `code` (the join code), `toast`, `fields`
//! (the page's collaborative text fields), `unsentOf(kind)` (queued intents of a kind not yet
//! sent) and `ownSeen()` (the author's own statements the facilitator hid, with their last known
//! text and level). Every phase body is `{el, update(), restore?(intent, meta)}`: `restore` puts
//! a refused typed text back into its box and says whether it could.

import { h, setText, setAttr } from '../../dom.js';
import { t } from '../../i18n.js';
import { limit } from '../../limits.js';

/**
 * A box for a new statement or rule (`kindKey`) of `level`: its draft is kept in localStorage
 * until sent, Enter sends, and while input is paused the text stays and nothing is sent.
 * `extra` adds fields to the form (`el`, `fields()` for the intent, `reset()` after sending).
 * `restore(text, meta)` puts a refused text back.
 */
export function draftBox(ctx, kindKey, level, labelText, buttonText, intentKind, extra = null) {
  const { store, conn, code, toast } = ctx;
  const key = `draagvlak:${code}:draft:${kindKey}:${level}`;
  const id = `new-${kindKey}`;
  const noteId = `new-${kindKey}-locked`;
  const area = h('textarea', { id, rows: 3, maxlength: limit('max_text_chars'), 'data-testid': `new-${kindKey}` });
  area.value = localStorage.getItem(key) || '';
  const keep = () => {
    if (area.value) localStorage.setItem(key, area.value);
    else localStorage.removeItem(key);
  };
  area.addEventListener('input', keep);
  // While input is paused the text stays in the box (and says so); nothing is sent.
  const note = h('p', { id: noteId, class: 'hint draft-locked', role: 'status', 'data-testid': `new-${kindKey}-locked` });
  note.hidden = true;
  const btn = h('button', { type: 'submit', class: 'primary', text: buttonText });
  // Enter sends (below); a phone keyboard often has no Shift+Enter, so touch screens get a
  // button that puts a line break at the caret (hidden where a fine pointer implies a keyboard).
  const newline = h('button', { type: 'button', class: 'secondary small newline', 'data-testid': `new-${kindKey}-newline`, text: t('compose.newline') });
  newline.addEventListener('pointerdown', (e) => e.preventDefault()); // keep the keyboard open
  newline.addEventListener('click', () => {
    area.setRangeText('\n', area.selectionStart, area.selectionEnd, 'end');
    area.dispatchEvent(new Event('input', { bubbles: true }));
    area.focus();
  });
  const form = h('form', { class: 'add-form' }, h('label', { for: id, text: labelText }), area, extra && extra.el, note,
    h('div', { class: 'button-row add-buttons' }, btn, newline));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text) {
      toast.error('empty_text');
      return;
    }
    if (store.view && store.view.locked) {
      toast.show(t('draft.locked.kept'));
      area.focus();
      return;
    }
    conn.intent({ kind: intentKind, text, ...(extra ? extra.fields() : {}) }, null, { level });
    if (extra) extra.reset();
    area.value = '';
    localStorage.removeItem(key);
    area.focus();
  });
  // Enter sends on a phone keyboard too; Shift+Enter keeps a new line.
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  return {
    el: form,
    update: (locked) => {
      setAttr(btn, 'aria-disabled', locked ? 'true' : null);
      note.hidden = !locked;
      setText(note, locked ? t('draft.locked') : '');
      setAttr(area, 'aria-describedby', locked ? noteId : null);
      setAttr(btn, 'aria-describedby', locked ? noteId : null);
    },
    /** Put a refused text back, when it was meant for this box and the box is empty. */
    restore(text, meta) {
      if (!form.isConnected || (meta.level && meta.level !== level) || area.value.trim()) return false;
      area.value = text;
      keep();
      return true;
    },
  };
}

/** The mark on the item the facilitator put in focus. */
export function focusBadge() {
  return h('span', { class: 'focus-badge', text: t('focus') });
}
