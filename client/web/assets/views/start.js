//! The start page: join a session by code, start a new session as its facilitator, or open a
//! demo session with sample content. The facilitator secret goes to localStorage under the
//! session's code and never into a URL. The agenda of a new session is chosen and edited in the
//! agenda form below the cards (agenda-editor.js).

import { h, replace } from '../dom.js';
import { t, lang, onLangChange, groupName } from '../i18n.js';
import { secrets, normaliseCode } from '../connection.js';
import { topBar, skipLink } from '../widgets.js';
import { limit } from '../limits.js';
import { mountAgendaEditor } from './agenda-editor.js';

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error((json && json.error && json.error.message) || `HTTP ${res.status}`);
  return json;
}

function openAsFacilitator(created) {
  secrets.setSecret(created.code, created.facilitator_secret);
  location.assign(`/facilitator/${encodeURIComponent(created.code)}`);
}

/**
 * The session's groups: 2 to 4 names, ICT and business to begin with. `kept.groups` holds the
 * names typed so far (they survive a language switch). The server maps "ICT" and "Business" to
 * the default groups, whose labels follow the language.
 */
function groupsField(kept) {
  if (!kept.groups) kept.groups = ['ict', 'business'].map(groupName);
  const list = h('div', { class: 'group-names' });
  const add = h('button', { type: 'button', class: 'secondary', 'data-testid': 'group-add', text: t('start.create.group.add') });
  const draw = (focus) => {
    const rows = kept.groups.map((value, i) => {
      const input = h('input', { id: `new-group-${i}`, name: `group-${i}`, required: true, autocomplete: 'off', maxlength: limit('max_group_name_chars'), value });
      input.addEventListener('input', () => { kept.groups[i] = input.value; });
      const row = h('div', { class: 'group-name' },
        h('label', { for: `new-group-${i}`, text: t('start.create.group', { n: i + 1 }) }), input);
      if (kept.groups.length > limit('min_groups')) {
        row.append(h('button', { type: 'button', class: 'secondary small', 'data-testid': `group-remove-${i}`,
          text: t('start.create.group.remove'), 'aria-label': t('start.create.group.remove.label', { n: i + 1 }),
          onclick: () => {
            kept.groups.splice(i, 1);
            draw(Math.min(i, kept.groups.length - 1));
          } }));
      }
      return row;
    });
    replace(list, ...rows);
    add.hidden = kept.groups.length >= limit('max_groups');
    if (focus !== undefined) {
      const input = list.querySelector(`#new-group-${focus}`);
      if (input) input.focus();
    }
  };
  add.addEventListener('click', () => {
    kept.groups.push('');
    draw(kept.groups.length - 1);
  });
  draw();
  const el = h('fieldset', { class: 'groups-field', 'aria-describedby': 'new-groups-hint' },
    h('legend', { text: t('start.create.groups') }),
    h('p', { id: 'new-groups-hint', class: 'hint', text: t('start.create.groups.hint', { min: limit('min_groups'), max: limit('max_groups') }) }),
    list, add);
  return { el, names: () => kept.groups.map((g) => g.trim()) };
}

