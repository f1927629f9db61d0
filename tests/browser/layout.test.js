// Layout on real screens: the projector (1920×1080 and 1280×720) shows everything even with a
// full wall of statements, a long ranking and a full summary (font size fitted, columns, and
// only past a readable floor a slow scroll or paging); the console keeps its main controls in
// view at 1366×800; the language switch never covers content and has a visible focus ring; and a
// 360 px phone with 200 % text keeps its buttons and the language switch on screen, the console too.
//
// 200 % text is emulated by setting the root element's font size to 200 % through the CSSOM
// (allowed by the CSP, unlike a style tag) on every page load: the stylesheet sizes everything in
// rem, so this is what a reader's browser setting of "very large text" does to the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, seed, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SMALL_PROJECTOR = { width: 1280, height: 720 };

const WORDS = ['inwoners', 'data', 'informatieveiligheid', 'samenwerking', 'de regio', 'cloud', 'architectuur', 'digitale dienstverlening',
  'privacy', 'leveranciers', 'open standaarden', 'de raad', 'archivering', 'toegankelijkheid', 'budget', 'innovatie'];
/** A statement of a realistic length (one or two lines on a phone). */
function statement(i) {
  const a = WORDS[i % WORDS.length];
  const b = WORDS[(i * 7 + 3) % WORDS.length];
  const extra = i % 3 === 0 ? ' zodat we over vijf jaar nog steeds wendbaar en betaalbaar zijn' : '';
  return `${i + 1}. We maken ${a} en ${b} samen beter${extra}.`;
}

/**
 * Everything in the projector's content is on screen: every item's box (and its text) lies
 * inside the viewport and inside the content box, unless the content moves (auto-scroll or
 * paging), in which case every item lies within the scrollable height. Returns what it saw.
 */
async function projectorFits(page, what, selector = '.card-item, .rank, .support-item, .summary-level') {
  const r = await page.evaluate((sel) => {
    const content = document.querySelector('[data-testid=proj-content]');
    const c = content.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const items = Array.from(content.querySelectorAll(sel));
    const bad = [];
    for (const el of items) {
      for (const box of [el, ...el.querySelectorAll('.user-text, .support-row, .reason-list li')]) {
        const b = box.getBoundingClientRect();
        // Two pixels of tolerance: CSS columns are balanced in whole pixels.
        const inside = b.left >= Math.max(0, c.left) - 2 && b.right <= Math.min(vw, c.right) + 2 && b.top >= Math.max(0, c.top) - 2 && b.bottom <= Math.min(vh, c.bottom) + 2;
        if (!inside) bad.push(`${box.className} [${Math.round(b.left)},${Math.round(b.top)} ${Math.round(b.right)},${Math.round(b.bottom)}] "${(box.textContent || '').slice(0, 30)}"`);
      }
    }
    return {
      n: items.length, bad, scroll: content.dataset.scroll || null, font: parseFloat(getComputedStyle(content).fontSize),
      overflowY: content.scrollHeight - content.clientHeight, overflowX: content.scrollWidth - content.clientWidth,
      contentInViewport: c.left >= 0 && c.top >= 0 && c.right <= vw + 1 && c.bottom <= vh + 1,
    };
  }, selector);
  assert.ok(r.n > 0, `${what}: no items`);
  assert.ok(r.contentInViewport, `${what}: the content box is not inside the viewport`);
  assert.ok(r.overflowX <= 1, `${what}: content wider than its box by ${r.overflowX}px`);
  if (!r.scroll) {
    assert.deepEqual(r.bad.slice(0, 5), [], `${what}: ${r.bad.length} boxes not fully on screen (font ${r.font}px)`);
    assert.ok(r.overflowY <= 1, `${what}: content taller than its box by ${r.overflowY}px and not moving`);
  }
  return r;
}

/**
 * A session on the default template with 8 proxies and `statements` statements on level
 * richten, in the brainstorm. `results()` then adds 3 dots per proxy on 14 statements and
 * `rules` rules rated by everyone (low ratings with a reason), and reveals both.
 */
