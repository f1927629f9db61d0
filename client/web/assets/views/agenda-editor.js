//! The agenda form of the start page (issue 19, "agendas without TOML"): start from a built-in
//! agenda (`GET /api/agendas`) or one saved in this browser, edit its phases in order (add,
//! remove, move up and down with buttons), their levels, titles and questions in both languages,
//! dot budget and cap, anonymity; check it with the server (`POST /api/agendas/check`, which never
//! counts against creating sessions) as one types and on "Check", with the error next to the
//! field; save it in localStorage under its name (there are no accounts yet), export it as a
//! `.toml` file and import one. The server is the only judge of an agenda: this form repeats no
//! rule and no limit (the limits come from limits.js), it shows what the server says, in the
//! session's language.
//!
//! The agenda is held as the server's JSON (`Agenda`: `name` and the ordered `phase` list), so the
//! form, the check and the file are one shape. `mountAgendaEditor` returns `{ el, summary,
//! forCreate }`: `forCreate()` resolves to the fields `POST /api/sessions` takes for it
//! (`{template}` for an untouched built-in, `{agenda: toml}` otherwise) or throws when the agenda
//! is not valid (the error is then shown in the form).

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { limit } from '../limits.js';

const KINDS = ['lobby', 'brainstorm', 'cluster', 'vote', 'rules', 'review', 'assessment', 'summary'];
/**
 * A review phase looks back at the rules of an earlier session: a session made here has none (a
 * follow-up is made from the earlier session's console), so the form offers no review phase and
 * no built-in agenda the server marks `needs_earlier_session`. An imported agenda with one still
 * shows it as it is, and the server's check says what to change.
 */
const forThisPage = (builtIn) => !builtIn.needs_earlier_session;
/** A built-in agenda without the server's flag: the `Agenda` the check takes. */
const asAgenda = (builtIn) => {
  const agenda = { ...builtIn };
  delete agenda.needs_earlier_session;
  return agenda;
};
const LEVELS = ['richten', 'inrichten', 'verrichten'];
/** Phases without a level (the server refuses a level on them). */
const NO_LEVEL = ['lobby', 'review', 'assessment', 'summary'];
const SAVED_KEY = 'draagvlak:agendas';
/** How long after the last keystroke the form asks the server. */
const CHECK_DELAY_MS = 600;

const clone = (x) => JSON.parse(JSON.stringify(x));

