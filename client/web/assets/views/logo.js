//! The organisation's logo, from the console (issue 19): the facilitator picks a PNG, which goes
//! to `PUT /api/sessions/{code}/logo` with the secret in a header; the server checks its type,
//! size and pixels and says what is wrong in the answer. The logo shows on the projector, in the
//! HTML report and on the policy note's title page. A file that is too large is refused here
//! already, before it is sent.

import { h, setText } from '../dom.js';
import { t } from '../i18n.js';
import { limit } from '../limits.js';

/** The panel: `{el}`. */
export function logoPanel(code, secret, toast) {
  const url = `/api/sessions/${encodeURIComponent(code)}/logo`;
  const input = h('input', { id: 'logo-file', type: 'file', accept: 'image/png', class: 'visually-hidden', 'data-testid': 'logo-file', 'aria-describedby': 'logo-hint' });
  const preview = h('img', { class: 'logo-preview', alt: t('logo.alt'), 'data-testid': 'logo-preview', hidden: true });
  const status = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'logo-error' });
  const remove = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'logo-remove', text: t('logo.remove'), hidden: true });
  let version = 0;
  const show = async () => {
    const res = await fetch(`/api/sessions/${encodeURIComponent(code)}`, { cache: 'no-store' }).catch(() => null);
    const facts = res && res.ok ? await res.json() : null;
    const has = !!(facts && facts.logo);
    preview.hidden = !has;
    remove.hidden = !has;
    if (has) preview.src = `${url}?v=${version += 1}`;
  };
  const send = async (method, body) => {
    const res = await fetch(url, { method, headers: { Authorization: `Bearer ${secret}`, ...(body ? { 'Content-Type': 'image/png' } : {}) }, body });
    if (!res.ok) {
      const json = await res.json().catch(() => null);
      throw new Error((json && json.error && json.error.message) || `HTTP ${res.status}`);
    }
  };
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    setText(status, '');
    if (file.size > limit('max_logo_bytes')) {
      setText(status, t('logo.too_large', { kb: Math.round(limit('max_logo_bytes') / 1024) }));
      input.value = '';
      return;
    }
    try {
      await send('PUT', file);
      toast.show(t('logo.saved'));
      await show();
    } catch (e) {
      setText(status, t('logo.refused', { message: e.message }));
    }
    input.value = '';
  });
  remove.addEventListener('click', async () => {
    try {
      await send('DELETE');
      toast.show(t('logo.removed'));
      await show();
    } catch (e) {
      setText(status, t('logo.refused', { message: e.message }));
    }
  });
  show();
  const el = h('section', { class: 'panel logo-panel', 'aria-labelledby': 'logo-h' },
    h('h2', { id: 'logo-h', text: t('logo.title') }),
    h('p', { id: 'logo-hint', class: 'hint', text: t('logo.hint', { kb: Math.round(limit('max_logo_bytes') / 1024) }) }),
    preview,
    // The browser's own file field speaks the browser's language ("Choose File"): it stays for the
    // keyboard and screen readers, but what people see and click is the label, as a button.
    input, h('label', { for: 'logo-file', class: 'button secondary small file-button', text: t('logo.choose') }), status, remove);
  return { el };
}