async function fullSession(page, { statements = 40, rules = 10 } = {}) {
  const created = await postJson('/api/sessions', { title: 'Volle zaal', organisation: 'Gemeente Testdorp', language: 'nl' });
  const proxies = 8;
  const intents = [];
  for (let p = 0; p < proxies; p += 1) intents.push({ kind: 'add_proxy', name: `Deelnemer ${p + 1}`, group: p % 2 ? 'business' : 'ict' });
  intents.push({ kind: 'go_to_phase', index: 1 });
  for (let i = 0; i < statements; i += 1) intents.push({ kind: 'add_statement', text: statement(i), on_behalf_of: `@${i % proxies}` });
  const ids = await seed(page, created, intents);
  const who = ids.slice(0, proxies);
  const sts = ids.slice(proxies + 1);
  const results = async () => {
    const more = [{ kind: 'go_to_phase', index: 3 }];
    for (let p = 0; p < proxies; p += 1) {
      for (let d = 0; d < 3; d += 1) more.push({ kind: 'place_dot', statement: sts[(p * 3 + d) % 14], on_behalf_of: who[p] });
    }
    more.push({ kind: 'reveal_votes' }, { kind: 'go_to_phase', index: 4 });
    const firstRule = more.length;
    for (let r = 0; r < rules; r += 1) more.push({ kind: 'propose_rule', text: `Regel ${r + 1}: ${statement(r * 3 + 1)}`, on_behalf_of: who[r % proxies] });
    for (let r = 0; r < rules; r += 1) {
      for (let p = 0; p < proxies; p += 1) {
        const score = ((r + p) % 5) + 1;
        const reason = score <= 2 ? `Reden ${p + 1} bij regel ${r + 1}: dit is te vaag voor de uitvoering.` : undefined;
        more.push({ kind: 'rate_rule', rule: `@${firstRule + r}`, score, ...(reason ? { reason } : {}), on_behalf_of: who[p] });
      }
    }
    more.push({ kind: 'reveal_votes' }, { kind: 'go_to_phase', index: 1 });
    await seed(page, created, more);
  };
  return { created, results };
}