/** Agendas saved in this browser: `{name: Agenda}`. */
export function savedAgendas() {
  try {
    const v = JSON.parse(localStorage.getItem(SAVED_KEY) || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function storeSaved(all) {
  localStorage.setItem(SAVED_KEY, JSON.stringify(all));
}

async function checkAgenda(body) {
  const res = await fetch('/api/agendas/check', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (res.ok && json) return { ok: json };
  if (json && json.problem) return { problem: json.problem };
  throw new Error((json && json.error && json.error.message) || `HTTP ${res.status}`);
}

/** A file name for an agenda: its name in lower case, letters, digits and dashes. */
function fileName(name) {
  const base = String(name || '').toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${base || 'agenda'}.toml`;
}

/**
 * The agenda form. `language()` is the session's language (the messages of the check follow it).
 */
export function mountAgendaEditor({ language, keep = {} }) {
  // `keep` outlives this form: the start page is built again on a language switch, and the
  // agenda being edited must survive that.
  const state = {
    builtIn: [],
    agenda: keep.agenda || null,
    /** The built-in this agenda is, while it is unchanged. */
    untouched: keep.untouched || null,
    open: new Set(),
    problem: null,
    timer: null,
    seq: 0,
  };

  const status = h('p', { class: 'agenda-status', role: 'status', 'aria-live': 'polite', id: 'agenda-status' });
  const problemBox = h('p', { class: 'form-error', role: 'alert', id: 'agenda-problem' });
  const source = h('select', { id: 'agenda-source', name: 'agenda-source' });
  const name = h('input', { id: 'agenda-name', name: 'agenda-name', maxlength: limit('max_agenda_name_bytes'), autocomplete: 'off' });
  const list = h('ol', { class: 'agenda-phases', id: 'agenda-phases' });
  const addBtn = h('button', { type: 'button', class: 'secondary', text: t('agenda.add') });
  const file = h('input', { type: 'file', id: 'agenda-import', accept: '.toml,text/plain,application/toml', 'aria-describedby': 'agenda-import-error' });
  const importError = h('p', { class: 'form-error', id: 'agenda-import-error', role: 'alert' });
  const summary = h('span', { class: 'agenda-summary', id: 'agenda-summary' });

  const sourceOptions = () => {
    const saved = savedAgendas();
    replace(source,
      h('optgroup', { label: t('agenda.builtin') },
        state.builtIn.map((a) => h('option', { value: `builtin:${a.name}`, text: t(`agenda.builtin.${a.name}`) === `agenda.builtin.${a.name}` ? a.name : t(`agenda.builtin.${a.name}`) }))),
      Object.keys(saved).length
        ? h('optgroup', { label: t('agenda.saved') }, Object.keys(saved).sort().map((n) => h('option', { value: `saved:${n}`, text: n })))
        : null);
    showDelete();
  };

  const setSummary = () => {
    const a = state.agenda;
    // An untouched built-in agenda goes by its name in the catalogue.
    const known = state.untouched && t(`agenda.builtin.${state.untouched}`) !== `agenda.builtin.${state.untouched}`;
    const shown = known ? t(`agenda.builtin.${state.untouched}`) : (a && a.name) || '…';
    summary.textContent = a ? t('agenda.summary', { name: shown, n: a.phase.length }) : t('agenda.loading');
  };

  const changed = () => {
    state.untouched = null;
    keep.untouched = null;
    setSummary();
    clearTimeout(state.timer);
    // A form no longer on the page (rebuilt after a language switch) checks nothing.
    state.timer = setTimeout(() => { if (el.isConnected) check().catch(() => {}); }, CHECK_DELAY_MS);
  };

  // --- the phases -----------------------------------------------------------------------------

  const fieldId = (i, field) => `agenda-p${i}-${field.replace('.', '-')}`;

  function textField(i, p, field, lang, multiline, edited) {
    const [part] = field.split('.');
    const id = fieldId(i, `${field}`);
    const props = { id, name: id, maxlength: limit('max_agenda_text_chars'), lang, value: p[part][lang] };
    const input = multiline ? h('textarea', { ...props, rows: 2 }) : h('input', props);
    if (multiline) input.value = p[part][lang];
    input.addEventListener('input', () => { p[part][lang] = input.value; edited(); });
    return [h('label', { for: id, text: t(`agenda.field.${part}.${lang}`) }), input];
  }

  function numberField(i, p, field, max, edited) {
    const id = fieldId(i, field);
    const input = h('input', { type: 'number', id, name: id, min: 1, max, step: 1, inputmode: 'numeric', value: p[field] ?? '' });
    input.addEventListener('input', () => {
      const n = Number(input.value);
      p[field] = input.value === '' || !Number.isFinite(n) ? null : Math.trunc(n);
      edited();
    });
    return [h('label', { for: id, text: t(`agenda.field.${field}`) }), input];
  }

  function phaseItem(p, i) {
    const n = i + 1;
    const total = state.agenda.phase.length;
    const open = state.open.has(i);
    const fieldsId = `agenda-p${i}-fields`;
    const label = () => `${n}. ${p.title[language()] || p.title.nl || t(`agenda.kind.${p.kind}`)}`;
    const what = () => [t(`agenda.kind.${p.kind}`), p.level ? t(`level.${p.level}`) : null, p.anonymous ? t('agenda.anonymous.short') : null,
      p.kind === 'vote' ? t('agenda.dots.short', { budget: p.dot_budget ?? '?', cap: p.max_dots_per_item ?? '?' }) : null].filter(Boolean).join(' · ');
    const labelEl = h('strong', { text: label(), id: `agenda-p${i}-label` });
    const whatEl = h('span', { class: 'hint', text: what() });
    // What the phase's line says follows what is typed in its fields.
    const edited = () => {
      labelEl.textContent = label();
      whatEl.textContent = what();
      changed();
    };
    const move = (to) => () => {
      const phases = state.agenda.phase;
      [phases[i], phases[to]] = [phases[to], phases[i]];
      const wasOpen = [state.open.has(i), state.open.has(to)];
      state.open.delete(i); state.open.delete(to);
      if (wasOpen[0]) state.open.add(to);
      if (wasOpen[1]) state.open.add(i);
      renderPhases();
      changed();
      // The focus follows the phase that moved (on the same button, or the other one at an end).
      const same = to < i ? 'up' : 'down';
      const target = list.querySelector(`[data-phase="${to}"] [data-action="${same}"]:not(:disabled)`)
        || list.querySelector(`[data-phase="${to}"] [data-action="${same === 'up' ? 'down' : 'up'}"]`);
      if (target) target.focus();
    };
    const remove = () => {
      state.agenda.phase.splice(i, 1);
      state.open = new Set([...state.open].filter((j) => j !== i).map((j) => (j > i ? j - 1 : j)));
      renderPhases();
      changed();
      const next = list.querySelector(`[data-phase="${Math.min(i, state.agenda.phase.length - 1)}"] [data-action="edit"]`);
      (next || addBtn).focus();
      status.textContent = t('agenda.removed', { n });
    };
    const toggle = () => {
      if (state.open.has(i)) state.open.delete(i); else state.open.add(i);
      renderPhases();
      const again = list.querySelector(`[data-phase="${i}"] [data-action="edit"]`);
      if (again) again.focus();
    };

    const head = h('div', { class: 'agenda-phase-head' },
      h('div', { class: 'agenda-phase-label' }, labelEl, whatEl),
      h('div', { class: 'button-row agenda-phase-buttons' },
        h('button', { type: 'button', class: 'secondary small', 'data-action': 'edit', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': fieldsId,
          'aria-label': t(open ? 'agenda.close.label' : 'agenda.edit.label', { n }), text: t(open ? 'agenda.close' : 'agenda.edit'), onclick: toggle }),
        h('button', { type: 'button', class: 'secondary small', 'data-action': 'up', 'aria-label': t('agenda.up.label', { n }), text: `↑ ${t('agenda.up')}`, disabled: i === 0, onclick: move(i - 1) }),
        h('button', { type: 'button', class: 'secondary small', 'data-action': 'down', 'aria-label': t('agenda.down.label', { n }), text: `↓ ${t('agenda.down')}`, disabled: i === total - 1, onclick: move(i + 1) }),
        h('button', { type: 'button', class: 'secondary small danger', 'data-action': 'remove', 'aria-label': t('agenda.remove.label', { n }), text: t('agenda.remove'), disabled: total <= 1, onclick: remove })));

    const item = h('li', { class: 'agenda-phase', 'data-phase': String(i), 'aria-labelledby': `agenda-p${i}-label` }, head);
    if (!open) return item;

    const kind = h('select', { id: fieldId(i, 'kind'), name: fieldId(i, 'kind') },
      KINDS.filter((k) => k !== 'review' || p.kind === 'review')
        .map((k) => h('option', { value: k, text: t(`agenda.kind.${k}`), selected: p.kind === k })));
    kind.addEventListener('change', () => {
      p.kind = kind.value;
      if (NO_LEVEL.includes(p.kind)) delete p.level;
      else if (!p.level) p.level = LEVELS[0];
      if (p.kind === 'vote') {
        p.dot_budget = p.dot_budget ?? null;
        p.max_dots_per_item = p.max_dots_per_item ?? null;
      } else {
        delete p.dot_budget;
        delete p.max_dots_per_item;
      }
      renderPhases();
      changed();
      const again = document.getElementById(fieldId(i, 'kind'));
      if (again) again.focus();
    });
    const fields = [h('label', { for: fieldId(i, 'kind'), text: t('agenda.field.kind') }), kind];
    if (!NO_LEVEL.includes(p.kind)) {
      const level = h('select', { id: fieldId(i, 'level'), name: fieldId(i, 'level') },
        LEVELS.map((l) => h('option', { value: l, text: t(`level.explain.${l}`), selected: p.level === l })));
      level.addEventListener('change', () => { p.level = level.value; edited(); });
      fields.push(h('label', { for: fieldId(i, 'level'), text: t('agenda.field.level') }), level);
    }
    const anon = h('input', { type: 'checkbox', id: fieldId(i, 'anonymous'), name: fieldId(i, 'anonymous'), checked: !!p.anonymous });
    anon.addEventListener('change', () => { p.anonymous = anon.checked; edited(); });
    fields.push(h('label', { class: 'check', for: fieldId(i, 'anonymous') }, anon, ' ', t('agenda.field.anonymous')));
    if (p.kind === 'vote') {
      fields.push(h('div', { class: 'agenda-dots' },
        h('div', {}, numberField(i, p, 'dot_budget', limit('max_dot_budget'), edited)),
        h('div', {}, numberField(i, p, 'max_dots_per_item', limit('max_dot_budget'), edited))));
    }
    fields.push(h('div', { class: 'agenda-texts' },
      h('div', {}, textField(i, p, 'title.nl', 'nl', false, edited), textField(i, p, 'question.nl', 'nl', true, edited)),
      h('div', {}, textField(i, p, 'title.en', 'en', false, edited), textField(i, p, 'question.en', 'en', true, edited))));
    item.append(h('div', { class: 'agenda-phase-fields', id: fieldsId }, fields));
    return item;
  }

  function renderPhases() {
    replace(list, state.agenda ? state.agenda.phase.map(phaseItem) : []);
    addBtn.disabled = !state.agenda || state.agenda.phase.length >= limit('max_agenda_phases');
    showProblem(state.problem);
  }

  // --- errors next to the field ----------------------------------------------------------------

  function clearProblem() {
    for (const e of el.querySelectorAll('.field-error')) e.remove();
    for (const e of el.querySelectorAll('[aria-invalid]')) {
      e.removeAttribute('aria-invalid');
      e.removeAttribute('aria-describedby');
    }
    problemBox.textContent = '';
  }

  /** The field a problem is about, when it is on the page. */
  function fieldOf(problem) {
    if (!problem) return null;
    if (problem.field === 'name') return name;
    if (problem.phase === undefined || problem.phase === null || !problem.field) return null;
    return el.querySelector(`#${CSS.escape(fieldId(problem.phase, problem.field))}`);
  }

  function showProblem(problem) {
    clearProblem();
    if (!problem) return;
    const where = problem.phase !== undefined && problem.phase !== null ? t('agenda.problem.phase', { n: problem.phase + 1 }) : '';
    problemBox.textContent = `${where}${problem.message}`;
    const field = fieldOf(problem);
    if (field) {
      const id = `${field.id}-error`;
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', id);
      const label = field.closest('label') || field;
      label.after(h('p', { class: 'form-error field-error', id, text: problem.message }));
    }
  }

  /** Open the phase of a problem and put the focus on its field. */
  function goToProblem(problem) {
    if (problem && problem.phase !== undefined && problem.phase !== null && state.agenda && problem.phase < state.agenda.phase.length && !state.open.has(problem.phase)) {
      state.open.add(problem.phase);
      renderPhases();
    }
    const field = fieldOf(problem);
    if (field) field.focus();
  }

  // --- talking to the server -------------------------------------------------------------------

  /** Check the agenda in the form; resolves to the server's answer (`{ok}` or `{problem}`). */
  async function check() {
    clearTimeout(state.timer);
    if (!state.agenda) throw new Error(t('agenda.loading'));
    const seq = ++state.seq;
    const answer = await checkAgenda({ language: language(), agenda: state.agenda });
    if (seq !== state.seq) return answer; // a newer check is under way
    state.problem = answer.problem || null;
    showProblem(state.problem);
    status.textContent = answer.ok ? t('agenda.valid', { n: answer.ok.agenda.phase.length }) : '';
    return answer;
  }

  function load(agenda, builtInName) {
    state.agenda = clone(agenda);
    state.untouched = builtInName;
    keep.agenda = state.agenda;
    keep.untouched = builtInName;
    state.open = new Set();
    state.problem = null;
    name.value = state.agenda.name;
    renderPhases();
    setSummary();
    importError.textContent = '';
  }

  name.addEventListener('input', () => {
    if (state.agenda) { state.agenda.name = name.value; changed(); }
  });

  addBtn.addEventListener('click', () => {
    const phases = state.agenda.phase;
    phases.push({ kind: 'brainstorm', level: LEVELS[0], anonymous: true, title: { nl: '', en: '' }, question: { nl: '', en: '' } });
    state.open.add(phases.length - 1);
    renderPhases();
    changed();
    const kind = document.getElementById(fieldId(phases.length - 1, 'kind'));
    if (kind) kind.focus();
  });

  const loadBtn = h('button', { type: 'button', class: 'secondary', text: t('agenda.load'), onclick: () => {
    const [kind, ...rest] = source.value.split(':');
    const key = rest.join(':');
    const agenda = kind === 'builtin' ? state.builtIn.find((a) => a.name === key) : savedAgendas()[key];
    if (!agenda) return;
    load(agenda, kind === 'builtin' ? key : null);
    status.textContent = t('agenda.loaded', { name: agenda.name });
  } });
  const deleteBtn = h('button', { type: 'button', class: 'secondary danger', text: t('agenda.delete_saved'), hidden: true, onclick: () => {
    const [kind, ...rest] = source.value.split(':');
    if (kind !== 'saved') return;
    const all = savedAgendas();
    delete all[rest.join(':')];
    storeSaved(all);
    sourceOptions();
    status.textContent = t('agenda.deleted', { name: rest.join(':') });
    loadBtn.focus();
  } });
  // Only a saved agenda can be deleted (the built-in ones always stay).
  const showDelete = () => { deleteBtn.hidden = !source.value.startsWith('saved:'); };
  source.addEventListener('change', showDelete);

  const checkBtn = h('button', { type: 'button', class: 'secondary', text: t('agenda.check'), onclick: async () => {
    try {
      const answer = await check();
      if (answer.problem) goToProblem(answer.problem);
    } catch (e) { problemBox.textContent = t('start.error', { message: e.message }); }
  } });

  const saveBtn = h('button', { type: 'button', class: 'secondary', text: t('agenda.save'), onclick: async () => {
    try {
      const answer = await check();
      if (answer.problem) { goToProblem(answer.problem); return; }
      const all = savedAgendas();
      all[answer.ok.agenda.name] = answer.ok.agenda;
      storeSaved(all);
      sourceOptions();
      source.value = `saved:${answer.ok.agenda.name}`;
      showDelete();
      status.textContent = t('agenda.saved.done', { name: answer.ok.agenda.name });
    } catch (e) { problemBox.textContent = t('start.error', { message: e.message }); }
  } });

  const exportBtn = h('button', { type: 'button', class: 'secondary', text: t('agenda.export'), onclick: async () => {
    try {
      const answer = await check();
      if (answer.problem) { goToProblem(answer.problem); return; }
      const url = URL.createObjectURL(new Blob([answer.ok.toml], { type: 'application/toml' }));
      const a = h('a', { href: url, download: fileName(answer.ok.agenda.name), hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      status.textContent = t('agenda.exported', { file: fileName(answer.ok.agenda.name) });
    } catch (e) { problemBox.textContent = t('start.error', { message: e.message }); }
  } });

  file.addEventListener('change', async () => {
    importError.textContent = '';
    const f = file.files && file.files[0];
    if (!f) return;
    try {
      if (f.size > limit('max_agenda_bytes')) {
        importError.textContent = t('agenda.import.too_large', { file: f.name });
        return;
      }
      const answer = await checkAgenda({ language: language(), toml: await f.text() });
      if (answer.problem) {
        importError.textContent = t('agenda.import.error', { file: f.name, message: answer.problem.message });
        return;
      }
      load(answer.ok.agenda, null);
      status.textContent = t('agenda.imported', { name: answer.ok.agenda.name, n: answer.ok.agenda.phase.length });
    } catch (e) {
      importError.textContent = t('start.error', { message: e.message });
    } finally {
      file.value = '';
    }
  });

  const el = h('section', { class: 'card agenda-editor', 'aria-labelledby': 'agenda-h', id: 'agenda' },
    h('h2', { id: 'agenda-h', text: t('agenda.title') }),
    h('p', { class: 'hint', text: t('agenda.intro') }),
    h('div', { class: 'agenda-source' },
      h('div', {}, h('label', { for: 'agenda-source', text: t('agenda.source') }), source),
      h('div', { class: 'button-row' }, loadBtn, deleteBtn)),
    h('p', { class: 'hint', text: t('agenda.saved.hint') }),
    h('label', { for: 'agenda-name', text: t('agenda.name') }), name,
    h('h3', { text: t('agenda.phases') }),
    list,
    h('div', { class: 'button-row' }, addBtn),
    problemBox,
    h('div', { class: 'button-row' }, checkBtn, saveBtn, exportBtn),
    h('label', { for: 'agenda-import', text: t('agenda.import') }), file, importError,
    status);

  fetch('/api/agendas').then((r) => r.json()).then((json) => {
    state.builtIn = (json.agendas || []).filter(forThisPage).map(asAgenda);
    sourceOptions();
    if (!state.agenda && state.builtIn.length) load(state.builtIn[0], state.builtIn[0].name);
  }).catch((e) => { problemBox.textContent = t('start.error', { message: e.message }); });
  if (state.agenda) {
    name.value = state.agenda.name;
    renderPhases();
  }
  setSummary();

  return {
    el,
    summary,
    /** Check again when a problem is shown (after the session's language changed). */
    recheck() {
      if (state.problem) check().catch(() => {});
    },
    /** The fields of `POST /api/sessions` for this agenda; throws (and shows why) when it is not valid. */
    async forCreate() {
      if (!state.agenda) return {};
      if (state.untouched) return { template: state.untouched };
      const answer = await check();
      if (answer.problem) {
        goToProblem(answer.problem);
        throw new Error(t('agenda.invalid'));
      }
      return { agenda: answer.ok.toml };
    },
  };
}
