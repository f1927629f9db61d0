//! The one store of a page: the audience's view, the participant's private part, the answers to
//! this page's intents, and a little local state about the connection. Server state in it changes
//! only through server messages (`snapshot`, `delta`, `me`, `welcome`, `ack`, `reject`); views
//! read it and never write it.
//!
//! Acks and rejects are kept as a short log (`answers`, each with a sequence number), handed over
//! by the connection once it has taken the intent out of its queue (with the intent and the `meta`
//! it was queued with). A view that acts on answers (a refused text back into its box, a toast,
//! an id the server created) follows the log with `onAnswer`, from the moment it subscribes.
//!
//! Deltas are applied only on top of the revision they were made against (`base`); a gap means a
//! message was missed, and the store asks for a fresh snapshot with `sync` and ignores deltas
//! until it arrives (PROTOCOL.md, "Revisions and deltas").

import { applyPatch } from './patch.js';

/** How many answers the store keeps (each notification reads the new ones at once). */
const MAX_ANSWERS = 100;

export class Store {
  constructor() {
    /** The audience's view (`View` in PROTOCOL.md), or null before the first snapshot. */
    this.view = null;
    /** Revision of `view`. */
    this.rev = 0;
    /** The participant's private part (`MeView`), or null. */
    this.me = null;
    this.meRev = -1;
    /** The last `welcome`. */
    this.welcome = null;
    /** Server clock minus local clock, in ms, learned from `welcome.server_time`. */
    this.serverOffset = 0;
    /** `connecting` (never joined yet), `online` (joined), `offline` (lost; reconnecting). */
    this.status = 'connecting';
    /** Intents sent or waiting, not yet answered: `[{id, intent}]` (local state). */
    this.pending = [];
    /**
     * The latest answers to this page's intents, oldest first: the `ack` or `reject` message
     * (`type`, `id`, `code`, `created`, …) with `intent`, `on_behalf_of` and `meta` of the intent
     * it answers (null when it was not queued here) and `seq`, counting up from 1.
     */
    this.answers = [];
    /** `seq` of the latest answer (0 before the first). */
    this.answerSeq = 0;
    this.syncing = false;
    this.listeners = new Set();
    this.scheduled = false;
  }

  /** Call `fn(store)` after changes (batched: once per task). Returns an unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed() {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const fn of Array.from(this.listeners)) fn(this);
    });
  }

  /** The server's clock now, in ms since the epoch. */
  serverNow() {
    return Date.now() + this.serverOffset;
  }

  /** The current phase of the agenda, or null. */
  phase() {
    return this.view ? this.view.phases[this.view.current_phase] || null : null;
  }

  setStatus(status) {
    if (this.status !== status) {
      this.status = status;
      this.changed();
    }
  }

  setPending(list) {
    this.pending = list;
    this.changed();
  }

  /** The answers that arrived after answer `seq`, oldest first. */
  answersAfter(seq) {
    return this.answers.filter((a) => a.seq > seq);
  }

  /**
   * Call `fn(answer)` for every ack or reject that arrives from now on, once each and in order
   * (before listeners subscribed later see the same change). Returns an unsubscribe function.
   */
  onAnswer(fn) {
    let seen = this.answerSeq;
    return this.subscribe(() => {
      for (const a of this.answersAfter(seen)) {
        seen = a.seq;
        fn(a);
      }
    });
  }

  /**
   * Apply one server message. `requestSync` is called (once) when a delta does not fit.
   * Returns true when the message was a state message.
   */
  receive(msg, requestSync) {
    switch (msg.type) {
      case 'welcome':
        this.welcome = msg;
        this.serverOffset = msg.server_time - Date.now();
        break;
      case 'snapshot':
        this.view = msg.view;
        this.rev = msg.rev;
        this.syncing = false;
        break;
      case 'delta':
        if (!this.view || msg.rev <= this.rev) return true;
        if (msg.base !== this.rev) {
          if (!this.syncing) {
            this.syncing = true;
            requestSync();
          }
          return true;
        }
        try {
          this.view = applyPatch(this.view, msg.ops);
          this.rev = msg.rev;
        } catch (e) {
          console.warn('delta did not apply; asking for a snapshot', e);
          if (!this.syncing) {
            this.syncing = true;
            requestSync();
          }
          return true;
        }
        break;
      case 'me':
        if (msg.rev >= this.meRev || this.meRev < 0) {
          this.me = msg.me;
          this.meRev = msg.rev;
        }
        break;
      case 'ack':
      case 'reject':
        this.answerSeq += 1;
        this.answers.push({ ...msg, seq: this.answerSeq });
        // Listeners read them in the notification that follows; a short tail is plenty.
        if (this.answers.length > MAX_ANSWERS) this.answers.splice(0, this.answers.length - MAX_ANSWERS);
        break;
      default:
        return false;
    }
    this.changed();
    return true;
  }
}
