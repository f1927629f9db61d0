//! The WebSocket to the server: join, reconnect, and intents that are never lost.
//!
//! - Joins with the role's credentials; a participant's resume token and the facilitator's
//!   secret live in localStorage under the join code, never in a URL sent to a server (a
//!   facilitator link carries the secret in its fragment, see app.js).
//! - Reconnects with exponential backoff and jitter after a lost connection, at once when the
//!   browser says it is online again or the page becomes visible, and notices a dead connection
//!   with an application-level ping.
//! - Every intent gets an id `<device><load>-<n>`: a random prefix kept per device plus a random
//!   part per page load, so two tabs or devices never share an id. Intents are kept in
//!   localStorage until answered, so what someone does while offline survives a reload; after
//!   every join all unanswered intents are sent again, in order, with their original ids (the
//!   server applies an id at most once).

const PROTOCOL = 1;
/** Join errors after which trying again with the same credentials makes no sense. */
const FATAL_JOIN = new Set(['session_not_found', 'bad_credentials', 'invalid_name', 'invalid_group', 'session_closed', 'unsupported_version', 'removed']);
/** Errors on a joined connection after which reconnecting makes no sense (the person was removed). */
const FATAL_AFTER = new Set(['removed']);
/** Rejects that say "try again later with the same id". */
const RETRYABLE = new Set(['storage_failed', 'shutting_down', 'unavailable', 'rate_limited', 'internal']);
const MAX_RETRIES = 5;