async function goTo(fac, index, proj) {
  await fac.getByTestId('agenda').locator('li').nth(index).locator('button.agenda-item').click();
  await eventually(async () => assert.equal(await proj.locator('h1').textContent(), await fac.locator('#phase-title').textContent()));
  // Let the fit run (it runs after render and on the next frame).
  await proj.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test('the projector shows a full wall, a long ranking, all support and the summary on one screen', async () => {
  const fac = (await device(browser, LAPTOP)).page;
  const { created, results } = await fullSession((await device(browser, LAPTOP)).page);
  await openFacilitator(fac, created);
  const screens = [];
  for (const [size, name] of [[PROJECTOR, '1080'], [SMALL_PROJECTOR, '720']]) {
    const proj = (await device(browser, size)).page;
    await proj.goto(`/projector/${created.code}`);
    await proj.getByTestId('proj-code').waitFor();
    screens.push([proj, name]);
  }
  for (const [proj, name] of screens) {
    await goTo(fac, 1, proj);
    await eventually(async () => assert.equal(await proj.locator('.card-item').count(), 40));
    await shot(proj, `l-proj-${name}-brainstorm`);
    const wall = await projectorFits(proj, `brainstorm 40 statements at ${name}`);
    // 40 statements fit without moving, at no less than 1.5 % of the screen's height.
    assert.equal(wall.scroll, null, `a wall of 40 statements fits ${name}p without scrolling`);
    assert.ok(wall.font >= (name === '1080' ? 16 : 10.8), `statements at ${wall.font}px`);
  }
  await results();
  for (const [proj, name] of screens) {
    await goTo(fac, 3, proj);
    await eventually(async () => assert.equal(await proj.locator('.rank').count(), 12));
    await shot(proj, `l-proj-${name}-ranking`);
    const ranking = await projectorFits(proj, `ranking of 12 at ${name}`);
    // Rank numbers and an order that reads in rows (issue 13) cost some size: rows are as tall as
    // their tallest card. Still well above the floor of 16 px.
    if (name === '1080') assert.ok(ranking.font >= 21, `ranking at ${ranking.font}px`);

    await goTo(fac, 4, proj);
    await eventually(async () => assert.equal(await proj.locator('.support-item').count(), 10));
    await shot(proj, `l-proj-${name}-support`);
    await projectorFits(proj, `support of 10 rules at ${name}`);

    await goTo(fac, 13, proj);
    await eventually(async () => assert.ok(await proj.locator('.summary-level').count() >= 1));
    await shot(proj, `l-proj-${name}-summary`);
    await projectorFits(proj, `summary at ${name}`);
    assertNoProblems(proj, `projector ${name}`);
  }
});

test('the projector text is large where there is room, and reasons and summary are readable', async () => {
  const created = await postJson('/api/demo', { language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await proj.getByTestId('proj-code').waitFor();
  await goTo(fac, 4, proj);
  await proj.locator('.support-item').first().waitFor();
  await projectorFits(proj, 'demo support');
  const sizes = await proj.evaluate(() => Array.from(document.querySelectorAll('[data-testid=proj-content] .reason-list li, [data-testid=proj-content] .rule-text'))
    .map((e) => parseFloat(getComputedStyle(e).fontSize)));
  assert.ok(sizes.length > 0);
  assert.ok(Math.min(...sizes) >= 22, `reasons and rule texts at ${Math.min(...sizes)}px`);
  await shot(proj, 'l-proj-demo-support');
  await goTo(fac, 13, proj);
  await projectorFits(proj, 'demo summary');
  const summary = await proj.evaluate(() => Array.from(document.querySelectorAll('[data-testid=proj-content] .user-text'))
    .map((e) => parseFloat(getComputedStyle(e).fontSize)));
  // With rank numbers and a line explaining each level (issue 13), a little above the floor.
  assert.ok(Math.min(...summary) >= 18, `summary texts at ${Math.min(...summary)}px`);
  await shot(proj, 'l-proj-demo-summary');
  await axe(proj, 'projector summary');
});

test('past the readable floor the projector scrolls slowly, or pages with reduced motion', async () => {
  const fac = (await device(browser, LAPTOP)).page;
  const { created } = await fullSession((await device(browser, LAPTOP)).page, { statements: 160, rules: 0 });
  await openFacilitator(fac, created);
  for (const reducedMotion of ['no-preference', 'reduce']) {
    const { context, page: proj } = await device(browser, SMALL_PROJECTOR);
    await proj.emulateMedia({ reducedMotion });
    await proj.goto(`/projector/${created.code}`);
    await proj.getByTestId('proj-code').waitFor();
    await goTo(fac, 1, proj);
    await eventually(async () => assert.equal(await proj.locator('.card-item').count(), 160));
    const r = await projectorFits(proj, `160 statements (${reducedMotion})`);
    assert.equal(r.scroll, reducedMotion === 'reduce' ? 'page' : 'auto');
    // The last statement is reached: the content moves until its end.
    await eventually(async () => {
      const at = await proj.evaluate(() => {
        const c = document.querySelector('[data-testid=proj-content]');
        const last = c.querySelector('.card-item:last-child').getBoundingClientRect();
        const box = c.getBoundingClientRect();
        return { top: c.scrollTop, lastVisible: last.top >= box.top - 1 && last.bottom <= box.bottom + 1 };
      });
      assert.ok(at.top > 0, 'content scrolled');
      if (reducedMotion === 'reduce') assert.ok(at.lastVisible || at.top > 0);
    }, { timeout: 15000 });
    await shot(proj, `l-proj-720-scroll-${reducedMotion}`);
    await context.close();
  }
});

test('the projector language switch is outside the content and has a visible focus ring', async () => {
  const created = await postJson('/api/demo', { language: 'nl' });
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await proj.getByTestId('proj-statements').waitFor();
  for (const size of [PROJECTOR, SMALL_PROJECTOR]) {
    await proj.setViewportSize(size);
    await proj.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const overlaps = await proj.evaluate(() => {
      const sw = document.querySelector('.lang-switch').getBoundingClientRect();
      const hit = (b) => !(b.right <= sw.left || b.left >= sw.right || b.bottom <= sw.top || b.top >= sw.bottom);
      return Array.from(document.querySelectorAll('[data-testid=proj-content], [data-testid=proj-content] *, .proj-join, .proj-head'))
        .filter((e) => hit(e.getBoundingClientRect())).map((e) => e.className);
    });
    assert.deepEqual(overlaps, [], `switch overlaps content at ${size.width}`);
    // Resizing the window fits the content again.
    await projectorFits(proj, `demo brainstorm resized to ${size.width}`);
  }
  await proj.keyboard.press('Tab');
  await focusRingVisible(proj, 'projector');
});

/** The focused language switch draws an outline of at least 3:1 against the page behind it. */
async function focusRingVisible(page, what) {
  const r = await page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    // The background behind the switch: the first ancestor with a colour.
    let bg = 'rgb(255, 255, 255)';
    for (let p = el.parentElement; p; p = p.parentElement) {
      const c = getComputedStyle(p).backgroundColor;
      if (c && !/rgba\(0, 0, 0, 0\)|transparent/.test(c)) { bg = c; break; }
    }
    const a = lum(rgb(cs.outlineColor));
    const b = lum(rgb(bg));
    return { cls: el.className, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), color: cs.outlineColor, bg };
  });
  assert.equal(r.cls, 'lang-switch', `${what}: the switch has the focus`);
  assert.notEqual(r.style, 'none', `${what}: no outline`);
  assert.ok(r.width >= 2, `${what}: outline ${r.width}px`);
  assert.ok(r.ratio >= 3, `${what}: outline ${r.color} on ${r.bg} is ${r.ratio.toFixed(2)}:1`);
}

