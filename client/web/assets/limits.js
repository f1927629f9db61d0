//! The protocol's limits as the server that served this page has them: the longest text, name,
//! title, reason and cluster title, the support gap that counts as large, and the agenda form's
//! limits (phases, dot budget, name, phase texts, file size) and the number and length of group
//! names, and the largest logo (`Limits` in
//! PROTOCOL.md, also `GET /api/limits`). The server writes them into the page as
//! `<meta name="draagvlak-limits" content="{json}">`; this module reads that once, the first time
//! a limit is asked for, so the app repeats no limit as a literal and follows a server started
//! with another `--max-text-chars`.
//!
//! Importing this module needs no page (the unit tests import modules that use it in Node);
//! asking for a limit without the meta tag, or with one that lacks a limit, throws: a page
//! without its limits is a bug, not something to paper over with a default. Tests outside a
//! page give the limits with `setLimits`.

/** The names of the limits (the fields of `Limits`). */
export const LIMIT_NAMES = ['max_text_chars', 'max_name_chars', 'max_title_chars', 'max_reason_chars', 'max_cluster_title_chars', 'large_gap',
  'max_agenda_phases', 'max_dot_budget', 'max_agenda_name_bytes', 'max_agenda_text_chars', 'max_agenda_bytes',
  'min_groups', 'max_groups', 'max_group_name_chars', 'max_logo_bytes'];

let known = null;

/** Check and keep `limits` (an object with every field of `Limits`, each a number). */
export function setLimits(limits) {
  if (!limits || typeof limits !== 'object') throw new Error('draagvlak limits: not an object');
  for (const name of LIMIT_NAMES) {
    if (typeof limits[name] !== 'number' || !Number.isFinite(limits[name])) throw new Error(`draagvlak limits: ${name} is missing or not a number`);
  }
  known = Object.freeze(Object.fromEntries(LIMIT_NAMES.map((name) => [name, limits[name]])));
  return known;
}

/** The limits from the page's `<meta name="draagvlak-limits">`. */
function fromPage() {
  const meta = typeof document === 'undefined' ? null : document.querySelector('meta[name="draagvlak-limits"]');
  const content = meta ? meta.getAttribute('content') : '';
  if (!content) throw new Error('draagvlak limits: the page has no <meta name="draagvlak-limits"> with content');
  return setLimits(JSON.parse(content));
}

/** One limit by its name in `Limits`, e.g. `limit('max_text_chars')`. */
export function limit(name) {
  if (!LIMIT_NAMES.includes(name)) throw new Error(`draagvlak limits: no limit named ${name}`);
  return (known || fromPage())[name];
}

/** All limits, for texts that name them (`{max_text_chars}` in a catalogue entry). */
export function limits() {
  return known || fromPage();
}
