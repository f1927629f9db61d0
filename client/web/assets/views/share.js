//! Sharing a session from the console (issue 13): the join link with a copy button (to paste
//! into a call's chat in a hybrid room), and the console on a second device — the facilitator
//! link with a warning and a QR code, for a co-facilitator or the beamer PC, and a button that
//! makes a new one (the old link, and every console opened with it, stops working).
//!
//! The facilitator link carries the secret in its fragment (`#key=…`, read by app.js), which a
//! browser never sends to a server. It is shown only when asked for; its QR code comes from
//! `GET /api/sessions/{code}/facilitator-qr.svg` with the secret in a header, as a data URL
//! (the page's CSP allows images from this server and `data:` only).

import { h, setText } from '../dom.js';
import { t } from '../i18n.js';
import { secrets } from '../connection.js';

/** Copy `text` to the clipboard; falls back to selecting `input` so the person can copy it. */
async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}

/** A read-only field with a link and a copy button. */
function linkField(id, label, url, testid, toast) {
  const input = h('input', { id, type: 'text', readonly: true, value: url, 'data-testid': testid, class: 'link-field' });
  const button = h('button', { type: 'button', class: 'secondary small', text: t('share.copy') });
  button.addEventListener('click', async () => {
    const done = await copy(input.value, input);
    toast.show(done ? t('share.copied') : t('share.copy.manual'));
  });
  return { el: h('div', { class: 'link-row' }, h('label', { for: id, text: label }), h('div', { class: 'link-copy' }, input, button)), input };
}

/** The panel: `{el}`. */
export function sharePanel(code, toast) {
  const joinUrl = `${location.origin}/join/${code}`;
  const join = linkField(`share-join-${code}`, t('share.join'), joinUrl, 'join-link', toast);

  const facUrl = () => `${location.origin}/facilitator/${code}#key=${encodeURIComponent(secrets.secret(code) || '')}`;
  const fac = linkField(`share-fac-${code}`, t('share.fac.link'), '', 'facilitator-link', toast);
  const qr = h('img', { class: 'qr', alt: t('share.fac.qr', { code }), width: 256, height: 256, 'data-testid': 'facilitator-qr' });
  const shown = h('div', { class: 'fac-link', hidden: true }, fac.el, qr);
  const show = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'data-testid': 'show-facilitator-link', text: t('share.fac.show') });
  show.addEventListener('click', async () => {
    const open = shown.hidden;
    shown.hidden = !open;
    show.setAttribute('aria-expanded', String(open));
    setText(show, open ? t('share.fac.hide') : t('share.fac.show'));
    if (!open) return;
    fac.input.value = facUrl();
    try {
      const resp = await fetch(`/api/sessions/${encodeURIComponent(code)}/facilitator-qr.svg`, {
        headers: { Authorization: `Bearer ${secrets.secret(code)}` }, cache: 'no-store',
      });
      if (!resp.ok) throw new Error(String(resp.status));
      const svg = await resp.text();
      qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    } catch {
      toast.show(t('share.qr_failed'));
    }
  });

  // A new facilitator link: confirm first; then this console reloads with the new secret.
  const rotate = h('button', { type: 'button', class: 'secondary danger', 'data-testid': 'rotate-facilitator-link', text: t('share.fac.rotate') });
  const sure = h('button', { type: 'button', class: 'danger-fill', text: t('share.fac.rotate.yes') });
  const cancel = h('button', { type: 'button', class: 'secondary', text: t('confirm.cancel') });
  const confirmBox = h('div', { class: 'confirm', hidden: true },
    h('p', { class: 'confirm-text', text: t('share.fac.rotate.confirm') }), sure, cancel);
  rotate.addEventListener('click', () => {
    confirmBox.hidden = false;
    rotate.hidden = true;
    sure.focus();
  });
  cancel.addEventListener('click', () => {
    confirmBox.hidden = true;
    rotate.hidden = false;
    rotate.focus();
  });
  sure.addEventListener('click', async () => {
    try {
      const resp = await fetch(`/api/sessions/${encodeURIComponent(code)}/facilitator-secret`, {
        method: 'POST', headers: { Authorization: `Bearer ${secrets.secret(code)}` },
      });
      if (!resp.ok) throw new Error(String(resp.status));
      const json = await resp.json();
      secrets.setSecret(code, json.facilitator_secret);
      location.reload();
    } catch {
      toast.show(t('share.rotate_failed'));
    }
  });

  const el = h('section', { class: 'panel share-panel', 'aria-labelledby': `share-h-${code}`, 'data-testid': 'share-panel' },
    h('h2', { id: `share-h-${code}`, text: t('share.title') }),
    join.el,
    h('h3', { text: t('share.fac.title') }),
    h('p', { class: 'notice-line', text: t('share.fac.warning') }),
    show, shown,
    h('div', { class: 'button-row' }, rotate), confirmBox);
  return { el };
}