test('the console keeps next phase and the timer in view at 1366×800', async () => {
  const created = await postJson('/api/demo', { language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const inView = () => fac.evaluate(() => ['[data-testid=next-phase]', '[data-testid=timer-start]'].map((sel) => {
    const b = document.querySelector(sel).getBoundingClientRect();
    // Not covered by the sticky top bar either: the element at its centre is the button itself.
    const at = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    return b.top >= 0 && b.bottom <= window.innerHeight && !!at && !!at.closest(sel);
  }));
  assert.deepEqual(await inView(), [true, true], 'on load');
  await shot(fac, 'l-fac-load');
  // Scroll to the last agenda item, and to the bottom of the page.
  await fac.getByTestId('agenda').locator('li').last().scrollIntoViewIfNeeded();
  assert.deepEqual(await inView(), [true, true], 'after scrolling to the end of the agenda');
  await fac.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  assert.deepEqual(await inView(), [true, true], 'at the bottom of the page');
  await shot(fac, 'l-fac-scrolled');
  // Tabbing to the last agenda item: it is not hidden under the sticky controls.
  const last = fac.getByTestId('agenda').locator('li').last().locator('button.agenda-item');
  await last.focus();
  const hidden = await last.evaluate((b) => {
    const r = b.getBoundingClientRect();
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !at || !b.contains(at);
  });
  assert.equal(hidden, false, 'a focused agenda item is not covered');
  // From the skip link, Tab reaches the language switch in the top bar.
  await fac.locator('.skip').focus();
  await fac.keyboard.press('Tab');
  await focusRingVisible(fac, 'console top bar');
  await axe(fac, 'console');
  assertNoProblems(fac, 'console');
});

test('a 360 px phone with 200 % text keeps its buttons and the language switch on screen', async () => {
  const created = await postJson('/api/sessions', { title: 'Grote letters', organisation: 'Gemeente Testdorp', language: 'nl', template: 'short' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const { context, page: p } = await device(browser, PHONE);
  // 200 % text: the root font size, set on every page load (see the top of this file).
  await context.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '200%'; });
  });
  await joinByCode(p, created.code, 'Grote Letters', 'ICT');
  const within = (sel) => p.evaluate((s) => Array.from(document.querySelectorAll(s)).filter((e) => e.getClientRects().length).map((e) => {
    const b = e.getBoundingClientRect();
    return { ok: b.left >= -0.5 && b.right <= document.documentElement.clientWidth + 0.5, box: `${e.className} ${Math.round(b.left)}–${Math.round(b.right)}` };
  }), sel);
  const assertWithin = async (sel, what) => {
    const r = await within(sel);
    assert.ok(r.length > 0, `${what}: none found`);
    assert.deepEqual(r.filter((x) => !x.ok).map((x) => x.box), [], `${what}: cut off`);
  };
  assert.equal(await p.evaluate(() => getComputedStyle(document.documentElement).fontSize), '32px');
  await shot(p, 'l-phone200-lobby');
  await assertWithin('.lang-switch', 'language switch (lobby)');
  await assertNoHorizontalOverflow(p, 'lobby at 200 %');

  // Brainstorm: add statements so there is something to vote on.
  await fac.getByTestId('agenda').locator('li').nth(1).locator('button.agenda-item').click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Brainstorm'));
  for (const text of ['Inwoners regelen hun zaken digitaal, ook buiten kantoortijden.', 'Informatieveiligheid is op orde.', 'Data delen we in de regio.']) {
    await p.getByTestId('new-statement').fill(text);
    await p.getByRole('button', { name: 'Toevoegen' }).click();
  }
  await eventually(async () => assert.equal(await p.getByTestId('my-statements').locator('li').count(), 3));
  await shot(p, 'l-phone200-brainstorm');
  await assertWithin('.lang-switch', 'language switch (brainstorm)');
  await assertNoHorizontalOverflow(p, 'brainstorm at 200 %');

  // Vote: the + buttons and the budget, which must not cover the header or the items.
  await fac.getByTestId('agenda').locator('li').nth(3).locator('button.agenda-item').click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Prioriteren'));
  await p.locator('.dot-btn').first().waitFor();
  await p.locator('.dot-btn').first().scrollIntoViewIfNeeded();
  await shot(p, 'l-phone200-vote');
  await assertWithin('.dot-btn', 'dot buttons');
  await assertWithin('.lang-switch', 'language switch (vote)');
  await assertNoHorizontalOverflow(p, 'vote at 200 %');
  // Scrolled halfway: the budget (if it sticks) covers neither the phase title nor a + button
  // that is still on screen, and takes at most a quarter of the screen with the header.
  for (const y of [0, 200, 400, 10000]) {
    await p.evaluate((top) => window.scrollTo(0, top), y);
    const r = await p.evaluate(() => {
      const budget = document.querySelector('.budget').getBoundingClientRect();
      const covered = [];
      for (const e of document.querySelectorAll('.dot-btn, #phase-title, .lang-switch')) {
        const b = e.getBoundingClientRect();
        // Only what can be looked at: its middle on screen (elementFromPoint is null elsewhere).
        if (b.top + b.height / 2 <= 0 || b.top + b.height / 2 >= innerHeight) continue;
        const at = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
        if (!at || !e.contains(at)) covered.push(`${e.className || e.id} by ${at && at.className}`);
      }
      return { covered, budgetTop: budget.top };
    });
    assert.deepEqual(r.covered, [], `covered at scroll ${y}`);
  }
  await p.evaluate(() => window.scrollTo(0, 400));
  await shot(p, 'l-phone200-vote-scrolled');
  assertNoProblems(p, 'phone 200 %');
  await context.close();
});

