//! The participant's rules phase: propose a rule of thumb (optionally linked to the level's
//! priorities), refine drafts together, rate each rule 1–5 on a scale that settles before it
//! sends (arrow keys do not send every step), give a short reason with a 1 or 2 (shown without a
//! name), and see the support per group once revealed. Rules carry their status, round and
//! earlier texts.

import { h, replace, reconcile, setText, cls } from '../../dom.js';
import { t, lang, levelName } from '../../i18n.js';
import { limit } from '../../limits.js';
import { levelRules, priorities, supportChart, maxGap, priorityItems, priorityText, statusBadge } from '../../results.js';
import { draftBox, focusBadge } from './common.js';

/** How long a choice made with the arrow keys on the rating scale rests before it counts. */
const SETTLE_MS = 700;

/** Checkboxes for the priorities of a level; `chosen()` gives the ticked ids. */
function anchorPicker(store, level, { legend, onChange }) {
  const box = h('div', { class: 'anchor-options' });
  const summary = h('summary', {});
  const el = h('details', { class: 'anchors-pick' }, summary, h('fieldset', { class: 'anchor-set' }, h('legend', { text: legend }), box));
  let chosen = new Set();
  const update = (want) => {
    if (want) chosen = new Set(want);
    const items = priorityItems(store.view, level);
    reconcile(box, items, (it) => it.id, (it) => {
      const input = h('input', { type: 'checkbox', value: it.id });
      input.addEventListener('change', () => {
        if (input.checked) chosen.add(it.id);
        else chosen.delete(it.id);
        setText(summary, t('rule.anchors.pick', { n: chosen.size }));
        if (onChange) onChange(Array.from(chosen));
      });
      return h('label', { class: 'check' }, input, h('span', { class: 'user-text' }));
    }, (lab, it) => {
      setText(lab.querySelector('span'), it.text);
      const input = lab.querySelector('input');
      if (input.checked !== chosen.has(it.id)) input.checked = chosen.has(it.id);
    });
    el.hidden = items.length === 0;
    setText(summary, t('rule.anchors.pick', { n: chosen.size }));
  };
  return { el, update, chosen: () => Array.from(chosen), reset: () => { chosen = new Set(); update(); } };
}

/** A rule's anchors as the server has them, with the links still on their way applied. */
function currentAnchors(store, rule) {
  const r = store.view.rules[rule];
  const out = [...((r && r.anchors) || [])];
  for (const e of store.pending) {
    if (e.intent.kind !== 'link_rule' || e.intent.rule !== rule) continue;
    const i = out.indexOf(e.intent.anchor);
    if (e.intent.linked === false && i >= 0) out.splice(i, 1);
    if (e.intent.linked !== false && i < 0) out.push(e.intent.anchor);
  }
  return out;
}

/**
 * The rules phase of `level`: propose a rule (linked to priorities), co-edit drafts, rate 1–5
 * (a 1 or 2 asks for a short reason first), see support once revealed.
 */
