//! Pieces every view shares: the top bar with the language switch, the connection banner, the
//! shared countdown, and a live region for short messages. Each returns a persistent element
//! with an `update` function, so re-rendering never rebuilds what someone may be focused on.

import { h, setText, setAttr, cls, uid } from './dom.js';
import { t, lang, setLang, errorText } from './i18n.js';

/** The language switch: one button that names the other language in that language. */
export function langSwitch() {
  const b = h('button', { type: 'button', class: 'lang-switch', onclick: () => setLang(lang() === 'nl' ? 'en' : 'nl') });
  const update = () => {
    setText(b, t('lang.switch'));
    setAttr(b, 'lang', lang() === 'nl' ? 'en' : 'nl');
    setAttr(b, 'aria-label', t('lang.switch.label'));
  };
  update();
  return { el: b, update };
}

/** A link to skip the top bar (keyboard users). */
export function skipLink() {
  return h('a', { class: 'skip', href: '#main', text: t('skip') });
}

/** The top bar: brand, a title, optional extras, the language switch. */
export function topBar(extra = []) {
  const title = h('span', { class: 'bar-title' });
  const sw = langSwitch();
  const el = h('header', { class: 'bar' }, h('span', { class: 'brand', text: t('app.name') }), title, ...extra, sw.el);
  return {
    el,
    update(text) {
      setText(title, text || '');
      sw.update();
    },
  };
}