test('B4: the projector summary is as large and clear as the other screens, with one note for equal weight', async () => {
  const created = await postJson('/api/demo', { language: 'nl' });
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'set_equal_group_weight', equal: true }]);
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  for (const [size, name] of [[PROJECTOR, '1080'], [{ width: 1366, height: 768 }, '768']]) {
    const proj = (await device(browser, size)).page;
    await proj.goto(`/projector/${created.code}`);
    await proj.getByTestId('proj-code').waitFor();
    const sizes = (sel) => proj.evaluate((s) => Array.from(document.querySelectorAll(`[data-testid=proj-content] ${s}`))
      .map((e) => parseFloat(getComputedStyle(e).fontSize)), sel);
    await goTo(fac, 4, proj);
    await proj.locator('.support-item').first().waitFor();
    const rulesScreen = Math.min(...await sizes('.rule-text'));
    await goTo(fac, 13, proj);
    await eventually(async () => assert.ok(await proj.locator('.summary-level').count() >= 2));
    await projectorFits(proj, `summary at ${name}`);
    await shot(proj, `issue13-B4-proj-summary-${name}`);
    const px = name === '1080' ? 1 : 768 / 1080;
    // Every text people wrote (priorities, rules) is large: not below 20 px on a 1080p wall,
    // and the rules at least 70 % of their size on the rules screen, which shows one level.
    const texts = await sizes('.user-text');
    assert.ok(Math.min(...texts) >= 20 * px, `summary texts at ${Math.min(...texts)}px`);
    const rules = await sizes('.rule-text');
    assert.ok(rules.length > 0 && Math.min(...rules) >= 0.7 * rulesScreen, `summary rules at ${Math.min(...rules)}px, on the rules screen ${rulesScreen}px`);
    // The lines that explain it are readable too: the note and each level's line.
    const notes = await sizes('.proj-note, .level-explain');
    assert.ok(Math.min(...notes) >= 18 * px, `notes at ${Math.min(...notes)}px`);
    // The note on equal weight once, not under every rule; the reasons stay on the rules screen.
    assert.equal(await proj.locator('[data-testid=proj-content] .weight-note, [data-testid=proj-content] .proj-note').count(), 1);
    assert.equal(await proj.locator('[data-testid=proj-content] .reason-list').count(), 0);
    // Read left to right: every level starts at the top of a column of its own (none begins
    // halfway down a column after the end of another).
    const { columnTop, starts } = await proj.evaluate(() => ({
      columnTop: Math.round(document.querySelector('[data-testid=proj-content]').firstElementChild.firstElementChild.getBoundingClientRect().top),
      starts: Array.from(document.querySelectorAll('.summary-level'))
        .map((sec) => ({ top: Math.round(sec.firstElementChild.getBoundingClientRect().top), left: Math.round(sec.firstElementChild.getBoundingClientRect().left) })),
    }));
    assert.ok(starts.length >= 2);
    for (const s of starts.slice(1)) {
      assert.ok(Math.abs(s.top - columnTop) <= 2, `a level starts halfway down a column: ${columnTop} ${JSON.stringify(starts)}`);
      assert.ok(s.left > starts[0].left, `levels read left to right: ${JSON.stringify(starts)}`);
    }
    assertNoProblems(proj, `projector summary ${name}`);
  }
});