export function mountStart(root) {
  // Values typed so far survive a language switch (the page is rebuilt).
  const kept = {};
  const render = () => {
    document.title = t('app.name');
    const bar = topBar();
    bar.update('');
    const error = h('p', { class: 'form-error', role: 'alert' });
    // The error stands above the cards; on a phone the button that failed is far below it.
    const fail = (e) => {
      error.textContent = t('start.error', { message: e.message });
      error.scrollIntoView({ block: 'center' });
    };

    const code = h('input', { id: 'join-code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', required: true, 'aria-describedby': 'join-code-hint', value: kept.code || '' });
    code.addEventListener('input', () => { kept.code = code.value; });
    const joinForm = h('form', { class: 'card', 'aria-labelledby': 'join-h' },
      h('h2', { id: 'join-h', text: t('start.join.title') }),
      h('label', { for: 'join-code', text: t('start.join.code') }), code,
      h('p', { id: 'join-code-hint', class: 'hint', text: t('start.join.code.hint') }),
      h('button', { type: 'submit', class: 'primary', text: t('start.join.submit') }));
    joinForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const c = normaliseCode(code.value);
      if (c) location.assign(`/join/${encodeURIComponent(c)}`);
    });

    const title = h('input', { id: 'new-title', name: 'title', required: true, maxlength: limit('max_title_chars'), value: kept.title || '' });
    const org = h('input', { id: 'new-org', name: 'organisation', maxlength: limit('max_title_chars'), value: kept.org || '' });
    title.addEventListener('input', () => { kept.title = title.value; });
    org.addEventListener('input', () => { kept.org = org.value; });
    // Where the workshop is held: it goes into the report for the policy note.
    const place = h('input', { id: 'new-place', name: 'place', maxlength: limit('max_title_chars'), value: kept.place || '' });
    place.addEventListener('input', () => { kept.place = place.value; });
    const language = h('select', { id: 'new-lang', name: 'language' },
      h('option', { value: 'nl', text: t('language.nl'), selected: (kept.language || lang()) === 'nl' }),
      h('option', { value: 'en', text: t('language.en'), selected: (kept.language || lang()) === 'en' }));
    language.addEventListener('change', () => { kept.language = language.value; });
    const groups = groupsField(kept);
    kept.agendaState = kept.agendaState || {};
    const editor = mountAgendaEditor({ language: () => language.value, keep: kept.agendaState });
    language.addEventListener('change', () => editor.recheck());
    const createBtn = h('button', { type: 'submit', class: 'primary', text: t('start.create.submit') });
    const createForm = h('form', { class: 'card', 'aria-labelledby': 'create-h' },
      h('h2', { id: 'create-h', text: t('start.create.title') }),
      h('p', { class: 'hint', text: t('start.create.intro') }),
      h('label', { for: 'new-title', text: t('start.create.session_title') }), title,
      h('label', { for: 'new-org', text: t('start.create.organisation') }), org,
      h('label', { for: 'new-place', text: t('start.create.place') }), place,
      h('label', { for: 'new-lang', text: t('start.create.language') }), language,
      groups.el,
      h('p', { class: 'agenda-line' }, h('strong', { text: t('agenda.chosen') }), ' ', editor.summary, ' ',
        h('a', { href: '#agenda', text: t('agenda.change') })),
      createBtn);
    createForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      createBtn.disabled = true;
      try {
        const agenda = await editor.forCreate();
        openAsFacilitator(await post('/api/sessions', { title: title.value.trim(), organisation: org.value.trim(), place: place.value.trim(), language: language.value, groups: groups.names(), ...agenda }));
      } catch (err) {
        fail(err);
        createBtn.disabled = false;
      }
    });

    const demo = (l) => async (e) => {
      e.currentTarget.disabled = true;
      try {
        openAsFacilitator(await post('/api/demo', { language: l }));
      } catch (err) {
        fail(err);
      }
    };
    const demoCard = h('section', { class: 'card', 'aria-labelledby': 'demo-h' },
      h('h2', { id: 'demo-h', text: t('start.demo.title') }),
      h('p', { class: 'hint', text: t('start.demo.intro') }),
      h('div', { class: 'button-row' },
        h('button', { type: 'button', class: 'secondary', 'data-testid': 'demo-nl', text: t('start.demo.nl'), onclick: demo('nl') }),
        h('button', { type: 'button', class: 'secondary', 'data-testid': 'demo-en', text: t('start.demo.en'), onclick: demo('en') })));

    replace(root, skipLink(), bar.el,
      h('main', { id: 'main', class: 'start', tabindex: '-1' },
        h('h1', { text: t('app.name') }),
        h('p', { class: 'tagline', text: t('start.tagline') }),
        error,
        h('div', { class: 'cards' }, joinForm, createForm, demoCard, editor.el)));
  };
  render();
  onLangChange(render);
}