export function rules(ctx, level) {
  const { store, conn, toast, fields, unsentOf } = ctx;
  const context = h('div', { class: 'results-slot' });
  const pick = anchorPicker(store, level, { legend: t('rule.anchors.legend') });
  const add = draftBox(ctx, 'rule', level, t('rule.new'), t('rule.propose'), 'propose_rule', {
    el: pick.el,
    fields: () => (pick.chosen().length ? { anchors: pick.chosen() } : {}),
    reset: () => pick.reset(),
  });
  const list = h('ul', { class: 'items rules', 'data-testid': 'rule-list' });
  const none = h('p', { class: 'hint', text: t('rule.none') });
  const el = h('div', { class: 'phase-body' }, context, add.el, h('h2', { text: t('rule.list') }), list, none);
  let contextSig = '';
  /** A score of 1 or 2 chosen but not sent yet (it waits for a reason), per rule. */
  const low = new Map();
  const pickers = new Map();
  /** The reason box of each rule card, to put a refused reason back. */
  const reasonBoxes = new Map();
  /** A score being chosen with the arrow keys, not settled yet, per rule. */
  const choosing = new Map();
  const update = () => {
    const { view, me } = store;
    add.update(view.locked);
    pick.update();
    const dotsRevealed = view.progress[level] && view.progress[level].dots_revealed;
    const sig = dotsRevealed ? JSON.stringify([lang(), priorityItems(view, level).map((s) => [s.id, s.text, s.dots])]) : '';
    if (sig !== contextSig) {
      contextSig = sig;
      replace(context, dotsRevealed ? h('details', { class: 'context' }, h('summary', { text: t('results.priorities', { level: levelName(level) }) }), priorities(view, level, { limit: 5 })) : null);
    }
    const rs = levelRules(view, level);
    const gap = maxGap(rs);
    // All pending ratings count (sent or not): a rating replaces the previous one, so nothing is counted twice.
    const rates = store.pending.filter((e) => e.intent.kind === 'rate_rule');
    const items = [...rs, ...unsentOf('propose_rule').map((e) => ({ id: `pending-${e.id}`, pending: e.intent.text }))];
    reconcile(list, items, (r) => r.id, (r) => {
      if (r.pending !== undefined) {
        return h('li', { class: 'item pending' }, h('p', { class: 'user-text', text: r.pending }), h('p', { class: 'pending-note', text: t('rule.pending') }));
      }
      const f = fields.field('rule', r.id);
      const areaId = `rule-${r.id}`;
      const reasonId = `reason-${r.id}`;
      const reasonHint = `reason-hint-${r.id}`;
      const reason = h('textarea', { id: reasonId, rows: 2, maxlength: limit('max_reason_chars'), 'aria-describedby': reasonHint, 'data-testid': 'reason' });
      const reasonForm = h('form', { class: 'reason-form', 'data-testid': 'reason-form' },
        h('label', { for: reasonId, text: t('reason.label') }),
        h('p', { id: reasonHint, class: 'hint', text: t('reason.hint', { max: limit('max_reason_chars') }) }),
        reason,
        h('div', { class: 'button-row' },
          h('button', { type: 'submit', class: 'primary small', text: t('reason.send') }),
          h('button', { type: 'button', class: 'secondary small', 'data-action': 'cancel-reason', text: t('reason.cancel') })));
      reasonForm.hidden = true;
      reasonBoxes.set(r.id, reason);
      reasonForm.addEventListener('submit', (e) => {
        e.preventDefault();
        const text = reason.value.trim();
        if (!text) {
          toast.error('reason_required');
          reason.focus();
          return;
        }
        conn.intent({ kind: 'rate_rule', rule: r.id, score: low.get(r.id), reason: text });
        low.delete(r.id);
        update();
      });
      reasonForm.querySelector('[data-action=cancel-reason]').addEventListener('click', () => {
        low.delete(r.id);
        update();
      });
      // A choice on the scale is settled before anything happens: at once for a tap or click,
      // on Enter, Space or leaving the scale, or after a short pause while moving with the
      // arrow keys (each arrow press checks the next radio, which must not send a rating).
      // The reason box for a 1 or 2 appears below; the focus stays where the person is.
      let settleTimer = null;
      let pointerAt = 0;
      const settle = () => {
        clearTimeout(settleTimer);
        settleTimer = null;
        if (!choosing.has(r.id)) return;
        const n = choosing.get(r.id);
        choosing.delete(r.id);
        if (n <= 2) {
          low.set(r.id, n);
          const prev = (store.me.reasons || {})[r.id];
          if (prev && !reason.value) reason.value = prev;
        } else {
          low.delete(r.id);
          const pendingRate = store.pending.filter((e) => e.intent.kind === 'rate_rule' && e.intent.rule === r.id).pop();
          const sent = pendingRate ? pendingRate.intent.score : store.me.ratings[r.id];
          if (sent !== n) conn.intent({ kind: 'rate_rule', rule: r.id, score: n });
        }
        update();
      };
      const scale = h('fieldset', { class: 'scale' }, h('legend', { text: t('rule.rate') }),
        ...[1, 2, 3, 4, 5].map((n) => {
          const input = h('input', { type: 'radio', name: `rate-${r.id}`, value: n });
          input.addEventListener('change', () => {
            if (!input.checked) return;
            choosing.set(r.id, n);
            update();
            clearTimeout(settleTimer);
            if (Date.now() - pointerAt < 1500) settle();
            else settleTimer = setTimeout(settle, SETTLE_MS);
          });
          // Enter (on keydown) or Space (on keyup, after it checked the radio) settles at once.
          const now = (e) => {
            if (e.type === 'keydown' && e.key === 'Enter') e.preventDefault();
            else if (!(e.type === 'keyup' && e.key === ' ')) return;
            if (!choosing.has(r.id) && input.checked) choosing.set(r.id, n);
            settle();
          };
          input.addEventListener('keydown', now);
          input.addEventListener('keyup', now);
          return h('label', { class: 'scale-option' }, input, h('span', { class: 'scale-n', text: n }), h('span', { class: 'scale-label', text: t(`scale.${n}`) }));
        }));
      scale.addEventListener('pointerdown', () => { pointerAt = Date.now(); });
      scale.addEventListener('focusout', (e) => {
        if (!scale.contains(e.relatedTarget)) settle();
      });
      // Linking adds or removes one anchor at a time (the rule's author or the facilitator).
      const picker = anchorPicker(store, level, {
        legend: t('rule.anchors.legend'),
        onChange: (anchors) => {
          const now = currentAnchors(store, r.id);
          for (const a of anchors.filter((x) => !now.includes(x))) conn.intent({ kind: 'link_rule', rule: r.id, anchor: a, linked: true });
          for (const a of now.filter((x) => !anchors.includes(x))) conn.intent({ kind: 'link_rule', rule: r.id, anchor: a, linked: false });
        },
      });
      pickers.set(r.id, picker);
      return h('li', { class: 'item rule-card' },
        h('div', { class: 'rule-head' }, h('span', { class: 'badge-slot' }), h('span', { class: 'round' })),
        h('label', { for: areaId, class: 'small-label' }),
        f.element({ id: areaId, class: 'edit' }),
        h('p', { class: 'frozen-note hint', 'data-testid': 'frozen-note' }),
        h('details', { class: 'earlier-texts' }, h('summary', {}), h('ul', {})),
        h('p', { class: 'meta' }),
        h('div', { class: 'anchors' }, h('p', { class: 'anchors-h', text: t('rule.anchors') }), h('ul', { class: 'anchor-list', 'data-testid': 'anchors' })),
        picker.el,
        focusBadge(), scale, h('p', { class: 'rating-closed notice-line', role: 'status', 'data-testid': 'rating-closed' }), reasonForm, h('p', { class: 'own-reason', 'data-testid': 'own-reason' }), h('div', { class: 'support-slot' }));
    }, (li, r) => {
      if (r.pending !== undefined) return;
      // "Anyone may refine it" only while that is true.
      setText(li.querySelector('label.small-label'), t((r.stage || 'drafting') === 'drafting' ? 'rule.edit' : 'rule.text', { n: rs.indexOf(r) + 1 }));
      const badgeSlot = li.querySelector('.badge-slot');
      if (badgeSlot.dataset.status !== `${r.status}:${lang()}`) {
        badgeSlot.dataset.status = `${r.status}:${lang()}`;
        replace(badgeSlot, statusBadge(r));
      }
      const stage = r.stage || 'drafting';
      setText(li.querySelector('.round'), [r.round > 1 ? t('rule.round.n', { n: r.round }) : null, t(`rule.stage.${stage}`)].filter(Boolean).join(' · '));
      li.dataset.stage = stage;
      // The text is co-written while drafted; once rated or decided it is the record.
      const area = li.querySelector('textarea.edit');
      area.readOnly = stage !== 'drafting';
      const frozen = li.querySelector('.frozen-note');
      frozen.hidden = stage === 'drafting';
      setText(frozen, stage === 'decided' ? t('rule.frozen.decided') : stage === 'drafting' ? '' : t('rule.frozen'));
      const earlier = li.querySelector('.earlier-texts');
      const texts = r.earlier_texts || [];
      earlier.hidden = texts.length === 0;
      setText(earlier.querySelector('summary'), texts.length ? t('rule.round.n', { n: texts.length }) : '');
      reconcile(earlier.querySelector('ul'), texts.map((text, i) => ({ text, i })), (x) => `${x.i}:${x.text}`,
        (x) => h('li', { class: 'user-text', text: t('rule.earlier.text', { n: x.i + 1, text: x.text }) }), () => {});
      const by = r.author ? t('rule.by', { name: r.author.name }) : r.from_facilitator ? t('rule.from.facilitator') : '';
      setText(li.querySelector('.meta'), [by, t('rule.raters', { n: r.raters })].filter(Boolean).join(' · '));
      const anchors = currentAnchors(store, r.id);
      const anchorTexts = anchors.map((a) => priorityText(view, a)).filter((x) => x !== null);
      li.querySelector('.anchors').hidden = anchorTexts.length === 0;
      reconcile(li.querySelector('.anchor-list'), anchorTexts.map((text, i) => ({ text, i })), (x) => `${x.i}:${x.text}`, (x) => h('li', { class: 'user-text', text: x.text }), () => {});
      const picker = pickers.get(r.id);
      if (picker) {
        picker.update(li.contains(document.activeElement) && picker.el.contains(document.activeElement) ? null : anchors);
        const mine = r.author && r.author.id === me.id;
        picker.el.hidden = picker.el.hidden || view.locked || !mine || stage === 'decided';
      }
      const pendingRate = rates.filter((e) => e.intent.rule === r.id).pop();
      const sent = pendingRate ? pendingRate.intent.score : me.ratings[r.id];
      const score = choosing.has(r.id) ? choosing.get(r.id) : low.has(r.id) ? low.get(r.id) : sent;
      // Ratings close at the reveal; a decided rule takes none.
      const closed = stage === 'revealed' || stage === 'decided';
      for (const input of li.querySelectorAll('input[type=radio]')) {
        const want = Number(input.value) === score;
        if (input.checked !== want) input.checked = want;
        input.disabled = view.locked || closed;
      }
      li.querySelector('.scale').hidden = closed && !score;
      const closedNote = li.querySelector('.rating-closed');
      closedNote.hidden = !closed;
      setText(closedNote, closed ? t('rule.rating.closed') : '');
      // A 1 or 2 asks for a reason: the box shows as soon as it is chosen (also while still
      // moving with the arrow keys), so Tab goes straight into it.
      const asking = low.has(r.id) || (choosing.has(r.id) && choosing.get(r.id) <= 2);
      li.querySelector('.reason-form').hidden = !asking;
      const ownReason = pendingRate ? pendingRate.intent.reason : (me.reasons || {})[r.id];
      const own = li.querySelector('.own-reason');
      own.hidden = !ownReason || asking;
      setText(own, ownReason ? t('reason.own', { reason: ownReason }) : '');
      cls(li, 'focused', view.focus === r.id);
      const slot = li.querySelector('.support-slot');
      const ssig = r.support ? JSON.stringify([lang(), r.support, gap, r.status, r.reasons, r.earlier_rounds]) : '';
      if (slot.dataset.sig !== ssig) {
        slot.dataset.sig = ssig;
        replace(slot, r.support ? supportChart(view, r, gap > 0 && (r.support.gap || 0) >= gap - 1e-9) : null);
      }
    });
    none.hidden = items.length > 0;
  };
  const restore = (intent, meta) => {
    if (intent.kind === 'propose_rule') return add.restore(intent.text, meta);
    if (intent.kind !== 'rate_rule') return false;
    const box = reasonBoxes.get(intent.rule);
    if (!box || !box.isConnected || !store.view.rules[intent.rule] || store.view.rules[intent.rule].level !== level) return false;
    if (box.value.trim() && box.value !== intent.reason) return false;
    low.set(intent.rule, intent.score);
    box.value = intent.reason;
    update();
    return true;
  };
  return { el, update, restore };
}