test('a summary with nothing revealed says so instead of showing an empty wall', async () => {
  const created = await postJson('/api/sessions', { title: 'Nog niets', organisation: 'Gemeente Testdorp', language: 'nl' });
  const page = (await device(browser, PROJECTOR)).page;
  // The summary is the last phase of the default agenda; nothing was voted or rated.
  await seed(page, created, [{ kind: 'go_to_phase', index: 13 }]);
  await page.goto(`/projector/${created.code}`);
  await page.getByTestId('summary-empty').waitFor();
  assert.match(await page.getByTestId('summary-empty').textContent(), /nog niets getoond/);
  assert.equal(await page.locator('.summary-level').count(), 0);
  await shot(page, 'proj-summary-empty');
  assertNoProblems(page, 'empty summary');
});

test('the console on a 360 px phone with 200 % text fits the screen: no column wider than the phone, the join code and its links inside their panel', async () => {
  const created = await postJson('/api/sessions', { title: 'Grote letters console', organisation: 'Gemeente Testdorp', language: 'nl', template: 'short' });
  const { context, page: fac } = await device(browser, PHONE);
  await context.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '200%'; });
  });
  await openFacilitator(fac, created);
  assert.equal(await fac.evaluate(() => getComputedStyle(document.documentElement).fontSize), '32px');
  await fac.locator('.big-code').scrollIntoViewIfNeeded();
  await shot(fac, 'l-phone200-console-code');
  // The join code and the links to the other screens stay inside their panel.
  const inside = await fac.evaluate(() => Array.from(document.querySelectorAll('.big-code, .links a')).map((e) => {
    const panel = e.closest('.panel').getBoundingClientRect();
    const b = e.getBoundingClientRect();
    return { ok: b.right <= panel.right + 0.5 && e.scrollWidth <= e.clientWidth + 1, what: `${e.className || e.tagName} ${e.textContent} ${Math.round(b.right)}/${Math.round(panel.right)}` };
  }));
  assert.ok(inside.length >= 3, 'the join code and two links');
  assert.deepEqual(inside.filter((x) => !x.ok).map((x) => x.what), [], 'cut off or overflowing');
  await assertNoHorizontalOverflow(fac, 'console at 200 %');
  assertNoProblems(fac, 'console at 200 %');
});
