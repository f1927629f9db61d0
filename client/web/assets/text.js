//! Collaborative text fields (statements: own only; rules: anyone on the level).
//!
//! The server holds the text; a field keeps three things:
//! - `known`: the last server text the local text was reconciled with,
//! - `local`: what the person sees and types,
//! - `inflight`: at most one splice sent and not yet answered (PROTOCOL.md, "one edit in flight
//!   per text"), with the text it should produce (`expected`).
//!
//! Typing sends the difference between `known` and `local` (common prefix and suffix stripped;
//! positions in UTF-16 code units, which are JavaScript string indices) when nothing is in
//! flight. When the ack comes, the view already holds the merged result `V`; further typing is
//! the difference between `expected` and `local`, someone else's work is the difference between
//! `expected` and `V`, and the local change is mapped through the remote one and applied to `V`
//! (a small operational transform), so both people's edits survive. Changes from others that
//! arrive while nothing is in flight are rebased the same way, keeping the caret in place.
//!
//! Field states are kept in localStorage while they differ from the server, so typing done
//! offline survives a reload; the in-flight splice itself is in the connection's queue.

import { h } from './dom.js';
import { limit } from './limits.js';

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The splice `{pos, delete, insert}` that turns `a` into `b`, or null when equal. `caret` (where
 * the caret is in `b`, if known) says where the typing happened when the text alone cannot:
 * typing a space after "de" in "de vraag" gives "de  vraag", and only the caret tells that the
 * new space came before the old one. The server anchors an insertion to the character before
 * it, so this decides where the typing goes when others type at the same spot.
 */
export function diff(a, b, caret = null) {
  if (a === b) return null;
  const max = Math.min(a.length, b.length);
  let p = 0;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p += 1;
  if (p > 0 && isHigh(a.charCodeAt(p - 1))) p -= 1; // never split a surrogate pair
  let sfx = 0;
  while (sfx < max - p && a.charCodeAt(a.length - 1 - sfx) === b.charCodeAt(b.length - 1 - sfx)) sfx += 1;
  if (sfx > 0 && isLow(a.charCodeAt(a.length - sfx))) sfx -= 1;
  const sp = { pos: p, delete: a.length - p - sfx, insert: b.slice(p, b.length - sfx) };
  // A pure insertion (or deletion) that could as well have happened earlier, at the caret: there.
  const k = b.length - a.length;
  if (caret !== null && k !== 0 && (sp.delete === 0 || sp.insert === '')) {
    const q = k > 0 ? caret - k : caret;
    if (q >= 0 && q < p && !isLow(b.charCodeAt(q))) {
      if (k > 0 && a.slice(q) === b.slice(q + k)) return { pos: q, delete: 0, insert: b.slice(q, q + k) };
      if (k < 0 && a.slice(q - k) === b.slice(q)) return { pos: q, delete: -k, insert: '' };
    }
  }
  return sp;
}

/** Apply a splice to a text. */
export function applySplice(text, sp) {
  if (!sp) return text;
  return text.slice(0, sp.pos) + sp.insert + text.slice(sp.pos + sp.delete);
}

/**
 * Map the local splice `l` (made on text T) through the remote splice `r` (also made on T), so
 * it can be applied after `r`. Text deleted remotely shrinks the local range; text inserted
 * remotely is never deleted by a local edit at its edge; at the same position the local
 * insertion goes after the remote one, except at `keep` (the end of this person's own typing,
 * where the server puts what continues it before what others added there).
 */
export function transform(l, r, keep = null) {
  if (!r) return l;
  if (!l) return null;
  const delta = r.insert.length - r.delete;
  const rEnd = r.pos + r.delete;
  const held = (p) => p === keep && p === r.pos && r.delete === 0;
  const mapStart = (p) => (p < r.pos || held(p) ? p : p >= rEnd && p > r.pos ? p + delta : r.pos + r.insert.length);
  const mapEnd = (p) => (p <= r.pos ? p : p >= rEnd ? p + delta : r.pos);
  const start = mapStart(l.pos);
  const end = Math.max(start, l.delete === 0 ? start : mapEnd(l.pos + l.delete));
  return { pos: start, delete: end - start, insert: l.insert };
}

/**
 * Where a caret at `c` in the local text (`from` changed by local splice `l`) ends up when
 * `l` is rebased over remote splice `r` as `l2`: in or at the end of the local typing it stays
 * with that typing, elsewhere it follows the remote change.
 */
export function rebaseCaret(c, l, r, l2, keep = null) {
  // Text someone else inserted right at the caret goes before it. The strings cannot tell whether
  // it came before or after this person's own typing; if it came after, the server still puts
  // their next keystroke right after their own run (core/src/text.rs), while a caret
  // left before it could put the next keystroke inside their own run, where it counts as meant.
  // At `keep` the ack told where their own typing is (`rebaseOwn`): the caret stays with it.
  const follow = (p) => (r && p === r.pos && r.delete === 0 && p !== keep ? p + r.insert.length : mapCaret(p, r));
  if (!l || !l2) return follow(c);
  const ins = l.insert.length;
  if (c >= l.pos && c <= l.pos + ins) return l2.pos + (c - l.pos);
  if (c < l.pos) return follow(c);
  const v = follow(c - ins + l.delete);
  return v >= l2.pos + l2.delete ? v + ins - l2.delete : v;
}

