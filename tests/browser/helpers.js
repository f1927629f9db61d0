// Shared helpers of the browser tests: Debian's chromium through playwright-core, the server's
// address (run.sh starts the server and sets DRAAGVLAK_URL), phone and projector viewports,
// creating sessions over HTTP, and checks every test wants on every page (no script errors,
// no horizontal overflow).

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page: no serious or critical violations, and a `lang` attribute. */
export async function axe(page, what) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) is kept.
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), [], `${what}: axe violations`);
  assert.match(await page.evaluate(() => document.documentElement.lang), /^(nl|en)$/, `${what}: lang attribute`);
}

export const BASE = process.env.DRAAGVLAK_URL || 'http://127.0.0.1:18080';
export const PHONE = { width: 360, height: 640 };
export const LAPTOP = { width: 1366, height: 800 };
export const PROJECTOR = { width: 1920, height: 1080 };
/** Where screenshots go when DRAAGVLAK_SHOTS is set (never inside the repository). */
export const SHOTS = process.env.DRAAGVLAK_SHOTS || '';

/**
 * Chromium from Debian (`npx playwright install` cannot download browsers here). Playwright
 * gives every launch a fresh temporary profile (its own `--user-data-dir`).
 */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new browser context (its own localStorage: one person's device) with a page. Script errors
 * and CSP violations on the page are collected in `page.problems`.
 */
export async function device(browser, viewport, { locale = 'nl-NL' } = {}) {
  const context = await browser.newContext({ viewport, locale, baseURL: BASE, deviceScaleFactor: 1, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/ERR_INTERNET_DISCONNECTED|net::ERR|WebSocket|Failed to load resource/.test(m.text())) {
      page.problems.push(`console: ${m.text()}`);
    }
  });
  return { context, page };
}

export async function postJson(path, body) {
  const res = await fetch(`${BASE}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

/**
 * Every intent of `kind` the page sends over its WebSocket, as `show(intent)` returns it (the
 * intent itself by default), in the order sent.
 */
export function recordIntents(page, kind, show = (intent) => intent) {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    try {
      const msg = JSON.parse(f.payload);
      if (msg.type === 'intent' && msg.intent.kind === kind) sent.push(show(msg.intent));
    } catch { /* not JSON */ }
  }));
  return sent;
}

/** Create a session over HTTP and put its facilitator secret into the page's localStorage. */
export async function createSession(title = 'Browsertest') {
  return postJson('/api/sessions', { title, organisation: 'Gemeente Testdorp', language: 'nl' });
}

export async function openFacilitator(page, created) {
  await page.goto('/');
  await page.evaluate(([code, secret]) => localStorage.setItem(`draagvlak:${code}:secret`, secret), [created.code, created.facilitator_secret]);
  await page.goto(`/facilitator/${created.code}`);
  await page.getByTestId('agenda').locator('li').first().waitFor();
}

/** Join as a new participant by typing the code on the start page, a name and a group. */
export async function joinByCode(page, code, name, groupLabel) {
  await page.goto('/');
  await page.getByLabel('Code van de sessie').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Meedoen' }).click();
  await page.getByLabel('Je naam').fill(name);
  await page.getByLabel(groupLabel, { exact: true }).check();
  await page.getByRole('button', { name: 'Meedoen' }).click();
  await page.locator('#phase-title').waitFor();
}

/** The page has no horizontal overflow (nothing wider than the viewport). */
export async function assertNoHorizontalOverflow(page, what = '') {
  const r = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
    wide: Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && getComputedStyle(e).position !== 'fixed' && e.getClientRects().length).slice(0, 5).map((e) => `${e.tagName}.${e.className}`) }));
  assert.ok(r.sw <= r.cw, `${what}: page is ${r.sw}px wide in a ${r.cw}px viewport (${r.wide.join(', ')})`);
}

export function assertNoProblems(page, what = '') {
  assert.deepEqual(page.problems, [], `${what}: errors on the page`);
}

export async function shot(page, name) {
  if (!SHOTS) return;
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });
}

/** The server text of a rule or statement as the page's store holds it (for convergence checks). */
export async function textareaValue(locator) {
  return locator.evaluate((el) => el.value);
}

/** Retry `check` (which throws while the condition does not hold) until it passes or times out. */
export async function eventually(check, { timeout = 10000, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/** The texts of all elements matched by a locator. */
export async function texts(locator) {
  return locator.allTextContents();
}

/**
 * A room on the short template: the facilitator on a laptop, the projector, and two phones (Anna
 * of ICT and Bram of Business) joined by code. `go(index, title)` moves to a phase from the
 * console and waits until both phones show it.
 */
export async function room(browser, title) {
  const created = await postJson('/api/sessions', { title, organisation: 'Gemeente Testdorp', language: 'nl', template: 'short' });
  const code = created.code;
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${code}`);
  const anna = (await device(browser, PHONE)).page;
  const bram = (await device(browser, PHONE)).page;
  await joinByCode(anna, code, 'Anna de Boer', 'ICT');
  await joinByCode(bram, code, 'Bram Smit', 'Business');
  const go = async (index, phaseTitle) => {
    await fac.getByTestId('agenda').locator('li').nth(index).locator('button.agenda-item').click();
    for (const p of [anna, bram]) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), phaseTitle));
  };
  return { created, code, fac, proj, anna, bram, go };
}

