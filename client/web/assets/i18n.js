//! Texts of the app in Dutch and English: the lookup, plural forms and formats. The catalogues
//! are in their own files, `i18n/nl.js` and `i18n/en.js`, one object of texts each.
//!
//! Dutch is the default; English when the browser's first language is English, or when the
//! person chose it with the switch on every view (kept in localStorage). No text of the app is
//! written in markup: everything a person reads comes from here, or from the server's own
//! localized fields (phase titles and questions carry `nl` and `en`).

import { limit, LIMIT_NAMES } from './limits.js';
import nl from './i18n/nl.js';
import en from './i18n/en.js';

const catalogues = { nl, en };

const KEY = 'draagvlak:lang';
const listeners = new Set();

function initial() {
  const chosen = localStorage.getItem(KEY);
  if (chosen === 'nl' || chosen === 'en') return chosen;
  const first = (navigator.languages && navigator.languages[0]) || navigator.language || '';
  return first.toLowerCase().startsWith('en') ? 'en' : 'nl';
}

let current = initial();
document.documentElement.lang = current;

/** The current language: `nl` or `en`. */
export function lang() {
  return current;
}

/**
 * Choose a language (kept for the next visit) and tell every view to render again. A view that
 * builds its page anew (the start and join pages) replaces the switch someone just pressed: the
 * focus then goes to the new switch, so a keyboard user is not sent back to the top of the page.
 */
export function setLang(l) {
  const fromSwitch = document.activeElement?.classList?.contains('lang-switch');
  current = l === 'en' ? 'en' : 'nl';
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current;
  for (const fn of listeners) fn(current);
  if (fromSwitch && !document.activeElement?.classList?.contains('lang-switch')) {
    document.querySelector('.lang-switch')?.focus();
  }
}

/** Call `fn` after each language switch. */
export function onLangChange(fn) {
  listeners.add(fn);
}

/**
 * The plural category of a count in the current language (`Intl.PluralRules`): `one` or `other`
 * for Dutch and English ("1 stip, 0 stippen, 2 stippen" / "1 dot, 0 dots, 2 dots").
 */
export function pluralForm(n) {
  return new Intl.PluralRules(lang()).select(Number(n));
}

/** The form of a catalogue entry for `params`: a plain string, or `{one, other}` chosen by the count `params[by || 'n']`. */
function form(entry, params) {
  if (typeof entry === 'string') return entry;
  const count = params[entry.by || 'n'];
  return entry[pluralForm(count)] ?? entry.other;
}

/**
 * The text for `key` with `{name}` placeholders filled in from `params`. An entry with forms
 * (`{one, other}`) takes the one that fits the count `n` (or the parameter named in `by`). A
 * placeholder named after a protocol limit (`{max_text_chars}`) that `params` does not give is
 * this server's limit (limits.js), so no text repeats a limit as a number.
 */
export function t(key, params = {}) {
  let s = catalogues[current][key];
  if (s === undefined) s = catalogues.nl[key];
  if (s === undefined) return key;
  s = form(s, params);
  return s.replace(/\{(\w+)\}/g, (m, name) => {
    if (name in params) return String(params[name]);
    return LIMIT_NAMES.includes(name) ? String(limit(name)) : m;
  });
}

/** Whether the catalogue has `key` (for optional texts like error codes). */
export function has(key) {
  return key in catalogues[current];
}

/** A localized field from the server (`{nl, en}`). */
export function loc(field) {
  if (!field) return '';
  return field[current] || field.nl || field.en || '';
}

/** The display name of a group: known groups are translated, others shown as they are. */
export function groupName(g) {
  return has(`group.${g}`) ? t(`group.${g}`) : g;
}

/** The display name of a level. */
export function levelName(l) {
  return has(`level.${l}`) ? t(`level.${l}`) : l || '';
}

/** The readable text for an error or reject code. */
export function errorText(code) {
  return has(`error.${code}`) ? t(`error.${code}`) : t('error.generic', { code });
}

/** A share 0..1 as a percentage in the current language. */
export function percent(share) {
  if (share === null || share === undefined) return '–';
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** Both catalogues, for the test that checks they have the same keys. */
export const CATALOGUES = catalogues;