/** The connection banner: shown while offline, with the number of changes waiting. */
export function connectionBanner(store) {
  const msg = h('p', { class: 'banner-text' });
  const pending = h('p', { class: 'banner-pending' });
  const el = h('div', { class: 'banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'offline-banner' }, msg, pending);
  const update = () => {
    const offline = store.status === 'offline';
    el.hidden = !offline;
    cls(document.body, 'is-offline', offline);
    setText(msg, offline ? t('conn.offline') : '');
    const n = store.pending.length;
    setText(pending, offline && n ? t('conn.pending', { n }) : '');
  };
  update();
  return { el, update };
}

function fmt(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const sec = total % 60;
  return `${m}:${String(sec).padStart(2, '0')}`;
}

/** The shared countdown, from the server's deadline and our estimate of the server clock. */
export function timerDisplay(store) {
  const value = h('span', { class: 'timer-value' });
  const label = h('span', { class: 'visually-hidden' });
  const el = h('div', { class: 'timer', 'data-testid': 'timer' }, label, value);
  let interval = null;
  const update = () => {
    const timer = store.view && store.view.timer;
    el.hidden = !timer;
    clearInterval(interval);
    interval = null;
    if (!timer) return;
    setText(label, `${t('timer')}: `);
    const draw = () => {
      let text;
      if (timer.running) {
        const left = timer.deadline - store.serverNow();
        text = left > 0 ? fmt(left) : t('timer.done');
        cls(el, 'done', left <= 0);
        cls(el, 'soon', left > 0 && left <= 60000);
      } else {
        text = t('timer.paused', { time: fmt(timer.remaining_ms || 0) });
        cls(el, 'done', false);
        cls(el, 'soon', false);
      }
      cls(el, 'paused', !timer.running);
      setText(value, text);
    };
    draw();
    if (timer.running) interval = setInterval(draw, 250);
  };
  return { el, update, format: fmt };
}

/** A live region for short messages (rejected intents and the like). */
export function toasts() {
  const el = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite', 'data-testid': 'toasts' });
  return {
    el,
    show(text) {
      const close = h('button', { type: 'button', class: 'toast-close', text: '×', 'aria-label': t('dismiss') });
      const item = h('div', { class: 'toast' }, h('span', { text }), close);
      close.addEventListener('click', () => item.remove());
      el.append(item);
      setTimeout(() => item.remove(), 6000);
    },
    error(code) {
      this.show(errorText(code));
    },
  };
}

/** The QR code image of a session's join link (drawn by the server). */
export function qrImage(code) {
  return h('img', { class: 'qr', src: `/api/sessions/${encodeURIComponent(code)}/qr.svg`, alt: t('qr.alt', { code }), width: 256, height: 256 });
}

/** Above this share of the screen's height the head no longer sticks (very large text). */
const TALL_HEAD = 0.18;

/**
 * The top bar and the connection banner, stuck to the top together. Its height is published
 * as `--head-h`, so other sticky parts (the dot budget) sit right below it, banner or not.
 * With very large text (a 360 px phone at 200 %) the bar wraps and would take a big part of
 * the screen: then `tall-text` is set on the root and nothing sticks (see style.css), so
 * neither the bar nor the budget ever covers what someone reads or taps.
 */
export function stickyHead(...children) {
  const el = h('div', { class: 'sticky-head' }, ...children);
  let shown = false;
  let observer = null;
  const measure = () => {
    if (!el.isConnected) {
      // Replaced (the view is built again on a language switch): stop measuring for good.
      if (shown) {
        window.removeEventListener('resize', measure);
        if (observer) observer.disconnect();
      }
      return;
    }
    shown = true;
    const tall = el.offsetHeight > window.innerHeight * TALL_HEAD;
    cls(document.documentElement, 'tall-text', tall);
    document.documentElement.style.setProperty('--head-h', tall ? '0px' : `${el.offsetHeight}px`);
  };
  if (typeof ResizeObserver === 'function') {
    observer = new ResizeObserver(measure);
    observer.observe(el);
  }
  window.addEventListener('resize', measure);
  return el;
}

/** The text a person typed that an intent carries (a statement, a rule, a reason, a title), or null. */
export function typedText(intent) {
  if (!intent) return null;
  const text = intent.kind === 'rate_rule' ? intent.reason : intent.text ?? intent.title;
  return typeof text === 'string' && text.trim() ? text : null;
}

/**
 * Texts someone typed that the server refused (`{text, code}`) and that could not be put back
 * into a box on the page: shown until dismissed, with the text selectable and a copy button, and
 * kept in localStorage under `key`, so a reload does not lose them either. Returns
 * `{el, add(text, code), render()}`.
 */
export function unsentNotices(key, { heading = 'h2' } = {}) {
  const load = () => {
    try {
      const v = JSON.parse(localStorage.getItem(key) || '[]');
      return Array.isArray(v) ? v.filter((x) => x && typeof x.text === 'string') : [];
    } catch {
      return [];
    }
  };
  const save = (list) => {
    if (list.length) localStorage.setItem(key, JSON.stringify(list));
    else localStorage.removeItem(key);
  };
  const headingId = uid('unsent-h');
  const el = h('section', { class: 'notice unsent', 'data-testid': 'unsent', 'aria-labelledby': headingId });
  const copy = async (area, status) => {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(area.value);
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (!ok) {
      // Plain http on a local network has no clipboard API: select the text and copy it.
      area.focus();
      area.select();
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
    }
    setText(status, ok ? t('unsent.copied') : t('unsent.copy_failed'));
  };
  const render = () => {
    const list = load();
    el.hidden = list.length === 0;
    el.replaceChildren();
    if (!list.length) return;
    el.append(h(heading, { id: headingId, text: t('unsent.title') }), h('p', { text: t('unsent.hint') }));
    list.forEach((item, i) => {
      const areaId = `${headingId}-text-${i}`;
      const area = h('textarea', { id: areaId, class: 'user-text', readonly: true, rows: 3, 'data-testid': 'unsent-text' });
      area.value = item.text;
      const status = h('span', { class: 'hint', role: 'status' });
      const copyBtn = h('button', { type: 'button', class: 'secondary small', text: t('unsent.copy'), 'data-action': 'copy' });
      copyBtn.addEventListener('click', () => copy(area, status));
      const dismiss = h('button', { type: 'button', class: 'secondary small', text: t('unsent.dismiss'), 'aria-describedby': areaId, 'data-action': 'dismiss' });
      dismiss.addEventListener('click', () => {
        save(load().filter((x) => x.id !== item.id));
        render();
        if (!el.hidden) el.querySelector('button')?.focus();
      });
      el.append(h('div', { class: 'unsent-item' },
        h('label', { for: areaId, text: t('unsent.item', { reason: errorText(item.code) }) }),
        area, h('div', { class: 'button-row' }, copyBtn, dismiss, status)));
    });
  };
  render();
  return {
    el,
    render,
    add(text, code) {
      const list = load();
      if (!list.some((x) => x.text === text)) list.push({ id: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, text, code });
      save(list);
      render();
    },
  };
}
