//! Hybrid rooms, in the facilitator console: people in the room without a device. The
//! facilitator adds one (name and group), picks them in "enter for …", and enters their
//! statements, dots, ratings (with the reason a low rating needs) and reviews. Every intent goes
//! out with `on_behalf_of`; the server marks the input as entered by the facilitator and counts
//! it like anyone else's.
//!
//! The facilitator's view does not contain a proxy's own dots or ratings (secret ballots hold
//! for them too), so this panel only shows what was entered from this console since it opened.

import { h, replace, reconcile, setText, uid } from '../dom.js';
import { t, lang, groupName } from '../i18n.js';
import { priorityItems, levelRules, carriedRules } from '../results.js';
import { unsentNotices, typedText } from '../widgets.js';
import { limit } from '../limits.js';

export function proxyPanel(store, conn, toast) {
  const base = uid('proxy');
  // Add someone without a device.
  const nameId = `${base}-name`;
  const groupId = `${base}-group`;
  const name = h('input', { id: nameId, maxlength: limit('max_name_chars'), autocomplete: 'off', 'data-testid': 'proxy-name' });
  const group = h('select', { id: groupId, 'data-testid': 'proxy-group' });
  const addForm = h('form', { class: 'proxy-add' },
    h('label', { for: nameId, text: t('proxy.name') }), name,
    h('label', { for: groupId, text: t('proxy.group') }), group,
    h('button', { type: 'submit', class: 'secondary', text: t('proxy.add') }));
  let justAdded = null;
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = name.value.trim();
    if (!n) {
      toast.error('invalid_name');
      name.focus();
      return;
    }
    justAdded = conn.intent({ kind: 'add_proxy', name: n, group: group.value });
    name.value = '';
  });

  // Enter input for one of them.
  const whoId = `${base}-who`;
  const who = h('select', { id: whoId, 'data-testid': 'enter-for' });
  const entry = h('div', { class: 'proxy-entry', 'data-testid': 'proxy-entry' });
  const whoBox = h('div', { class: 'proxy-who' }, h('label', { for: whoId, text: t('proxy.enter_for') }), who);
  // A statement or reason typed for someone that the server refused is kept, with a copy button.
  const unsent = unsentNotices(`draagvlak:${conn.opts.code}:facilitator:unsent`, { heading: 'h3' });
  const offReject = store.onAnswer((msg) => {
    if (msg.type !== 'reject') return;
    const text = msg.on_behalf_of && typedText(msg.intent);
    if (text) unsent.add(text, msg.code);
  });
  const el = h('section', { class: 'panel', 'aria-labelledby': `${base}-h`, 'data-testid': 'proxy-panel' },
    h('h2', { id: `${base}-h`, text: t('proxy.title') }),
    h('p', { class: 'hint', text: t('proxy.hint') }), unsent.el, addForm, whoBox, entry);
  who.addEventListener('change', () => {
    entrySig = '';
    update();
  });
  const offAck = store.onAnswer((msg) => {
    if (msg.type !== 'ack') return;
    if (msg.id === justAdded && msg.created) {
      justAdded = null;
      chosen = msg.created;
      entrySig = '';
    }
    if (msg.on_behalf_of && msg.intent && (msg.intent.kind === 'place_dot' || msg.intent.kind === 'remove_dot')) {
      const k = `${msg.on_behalf_of}:${msg.intent.statement}`;
      dots.set(k, Math.max(0, (dots.get(k) || 0) + (msg.intent.kind === 'place_dot' ? 1 : -1)));
      entrySig = '';
    }
    if (msg.on_behalf_of && msg.intent && msg.intent.kind === 'add_statement') {
      const list = added.get(msg.on_behalf_of) || [];
      list.push(msg.intent.text);
      added.set(msg.on_behalf_of, list);
      entrySig = '';
    }
    if (msg.on_behalf_of && msg.intent && (msg.intent.kind === 'rate_rule' || msg.intent.kind === 'review_rule')) {
      done.set(`${msg.on_behalf_of}:${msg.intent.rule}`, msg.intent);
      entrySig = '';
    }
    update();
  });
  /** What was entered from this console: dots per proxy and item, statements, ratings/reviews. */
  const dots = new Map();
  const added = new Map();
  const done = new Map();
  let chosen = '';
  let entrySig = '';

  const send = (intent) => conn.intent(intent, who.value);

  function brainstormEntry(p) {
    const id = `${base}-stmt`;
    const area = h('textarea', { id, rows: 3, maxlength: limit('max_text_chars'), 'data-testid': 'proxy-statement' });
    const form = h('form', { class: 'proxy-form' }, h('label', { for: id, text: t('proxy.statement', { name: p.name }) }), area,
      h('button', { type: 'submit', class: 'primary', text: t('statement.add') }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return toast.error('empty_text');
      send({ kind: 'add_statement', text });
      area.value = '';
      area.focus();
    });
    const mine = added.get(who.value) || [];
    return [form, mine.length ? h('ul', { class: 'proxy-done' }, ...mine.map((s) => h('li', { class: 'user-text', text: s }))) : null];
  }

  function voteEntry(p, level) {
    const list = h('ul', { class: 'items proxy-votes' });
    for (const it of priorityItems(store.view, level)) {
      const n = dots.get(`${who.value}:${it.id}`) || 0;
      const plus = h('button', { type: 'button', class: 'secondary small', 'data-action': 'proxy-place', 'aria-label': t('proxy.dot.place', { name: p.name, text: it.text }), text: '+' });
      const minus = h('button', { type: 'button', class: 'secondary small', 'data-action': 'proxy-remove', 'aria-label': t('proxy.dot.remove', { name: p.name, text: it.text }), text: '−' });
      plus.addEventListener('click', () => send({ kind: 'place_dot', statement: it.id }));
      minus.addEventListener('click', () => send({ kind: 'remove_dot', statement: it.id }));
      list.append(h('li', { class: 'item proxy-vote' }, h('p', { class: 'user-text', text: it.text }),
        h('div', { class: 'item-actions' }, h('span', { class: 'meta', text: t('proxy.dots', { n }) }), minus, plus)));
    }
    return [h('p', { class: 'hint', text: t('proxy.dots.hint') }), list];
  }

  function rateEntry(p, level) {
    const out = [];
    levelRules(store.view, level).forEach((r, i) => {
      const sid = `${base}-score-${r.id}`;
      const rid = `${base}-reason-${r.id}`;
      const score = h('select', { id: sid, 'data-testid': 'proxy-score' }, h('option', { value: '', text: '—' }),
        ...[1, 2, 3, 4, 5].map((n) => h('option', { value: n, text: `${n} · ${t(`scale.${n}`)}` })));
      const reason = h('textarea', { id: rid, rows: 2, maxlength: limit('max_reason_chars'), 'data-testid': 'proxy-reason' });
      const prev = done.get(`${who.value}:${r.id}`);
      if (prev) {
        score.value = String(prev.score);
        reason.value = prev.reason || '';
      }
      const form = h('form', { class: 'item proxy-form' }, h('p', { class: 'user-text', text: r.text }),
        h('label', { for: sid, text: t('proxy.score', { name: p.name, n: i + 1 }) }), score,
        h('label', { for: rid, text: t('proxy.reason') }), reason,
        h('button', { type: 'submit', class: 'secondary small', text: t('proxy.save') }),
        prev ? h('p', { class: 'meta', text: t('proxy.saved') }) : null);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const n = Number(score.value);
        if (!n) return;
        const text = reason.value.trim();
        if (n <= 2 && !text) {
          toast.error('reason_required');
          reason.focus();
          return;
        }
        send(n <= 2 ? { kind: 'rate_rule', rule: r.id, score: n, reason: text } : { kind: 'rate_rule', rule: r.id, score: n });
      });
      out.push(form);
    });
    return out.length ? out : [h('p', { class: 'hint', text: t('rule.none') })];
  }

  function reviewEntry(p) {
    return carriedRules(store.view).map((r, i) => {
      const prev = done.get(`${who.value}:${r.id}`);
      const sel = (key) => {
        const id = `${base}-${key}-${r.id}`;
        const s = h('select', { id, 'data-question': key }, h('option', { value: '', text: '—' }),
          ...['yes', 'partly', 'no'].map((a) => h('option', { value: a, text: t(`answer.${a}`) })));
        if (prev) s.value = prev[key];
        return [h('label', { for: id, text: t(`proxy.review.${key}`, { name: p.name, n: i + 1 }) }), s];
      };
      const form = h('form', { class: 'item proxy-form' }, h('p', { class: 'user-text', text: r.text }), ...sel('applied'), ...sel('still_right'),
        h('button', { type: 'submit', class: 'secondary small', text: t('proxy.save') }),
        prev ? h('p', { class: 'meta', text: t('proxy.saved') }) : null);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const applied = form.querySelector('[data-question=applied]').value;
        const stillRight = form.querySelector('[data-question=still_right]').value;
        if (applied && stillRight) send({ kind: 'review_rule', rule: r.id, applied, still_right: stillRight });
      });
      return form;
    });
  }

  function update() {
    const { view } = store;
    if (!view) return;
    el.hidden = !!view.closed;
    reconcile(group, view.session.groups, (g) => g, (g) => h('option', { value: g }), (o, g) => setText(o, groupName(g)));
    const proxies = Object.entries(view.participants || {}).filter(([, p]) => p.proxy).map(([id, p]) => ({ id, ...p })).sort((a, b) => a.name.localeCompare(b.name));
    const opts = [{ id: '', name: t('proxy.nobody') }, ...proxies];
    reconcile(who, opts, (p) => p.id || '-', (p) => h('option', { value: p.id }), (o, p) => setText(o, p.id ? `${p.name} (${groupName(p.group)})` : p.name));
    if (chosen && proxies.some((p) => p.id === chosen)) {
      who.value = chosen;
      chosen = '';
    }
    if (!proxies.some((p) => p.id === who.value)) who.value = '';
    whoBox.hidden = proxies.length === 0;
    const p = proxies.find((x) => x.id === who.value);
    const phase = store.phase();
    const sig = JSON.stringify([lang(), who.value, view.current_phase, p && p.name, phase.kind === 'vote' ? priorityItems(view, phase.level).map((i) => [i.id, i.text]) : 0,
      phase.kind === 'rules' ? levelRules(view, phase.level).map((r) => [r.id, r.text]) : 0, phase.kind === 'review' ? carriedRules(view).map((r) => r.id) : 0]);
    // Never rebuild under someone's hands while they type or choose; a pressed button gets its
    // focus back after the rebuild.
    const active = entry.contains(document.activeElement) ? document.activeElement : null;
    if (sig === entrySig || (active && active.tagName !== 'BUTTON')) return;
    const buttonIndex = active ? Array.from(entry.querySelectorAll('button')).indexOf(active) : -1;
    entrySig = sig;
    if (!p) {
      replace(entry);
      return;
    }
    let parts;
    if (phase.kind === 'brainstorm') parts = brainstormEntry(p);
    else if (phase.kind === 'vote') parts = voteEntry(p, phase.level);
    else if (phase.kind === 'rules') parts = rateEntry(p, phase.level);
    else if (phase.kind === 'review') parts = reviewEntry(p);
    else parts = [h('p', { class: 'hint', text: t('proxy.nothing') })];
    replace(entry, h('h3', { text: t('proxy.entering', { name: p.name }) }), ...parts);
    if (buttonIndex >= 0) {
      const b = entry.querySelectorAll('button')[buttonIndex];
      if (b) b.focus();
    }
  }

  // The console is built again on a language switch: the old panel stops listening.
  const dispose = () => {
    offReject();
    offAck();
  };
  return { el, update, dispose };
}