/**
 * Fill a session through the protocol, from a page on the server's origin (the WebSocket Origin
 * check): join as facilitator and send `intents` one after another, each waiting for its ack.
 * A string value "@N" in an intent stands for the id created by intent N.
 */
export async function seed(page, created, intents) {
  await page.goto('/');
  return page.evaluate(async ([code, secret, list]) => {
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`);
    const waiting = new Map();
    let joined;
    const ready = new Promise((r) => { joined = r; });
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'snapshot') joined();
      if ((m.type === 'ack' || m.type === 'reject') && waiting.has(m.id)) waiting.get(m.id)(m);
    };
    await new Promise((r) => { ws.onopen = r; });
    ws.send(JSON.stringify({ type: 'join', protocol: 1, role: 'facilitator', code, secret }));
    await ready;
    const out = [];
    // Intent ids are unique per sender: a repeated id would be answered from the first time.
    const run = Math.random().toString(36).slice(2, 10);
    for (let i = 0; i < list.length; i += 1) {
      const item = Object.fromEntries(Object.entries(list[i]).map(([k, v]) => [k, typeof v === 'string' && /^@\d+$/.test(v) ? out[Number(v.slice(1))] : v]));
      const { on_behalf_of: onBehalf, ...intent } = item;
      const id = `seed-${run}-${i}`;
      const answer = new Promise((r) => waiting.set(id, r));
      ws.send(JSON.stringify({ type: 'intent', id, intent, ...(onBehalf ? { on_behalf_of: onBehalf } : {}) }));
      const m = await answer;
      if (m.type === 'reject') throw new Error(`intent ${i} (${intent.kind}) rejected: ${m.code} ${m.message || ""}`);
      out.push(m.created || null);
    }
    ws.close();
    return out;
  }, [created.code, created.facilitator_secret, intents]);
}

/** A session with `n` proxies (alternating ICT and business) and `statements` on richten. */
export async function proxySession(page, { title = 'Tweede ronde', proxies = 4, statements = [] } = {}) {
  const created = await postJson('/api/sessions', { title, organisation: 'Gemeente Testdorp', language: 'nl' });
  const intents = [];
  for (let p = 0; p < proxies; p += 1) intents.push({ kind: 'add_proxy', name: `Deelnemer ${p + 1}`, group: p % 2 ? 'business' : 'ict' });
  intents.push({ kind: 'go_to_phase', index: 1 });
  statements.forEach((text, i) => intents.push({ kind: 'add_statement', text, on_behalf_of: `@${i % proxies}` }));
  const ids = await seed(page, created, intents);
  return { created, who: ids.slice(0, proxies), sts: ids.slice(proxies + 1) };
}

/** The page's text at 200 %: the root font size, set on every load. */
export async function largeText(page) {
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '200%'; });
  });
}