/**
 * Rebase the local text over the server's text `v` when the ack said where this client's own
 * edit `sent` (made on `from`) went: its inserted text begins at `at` in `v`. A thin client
 * cannot tell its own characters from equal ones others typed next to them ("((" and "("); with
 * `at` the changes of others before and after its own text are told apart exactly, and typing
 * that continues its own text stays right after it, before what others added there (where the
 * server puts it too). Returns `{ text, caret }`, or null when `at` does not fit `v` (then the
 * plain rebase is used).
 */
export function rebaseOwn(from, sent, local, caret, v, at) {
  const len = sent ? sent.insert.length : 0;
  if (!len || !Number.isInteger(at) || v.slice(at, at + len) !== sent.insert) return null;
  const expected = applySplice(from, sent);
  const end = sent.pos + len;
  const l = diff(expected, local, caret);
  // Others' changes after and before the own text, as splices of `expected`: after first, so
  // the positions before stay valid.
  const after = diff(expected.slice(end), v.slice(at + len));
  const rAfter = after && { pos: after.pos + end, delete: after.delete, insert: after.insert };
  const rBefore = diff(expected.slice(0, sent.pos), v.slice(0, at));
  const l1 = transform(l, rAfter, end);
  const c1 = caret === null ? null : rebaseCaret(caret, l, rAfter, l1, end);
  const l2 = transform(l1, rBefore);
  const c2 = c1 === null ? null : rebaseCaret(c1, l1, rBefore, l2);
  return { text: applySplice(v, l2), caret: c2 };
}

/** Where a caret at `p` ends up after splice `sp`. */
export function mapCaret(p, sp) {
  if (!sp || p <= sp.pos) return p;
  if (p >= sp.pos + sp.delete) return p + sp.insert.length - sp.delete;
  return sp.pos + sp.insert.length;
}

/** Rejects after which the local text is given up (the server will never accept it). */
const DISCARD = new Set(['wrong_phase', 'not_found', 'not_owner', 'text_too_long', 'forbidden', 'session_closed', 'bad_message', 'invalid_intent_id', 'rule_frozen', 'decided', 'has_votes', 'vote_closed']);

class Field {
  constructor(mgr, kind, item, state) {
    this.mgr = mgr;
    this.kind = kind;
    this.item = item;
    this.known = state.known;
    this.local = state.local;
    this.inflight = state.inflight || null;
    this.blocked = !!state.blocked;
    this.moved = false;
    this.failures = 0;
    this.el = null;
  }

  /** The textarea of this field (made once, reused by every render). */
  element(props) {
    if (!this.el) {
      this.el = h('textarea', { rows: 3, maxlength: limit('max_text_chars'), ...props });
      this.el.value = this.local;
      this.el.addEventListener('input', () => {
        this.local = this.el.value;
        this.mgr.persist();
        this.pump();
      });
      // The caret moved on purpose (a tap or click, an arrow key): what is typed next starts a
      // new run, and the server is told so with an empty edit before it (server text.rs).
      const moved = () => { this.moved = true; };
      this.el.addEventListener('pointerdown', moved);
      this.el.addEventListener('keydown', (e) => {
        if (/^(Arrow|Home$|End$|Page)/.test(e.key)) moved();
      });
    }
    return this.el;
  }

  serverText() {
    return this.mgr.serverText(this.kind, this.item);
  }

  /** Show `text` as the local text, keeping the caret where it belongs (at `caret` if given). */
  setLocal(text, caret = null) {
    if (text === this.local) return;
    const sp = diff(this.local, text);
    this.local = text;
    if (this.el && this.el.value !== text) {
      const focused = document.activeElement === this.el;
      const a = this.el.selectionStart;
      const b = this.el.selectionEnd;
      this.el.value = text;
      if (focused && caret !== null && a === b) this.el.setSelectionRange(caret, caret);
      else if (focused) this.el.setSelectionRange(mapCaret(a, sp), mapCaret(b, sp));
    }
  }

  /** Where the caret is in the local text, when the person is typing here. */
  caret() {
    return this.el && document.activeElement === this.el && this.el.value === this.local ? this.el.selectionEnd : null;
  }

  /** The server now has `v`; our local text was based on `from`. */
  rebase(from, v) {
    const caret = this.caret();
    const l = diff(from, this.local, caret);
    const r = diff(from, v);
    const local = transform(l, r);
    this.known = v;
    this.setLocal(applySplice(v, local), caret === null ? null : rebaseCaret(caret, l, r, local));
  }

