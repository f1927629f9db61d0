//! Suggested clusters in the facilitator console: groups of statements the server sees as
//! near-duplicates (`view.suggestions`, only in the facilitator's view and only in a cluster
//! phase). The facilitator merges one under the proposed title, edits the title first, or
//! ignores it.
//!
//! Ignoring is local to this browser (localStorage, per session): a suggestion is known by its
//! statement ids, so one that changes (a new near-duplicate came in) is shown again. Merging
//! sends the ordinary `create_cluster` intent; the suggestion then leaves the view by itself.

import { h, reconcile, setText, setAttr, uid } from './dom.js';
import { t } from './i18n.js';
import { limit } from './limits.js';

/** A suggestion's key: its statement ids. */
const keyOf = (s) => s.statements.join(',');

function loadIgnored(storageKey) {
  try {
    const v = JSON.parse(localStorage.getItem(storageKey) || '[]');
    return new Set(Array.isArray(v) ? v.filter((k) => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

function saveIgnored(storageKey, ignored) {
  try {
    localStorage.setItem(storageKey, JSON.stringify(Array.from(ignored)));
  } catch {
    // Storage full or denied: ignoring then lasts until the page is reloaded.
  }
}

/**
 * `send(intent)` sends an intent; `code` is the session's join code (ignored suggestions are
 * kept per session). Returns `{el, update()}`.
 */
export function suggestionPanel(store, send, { code, toast }) {
  const storageKey = `draagvlak:ignored-suggestions:${code}`;
  const ignored = loadIgnored(storageKey);
  const base = uid('sg');
  const list = h('ul', { class: 'items suggestions', 'data-testid': 'suggestions' });
  const none = h('p', { class: 'hint', 'data-testid': 'suggestions-none', text: t('suggest.none') });
  const restore = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'suggestions-restore' });
  restore.addEventListener('click', () => {
    ignored.clear();
    saveIgnored(storageKey, ignored);
    update();
  });
  const el = h('section', { class: 'suggestion-panel', 'aria-labelledby': `${base}-h`, 'data-testid': 'suggestion-panel' },
    h('h2', { id: `${base}-h`, text: t('suggest.heading') }),
    h('p', { class: 'hint', text: t('suggest.how') }),
    list, none, restore);

  function update() {
    const { view } = store;
    const all = view.suggestions || [];
    // Forget ignored suggestions that no longer exist, so the list does not grow for ever.
    const live = new Set(all.map(keyOf));
    let changed = false;
    for (const k of Array.from(ignored)) {
      if (!live.has(k)) { ignored.delete(k); changed = true; }
    }
    if (changed && view.suggestions) saveIgnored(storageKey, ignored);
    const shown = all.filter((s) => !ignored.has(keyOf(s)) && s.statements.every((id) => view.statements[id]));
    el.hidden = !view.suggestions;
    reconcile(list, shown, keyOf, (s) => {
      const key = keyOf(s);
      const inputId = `${base}-title-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const input = h('input', { id: inputId, maxlength: limit('max_cluster_title_chars'), autocomplete: 'off', 'data-testid': 'suggestion-title' });
      const merge = h('button', { type: 'submit', class: 'primary small', 'data-action': 'merge', text: t('suggest.merge') });
      const ignore = h('button', { type: 'button', class: 'secondary small', 'data-action': 'ignore', text: t('suggest.ignore') });
      const form = h('form', { class: 'suggestion-form' },
        h('label', { for: inputId, class: 'small-label', text: t('suggest.title') }), input,
        h('div', { class: 'item-actions' }, merge, ignore));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const title = input.value.trim();
        if (!title) {
          toast && toast.show(t('error.empty_text'));
          input.focus();
          return;
        }
        send({ kind: 'create_cluster', statements: s.statements, title });
      });
      ignore.addEventListener('click', () => {
        ignored.add(key);
        saveIgnored(storageKey, ignored);
        update();
      });
      return h('li', { class: 'item suggestion-card' }, h('ul', { class: 'members' }), form);
    }, (li, s) => {
      const input = li.querySelector('input');
      // The proposal fills the field until the facilitator types in it.
      if (!input.dataset.edited && input.value !== s.title) input.value = s.title;
      if (!input.dataset.listening) {
        input.dataset.listening = '1';
        input.addEventListener('input', () => { input.dataset.edited = '1'; });
      }
      const texts = s.statements.map((id) => view.statements[id].text);
      reconcile(li.querySelector('.members'), s.statements, (id) => id,
        () => h('li', { class: 'member user-text' }), (mli, id) => setText(mli, view.statements[id].text));
      setAttr(li.querySelector('[data-action=merge]'), 'aria-label', t('suggest.merge.label', { n: texts.length, title: input.value }));
      setAttr(li.querySelector('[data-action=ignore]'), 'aria-label', t('suggest.ignore.label', { n: texts.length, title: s.title }));
    });
    none.hidden = shown.length > 0;
    setText(none, all.length > 0 ? t('suggest.all_ignored') : t('suggest.none'));
    restore.hidden = ignored.size === 0;
    setText(restore, t('suggest.restore', { n: ignored.size }));
  }
  return { el, update };
}
