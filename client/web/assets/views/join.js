//! Joining as a participant: `/join/{code}`. With a resume token for this code in localStorage
//! the person comes straight back as themselves; otherwise they choose a name and a group. Once
//! joined, the participant view takes over the page. A person the facilitator removed sees that
//! (and stays out after a reload); a closed session says it is closed.

import { h, replace } from '../dom.js';
import { t, onLangChange, groupName, errorText } from '../i18n.js';
import { Store } from '../store.js';
import { Connection, secrets, deviceId } from '../connection.js';
import { topBar, skipLink, stickyHead } from '../widgets.js';
import { mountParticipant } from './participant.js';
import { limit } from '../limits.js';

export function mountJoin(root, code) {
  const store = new Store();
  let joinAs = null; // {name, group} chosen in the form
  // Ticked "I'm joining remotely": said with an intent once joined (the join message has no such field).
  let remote = false;
  const conn = new Connection(store, {
    code,
    role: 'participant',
    join: () => {
      const token = secrets.token(code);
      if (token) return { role: 'resume', token };
      if (joinAs) return { role: 'participant', ...joinAs, device: deviceId() };
      return null;
    },
  });
  let mode = 'loading';
  let facts = null;
  /** Why the session could not be looked up for now (`rate_limited`, `server_full`), in mode `busy`. */
  let busyCode = '';
  let formError = '';
  /** Which field the person must fix before joining: `name`, `group` or null. */
  let missing = null;
  let participant = null;

  const render = () => {
    if (mode === 'joined') return;
    const bar = topBar();
    bar.update(facts ? facts.title : '');
    let body;
    if (mode === 'loading') {
      body = h('p', { class: 'hint', text: t('join.loading') });
    } else if (mode === 'busy') {
      const retry = h('button', { type: 'button', class: 'primary', text: t('join.retry') });
      retry.addEventListener('click', () => showForm());
      body = h('div', { class: 'card', 'data-testid': 'join-busy' },
        h('h1', { text: errorText(busyCode) }), retry);
    } else if (mode === 'not_found' || mode === 'closed' || mode === 'removed') {
      const heading = { closed: t('join.closed'), removed: t('join.removed'), not_found: t('join.not_found', { code }) }[mode];
      body = h('div', { class: 'card', 'data-testid': `join-${mode}` },
        h('h1', { text: heading }),
        mode === 'removed' ? h('p', { text: t('join.removed.text') }) : null,
        h('a', { href: '/', class: 'button secondary', text: t('join.other_code') }));
    } else {
      // Nothing is chosen for the person: the group is an explicit choice (it weighs in the results).
      const nameBad = missing === 'name';
      const groupBad = missing === 'group';
      const name = h('input', { id: 'join-name', name: 'name', autocomplete: 'name', required: true, maxlength: limit('max_name_chars'),
        'aria-describedby': nameBad ? 'join-name-error join-name-hint' : 'join-name-hint', 'aria-invalid': nameBad ? 'true' : null });
      if (joinAs) name.value = joinAs.name;
      const groups = (facts.groups || ['ict', 'business']).map((g) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'group', value: g, required: true, checked: !!joinAs && joinAs.group === g, 'aria-invalid': groupBad ? 'true' : null }),
        h('span', { text: groupName(g) })));
      const err = h('p', { class: 'form-error', role: 'alert', text: formError });
      const nameErr = h('p', { id: 'join-name-error', class: 'form-error', role: 'alert', 'data-testid': 'join-name-error', text: nameBad ? t('join.name.required') : '' });
      const groupErr = h('p', { id: 'join-group-error', class: 'form-error', role: 'alert', 'data-testid': 'join-group-error', text: groupBad ? t('join.group.required') : '' });
      const submit = h('button', { type: 'submit', class: 'primary', text: t('join.submit') });
      const remoteBox = h('input', { type: 'checkbox', name: 'remote', 'data-testid': 'join-remote', checked: remote });
      const form = h('form', { class: 'card join-form', novalidate: true },
        h('h1', { text: t('join.title', { title: facts.title }) }),
        facts.organisation ? h('p', { class: 'hint', text: facts.organisation }) : null,
        h('label', { for: 'join-name', text: t('join.name') }), name, nameErr,
        h('p', { id: 'join-name-hint', class: 'hint', text: t('join.name.hint') }),
        h('fieldset', { class: 'choices', 'aria-describedby': groupBad ? 'join-group-error' : null, 'data-testid': 'join-group' },
          h('legend', { text: t('join.group') }), groupErr, ...groups),
        h('label', { class: 'choice remote-choice' }, remoteBox, h('span', { text: t('join.remote') })),
        err, submit);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const group = form.querySelector('input[name=group]:checked');
        joinAs = { name: name.value.trim(), group: group ? group.value : '' };
        remote = remoteBox.checked;
        formError = '';
        missing = !joinAs.name ? 'name' : !joinAs.group ? 'group' : null;
        if (missing) {
          render();
          const bad = missing === 'name' ? root.querySelector('#join-name') : root.querySelector('input[name=group]');
          if (bad) bad.focus();
          return;
        }
        submit.disabled = true;
        conn.start();
      });
      body = form;
    }
    // In a sticky head that lets go with very large text (it took a quarter of a phone's screen).
    replace(root, skipLink(), stickyHead(bar.el), h('main', { id: 'main', class: 'join', tabindex: '-1' }, body));
    const first = root.querySelector('#join-name');
    if (first && !formError && !missing) first.focus();
  };

  const toParticipant = () => {
    if (mode === 'joined') return;
    mode = 'joined';
    participant = mountParticipant(root, { store, conn, code });
  };

  conn.on('welcome', () => {
    // Once, after joining from the form: everyone is in the room until they say otherwise.
    if (remote && joinAs) conn.intent({ kind: 'set_remote', remote: true });
    remote = false;
    toParticipant();
  });
  // Removed by the facilitator: the connection stops; say so instead of the workshop.
  const removed = () => {
    if (participant) participant.destroy();
    participant = null;
    mode = 'removed';
    render();
  };
  conn.on('error', (msg) => {
    if (msg.code === 'removed') removed();
  });
  conn.on('joinError', (msg) => {
    if (msg.code === 'bad_credentials') {
      // The token is unknown (another server, or data wiped): join as someone new.
      secrets.forgetToken(code);
      if (participant) participant.destroy();
      participant = null;
      mode = 'loading';
      showForm();
    } else if (msg.code === 'session_not_found') {
      mode = 'not_found';
      render();
    } else if (msg.code === 'removed') {
      removed();
    } else if (msg.code === 'session_closed') {
      mode = 'closed';
      render();
    } else {
      formError = errorText(msg.code);
      joinAs = joinAs && { ...joinAs };
      mode = 'form';
      render();
    }
  });

  async function showForm() {
    mode = 'loading';
    render();
    try {
      const res = await fetch(`/api/sessions/${encodeURIComponent(code)}`);
      if (res.status === 404) {
        mode = 'not_found';
      } else if (res.status === 429 || res.status === 503) {
        // Too many codes tried from this network, or the server is full: not a closed session.
        const body = await res.json().catch(() => ({}));
        busyCode = (body.error && body.error.code) || 'rate_limited';
        mode = 'busy';
      } else {
        facts = await res.json();
        mode = facts.status === 'open' ? 'form' : 'closed';
      }
    } catch {
      mode = 'not_found';
    }
    render();
  }

  onLangChange(() => {
    if (participant) participant.rerender();
    else render();
  });

  if (secrets.token(code)) {
    toParticipant();
    conn.start();
  } else {
    showForm();
  }
}