  /** Send the next splice if nothing is in flight. */
  pump() {
    if (this.inflight || this.blocked) return;
    const v = this.serverText();
    if (v === undefined) return;
    if (v !== this.known) this.rebase(this.known, v);
    const sp = diff(this.known, this.local, this.caret());
    if (!sp) {
      this.mgr.persist();
      return;
    }
    const store = this.mgr.store;
    // After a deliberate caret move, first an empty edit (it changes no text, ends the run).
    const marker = this.moved;
    this.moved = false;
    const edit = marker ? { pos: 0, delete: 0, insert: '' } : sp;
    const intent = this.kind === 'rule'
      ? { kind: 'edit_rule', rule: this.item, rev: store.rev, pos: edit.pos, delete: edit.delete, insert: edit.insert }
      : { kind: 'edit_statement', statement: this.item, rev: store.rev, pos: edit.pos, delete: edit.delete, insert: edit.insert };
    const id = this.mgr.conn.intent(intent);
    this.inflight = { id, expected: marker ? this.known : this.local, sent: edit };
    this.mgr.persist();
  }

  /** The view changed. */
  viewChanged() {
    const v = this.serverText();
    if (v === undefined) return;
    if (this.blocked && !this.mgr.store.view.locked) this.blocked = false;
    if (this.inflight) return; // reconciled when the answer comes
    if (v !== this.known) this.rebase(this.known, v);
    if (this.local !== this.known) this.pump();
  }

  /** The server applied the edit in flight; `msg` is its ack. */
  acked(msg) {
    const { expected, sent } = this.inflight;
    this.inflight = null;
    this.failures = 0;
    const v = this.serverText();
    // The ack's `at` is a position in the view of its revision: usable when that is the view here.
    const own = v !== undefined && msg && msg.rev === this.mgr.store.rev
      ? rebaseOwn(this.known, sent, this.local, this.caret(), v, msg.at)
      : null;
    if (own) {
      this.known = v;
      this.setLocal(own.text, own.caret);
    } else if (v !== undefined) {
      this.rebase(expected, v);
    }
    this.mgr.persist();
    this.pump();
  }

  rejected(code) {
    this.inflight = null;
    const v = this.serverText();
    if (v === undefined) {
      // The item is gone (deleted, hidden, another level): what was typed must not vanish with it.
      if (this.local !== this.known && this.mgr.onDiscard) this.mgr.onDiscard(this.local, code);
      this.known = this.local;
      this.mgr.persist();
      return;
    }
    if (code === 'input_locked') {
      this.blocked = true;
      this.rebase(this.known, v);
    } else if (DISCARD.has(code) || this.failures >= 3) {
      // The server will not take this edit: show its text, but keep what was typed for the person.
      if (this.local !== v && this.mgr.onDiscard) this.mgr.onDiscard(this.local, code);
      this.known = v;
      this.setLocal(v);
      this.failures = 0;
    } else {
      // stale_revision, invalid_splice, …: make the edit again against the current text.
      this.failures += 1;
      this.rebase(this.known, v);
      if (code === 'stale_revision') this.mgr.conn.sendRaw({ type: 'sync' });
    }
    this.mgr.persist();
    this.pump();
  }

  dirty() {
    return this.inflight || this.local !== this.known || this.blocked;
  }
}

/** All text fields of one session on this page. */
export class TextFields {
  /** `onDiscard(text, code)` is called with typed text the server refused for good. */
  constructor(store, conn, code, role, { onDiscard = null } = {}) {
    this.store = store;
    this.conn = conn;
    this.onDiscard = onDiscard;
    this.key = `draagvlak:${code}:${role}:texts`;
    this.fields = new Map();
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(this.key) || '{}');
    } catch {
      saved = {};
    }
    this.saved = saved;
    // Answers first, then the view: an edit's ack is reconciled before the text it changed.
    let seen = store.answerSeq;
    store.subscribe(() => {
      for (const a of store.answersAfter(seen)) {
        seen = a.seq;
        for (const f of this.fields.values()) {
          if (!f.inflight || f.inflight.id !== a.id) continue;
          if (a.type === 'ack') f.acked(a);
          else f.rejected(a.code);
        }
      }
      if (!store.view) return;
      for (const f of this.fields.values()) f.viewChanged();
      // Restore saved fields as soon as their items are in the view.
      for (const k of Object.keys(this.saved)) {
        const [kind, item] = k.split(':');
        if (this.serverText(kind, item) !== undefined) this.field(kind, item);
      }
    });
  }

  serverText(kind, item) {
    const v = this.store.view;
    if (!v) return undefined;
    const coll = kind === 'rule' ? v.rules : v.statements;
    return coll[item] ? coll[item].text : undefined;
  }

  /** The field of statement or rule `item` (kind `statement` or `rule`). */
  field(kind, item) {
    const k = `${kind}:${item}`;
    let f = this.fields.get(k);
    if (!f) {
      const text = this.serverText(kind, item) ?? '';
      const saved = this.saved[k];
      delete this.saved[k];
      f = new Field(this, kind, item, saved || { known: text, local: text });
      this.fields.set(k, f);
      if (saved) f.viewChanged();
    }
    return f;
  }

  persist() {
    const out = { ...this.saved };
    for (const [k, f] of this.fields) {
      if (f.dirty()) out[k] = { known: f.known, local: f.local, inflight: f.inflight, blocked: f.blocked };
    }
    if (Object.keys(out).length) localStorage.setItem(this.key, JSON.stringify(out));
    else localStorage.removeItem(this.key);
  }
}