function randomId(n) {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function devicePrefix() {
  let d = localStorage.getItem('draagvlak:device');
  if (!d) {
    d = randomId(6);
    localStorage.setItem('draagvlak:device', d);
  }
  return d;
}

/**
 * A random id this browser keeps across sessions, sent with a new participant's `join`: the
 * server keeps only a salted hash, so that someone the facilitator removed cannot come back
 * under a new name from the same device until the facilitator lets them in again.
 */
export function deviceId() {
  let d = localStorage.getItem('draagvlak:device-id');
  if (!d) {
    d = randomId(24);
    localStorage.setItem('draagvlak:device-id', d);
  }
  return d;
}

/** A join code as the server normalises it (upper case, spaces and dashes removed). */
export function normaliseCode(code) {
  let c = code || '';
  try {
    c = decodeURIComponent(c);
  } catch {
    /* keep as is */
  }
  return c.replace(/[\s-]/g, '').toUpperCase();
}

/** Credentials kept per join code. */
export const secrets = {
  token: (code) => localStorage.getItem(`draagvlak:${code}:token`),
  setToken: (code, t) => localStorage.setItem(`draagvlak:${code}:token`, t),
  forgetToken: (code) => localStorage.removeItem(`draagvlak:${code}:token`),
  secret: (code) => localStorage.getItem(`draagvlak:${code}:secret`),
  setSecret: (code, s) => localStorage.setItem(`draagvlak:${code}:secret`, s),
  forgetSecret: (code) => localStorage.removeItem(`draagvlak:${code}:secret`),
};

export class Connection {
  /**
   * `opts`: `code`, `role` (`participant`, `facilitator`, `projector`), `join()` returning the
   * role fields of the join message (or null to wait).
   */
  constructor(store, opts) {
    this.store = store;
    this.opts = opts;
    this.ws = null;
    this.joined = false;
    this.everJoined = false;
    this.stopped = false;
    this.attempt = 0;
    this.timer = null;
    this.heartbeat = null;
    this.lastHeard = 0;
    this.sentHere = new Set();
    this.retries = new Map();
    this.listeners = {};
    this.prefix = `${devicePrefix()}${randomId(4)}`;
    this.counter = 0;
    this.queueKey = `draagvlak:${opts.code}:${opts.role}:queue`;
    store.setPending(this.queue());
    window.addEventListener('online', () => this.connectSoon());
    window.addEventListener('offline', () => this.lost(this.ws));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.connectSoon();
    });
  }

  /**
   * Listen to one event of the connection (`welcome`, `error`, `joinError`); returns a function
   * that stops listening. Answers to intents are in the store (`store.onAnswer`).
   */
  on(type, fn) {
    const set = (this.listeners[type] ||= new Set());
    set.add(fn);
    return () => set.delete(fn);
  }

  emit(type, msg) {
    for (const fn of this.listeners[type] || []) fn(msg);
  }

  /** Unanswered intents, oldest first (read from localStorage, shared with other tabs). */
  queue() {
    try {
      const q = JSON.parse(localStorage.getItem(this.queueKey) || '[]');
      return Array.isArray(q) ? q : [];
    } catch {
      return [];
    }
  }

  saveQueue(q) {
    if (q.length) localStorage.setItem(this.queueKey, JSON.stringify(q));
    else localStorage.removeItem(this.queueKey);
    this.store.setPending(q);
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** Stop and close (after a join error that needs the person to act). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'bye');
    }
    this.joined = false;
  }

  connectSoon() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  connect() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    if (navigator.onLine === false) {
      this.store.setStatus('offline');
      return; // the `online` event brings us back
    }
    const join = this.opts.join();
    if (!join) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.sentHere = new Set();
    ws.onopen = () => {
      this.lastHeard = Date.now();
      ws.send(JSON.stringify({ type: 'join', protocol: PROTOCOL, code: this.opts.code, ...join }));
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this.receive(msg);
    };
    ws.onclose = (e) => {
      // The server names the reason of a close it meant (`removed`): no point in coming back.
      if (this.ws === ws && FATAL_AFTER.has(e.reason)) {
        this.stop();
        this.emit('error', { type: 'error', code: e.reason, message: '' });
        return;
      }
      this.lost(ws);
    };
    ws.onerror = () => {};
  }

  /** The connection `ws` is gone (closed, dead, or the browser went offline). */
  lost(ws) {
    if (!ws || this.ws !== ws) return;
    this.ws = null;
    this.joined = false;
    this.sentHere = new Set();
    clearInterval(this.heartbeat);
    try {
      ws.close();
    } catch {
      /* already closed */
    }
    if (!this.stopped) {
      this.store.setStatus('offline');
      this.scheduleReconnect();
    }
  }

  scheduleReconnect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const base = Math.min(10000, 300 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), base * (0.5 + Math.random() * 0.5));
  }

  receive(msg) {
    // An answer to an intent: a reject that says "later" is sent again with the same id; else
    // the intent leaves the queue and the store gets the answer with what was queued with it.
    if (msg.type === 'reject' && RETRYABLE.has(msg.code) && (this.retries.get(msg.id) || 0) < MAX_RETRIES) {
      this.retries.set(msg.id, (this.retries.get(msg.id) || 0) + 1);
      this.sentHere.delete(msg.id);
      setTimeout(() => this.flush(), 2000);
      return;
    }
    if (msg.type === 'ack' || msg.type === 'reject') msg = { ...msg, ...this.answered(msg.id) };
    const state = this.store.receive(msg, () => this.sendRaw({ type: 'sync' }));
    if (msg.type === 'welcome') {
      this.welcomed(msg);
      return;
    }
    if (state) return;
    switch (msg.type) {
      case 'error':
        if (!this.joined) {
          if (FATAL_JOIN.has(msg.code)) this.stop();
          this.emit('joinError', msg);
        } else {
          if (FATAL_AFTER.has(msg.code)) this.stop();
          this.emit('error', msg);
        }
        break;
      default:
        break;
    }
  }

  /** A join succeeded: store the resume token, resend what is unanswered, start pinging. */
  welcomed(msg) {
    this.joined = true;
    this.everJoined = true;
    this.attempt = 0;
    if (msg.resume_token) secrets.setToken(this.opts.code, msg.resume_token);
    this.store.setStatus('online');
    this.emit('welcome', msg);
    this.flush();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.beat(), 10000);
  }

  beat() {
    if (!this.ws) return;
    if (Date.now() - this.lastHeard > 25000) {
      this.lost(this.ws);
      return;
    }
    this.sendRaw({ type: 'ping' });
  }

  /**
   * Forget an answered intent; returns what was queued with it, `{intent, on_behalf_of, meta}`
   * (each null when the intent was not ours).
   */
  answered(id) {
    this.retries.delete(id);
    this.sentHere.delete(id);
    const q = this.queue();
    const entry = q.find((e) => e.id === id);
    if (entry) this.saveQueue(q.filter((e) => e.id !== id));
    return { intent: entry ? entry.intent : null, on_behalf_of: (entry && entry.on_behalf_of) || null, meta: (entry && entry.meta) || null };
  }

  /** Whether the intent with this id has not been sent on the current connection yet. */
  unsent(id) {
    return !this.sentHere.has(id);
  }

  sendRaw(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  /** Send every unanswered intent not yet sent on this connection, in order. */
  flush() {
    if (!this.joined) return;
    const q = this.queue();
    this.store.setPending(q);
    for (const e of q) {
      if (this.sentHere.has(e.id)) continue;
      const msg = { type: 'intent', id: e.id, intent: e.intent };
      if (e.on_behalf_of) msg.on_behalf_of = e.on_behalf_of;
      if (!this.sendRaw(msg)) return;
      this.sentHere.add(e.id);
    }
  }

  /**
   * Queue an intent (kept until answered) and send it when joined. Returns its id. The
   * facilitator may name a participant without a device in `onBehalfOf`. `meta` is kept with
   * the queued intent (never sent) and handed back with its reject, e.g. the level a typed text
   * was meant for, so a refused text can be put back where it came from.
   */
  intent(intent, onBehalfOf = null, meta = null) {
    this.counter += 1;
    const id = `${this.prefix}-${this.counter}`;
    const q = this.queue();
    const entry = onBehalfOf ? { id, intent, on_behalf_of: onBehalfOf } : { id, intent };
    if (meta) entry.meta = meta;
    q.push(entry);
    this.saveQueue(q);
    this.flush();
    return id;
  }
}
