// Issue 13, "the room, second round": what got in the way when a facilitator ran a real workshop
// (a laptop at 1366×800, a projector at 1920×1080, phones at 360×640 with 100 % and 200 % text).
// One test per bug; each failed on the code before its fix. Screenshots go to DRAAGVLAK_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, seed, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, PHONE, LAPTOP, PROJECTOR, proxySession as session, largeText } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Words of user text cut across two lines without a hyphen, as "word|rest" (none expected). */
async function cutWords(page, selector) {
  return page.evaluate((sel) => {
    const out = [];
    for (const el of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const re = /[\p{L}\p{N}?]+/gu;
        for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
          const range = document.createRange();
          range.setStart(n, m.index);
          range.setEnd(n, m.index + m[0].length);
          const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (lines.size > 1) out.push(m[0]);
        }
      }
    }
    return out;
  }, selector);
}

/** Boxes inside `inner` that stick out of their `outer` ancestor (bars out of their card). */
async function stickingOut(page, outer, inner) {
  return page.evaluate(([o, i]) => Array.from(document.querySelectorAll(o)).flatMap((card) => {
    const c = card.getBoundingClientRect();
    return Array.from(card.querySelectorAll(i)).filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && (r.right > c.right + 1 || r.left < c.left - 1);
    }).map((e) => `${e.tagName}.${e.getAttribute('class')}`);
  }), [outer, inner]);
}

test('bug 2: the projector ranking has rank numbers, reads in rows, and shows ties as ties', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const texts = Array.from({ length: 9 }, (_, i) => `Prioriteit ${i + 1}: we maken samen werk van thema ${i + 1}.`);
  const { created, who, sts } = await session(page, { proxies: 5, statements: texts });
  // Dots (3 each, one per item): statement 1 gets 4, statements 2 and 3 get 3 each (a tie),
  // 4 gets 2, 5 and 6 one each.
  const dots = [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2], [3, 0], [3, 3], [3, 4], [4, 3], [4, 5]];
  await seed(page, created, [{ kind: 'go_to_phase', index: 3 },
    ...dots.map(([p, s]) => ({ kind: 'place_dot', statement: sts[s], on_behalf_of: who[p] })), { kind: 'reveal_votes' }]);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await eventually(async () => assert.equal(await proj.locator('.rank').count(), 9));
  await proj.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await shot(proj, 'issue13-bug2-projector-ranking-1920');
  const ranks = await proj.locator('.rank').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    const place = e.querySelector('[data-testid=rank-place]');
    const tie = e.querySelector('[data-testid=rank-tie]');
    return { text: e.querySelector('.rank-text').textContent, place: place ? place.textContent : '', tie: tie ? tie.textContent : '', top: Math.round(r.top), left: Math.round(r.left) };
  }));
  assert.deepEqual(ranks.map((r) => r.text.split(':')[0]), ['Prioriteit 1', 'Prioriteit 2', 'Prioriteit 3', 'Prioriteit 4', 'Prioriteit 5', 'Prioriteit 6', 'Prioriteit 7', 'Prioriteit 8', 'Prioriteit 9']);
  // Rank numbers, with shared places: 1, 2, 2, 4, 5, 5, then 7 for the three without dots.
  assert.deepEqual(ranks.map((r) => r.place.match(/^\d+/)?.[0]), ['1', '2', '2', '4', '5', '5', '7', '7', '7']);
  assert.deepEqual(ranks.map((r) => r.tie), ['', 'gedeelde plaats', 'gedeelde plaats', '', 'gedeelde plaats', 'gedeelde plaats', 'gedeelde plaats', 'gedeelde plaats', 'gedeelde plaats']);
  // Reading order: each next rank is to the right on the same row, or on a row further down.
  for (let i = 1; i < ranks.length; i += 1) {
    const [a, b] = [ranks[i - 1], ranks[i]];
    assert.ok((b.top === a.top && b.left > a.left) || b.top > a.top, `rank ${i + 1} (${b.top},${b.left}) reads after rank ${i} (${a.top},${a.left})`);
  }
  assert.deepEqual(await cutWords(proj, '.proj-content .user-text'), [], 'no word cut on the projector');
  assert.deepEqual(await stickingOut(proj, '.rank', '.rank-bar, .rank-bar *'), [], 'bars inside their card');
  await axe(proj, 'projector ranking');
  assertNoProblems(proj, 'projector');
});

test('bug 3: long Dutch words are never cut on the projector, and the follow-up table keeps its words whole on a phone', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const long = ['We kiezen eerst voor standaardoplossingen en gemeenschappelijke voorzieningen.',
    'Informatiebeveiligingsbeleid en privacyverantwoordelijkheden liggen bij de lijnorganisatie.',
    'Gegevensuitwisselingsafspraken met ketenpartners worden centraal vastgelegd.'];
  const texts = Array.from({ length: 60 }, (_, i) => long[i % 3].replace('We', `${i + 1}. We`));
  const { created } = await session(page, { proxies: 4, statements: texts });
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await eventually(async () => assert.equal(await proj.locator('.card-item').count(), 60));
  await proj.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await shot(proj, 'issue13-bug3-projector-long-words-1920');
  assert.deepEqual(await cutWords(proj, '.proj-content .user-text'), [], 'no word cut on the projector');
  assert.equal(await proj.locator('[data-testid=proj-content]').getAttribute('lang'), 'nl');

  // The follow-up's then/now table on a phone: "Business", "Toegepast?" stay whole.
  const ids = await seed(page, created, [{ kind: 'go_to_phase', index: 4 }, { kind: 'add_proxy', name: 'Carla', group: 'business' }]);
  const [rule] = await seed(page, created, [{ kind: 'propose_rule', text: 'Standaardoplossingen gaan voor maatwerk.', on_behalf_of: ids[1] }]);
  await seed(page, created, [{ kind: 'set_rule_status', rule, status: 'adopted', confirm: true }]);
  const follow = await postJson('/api/sessions', { title: 'Een jaar later', organisation: 'Gemeente Testdorp', language: 'nl', follows: { code: created.code, secret: created.facilitator_secret } });
  const phone = (await device(browser, PHONE)).page;
  await joinByCode(phone, follow.code, 'Ans', 'Business');
  await seed(page, follow, [{ kind: 'go_to_phase', index: 1 }]);
  const card = phone.getByTestId('review-list').locator('li').first();
  await card.locator('fieldset[data-question=applied]').getByLabel('Deels').check();
  await card.locator('fieldset[data-question=still_right]').getByLabel('Ja').check();
  await eventually(async () => assert.equal(await card.locator('.review-state').textContent(), 'Je antwoorden zijn opgeslagen.'));
  await seed(page, follow, [{ kind: 'reveal_votes' }]);
  await eventually(async () => assert.ok(await phone.getByTestId('then-now').count() > 0));
  await phone.getByTestId('then-now').first().scrollIntoViewIfNeeded();
  await shot(phone, 'issue13-bug3-phone-then-now-360');
  assert.deepEqual(await cutWords(phone, '[data-testid=then-now]'), [], 'no word cut in the then/now table');
  await assertNoHorizontalOverflow(phone, 'then/now on a phone');
  for (const p of [proj, phone]) assertNoProblems(p, p.url());
});

test('bug 4: a person without a device counts as connected and ready', async () => {
  const created = await postJson('/api/sessions', { title: 'Hybride zaal', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const phone = (await device(browser, PHONE)).page;
  await joinByCode(phone, created.code, 'Ans', 'ICT');
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'add_proxy', name: 'Bram zonder telefoon', group: 'ict' }, { kind: 'go_to_phase', index: 1 }]);
  await phone.getByRole('button', { name: /klaar/i }).first().click();
  await eventually(async () => assert.equal(await fac.getByTestId('ready-count').textContent(), '2 van 2 klaar'));
  await eventually(async () => assert.match(await fac.locator('main').textContent(), /2 van 2 verbonden/));
  await shot(fac, 'issue13-bug4-console-1366');
  assertNoProblems(fac, 'console');
});

test('bug 5: the timer belongs to its phase: gone on the next phase and after closing', async () => {
  const created = await postJson('/api/sessions', { title: 'Tijd', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const phone = (await device(browser, PHONE)).page;
  await joinByCode(phone, created.code, 'Ans', 'ICT');
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'go_to_phase', index: 1 }, { kind: 'start_timer', seconds: 1 }]);
  await eventually(async () => assert.equal(await proj.getByTestId('timer').textContent(), 'Timer: Tijd is om'));
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'next_phase' }]);
  for (const p of [proj, phone]) await eventually(async () => assert.equal(await p.getByTestId('timer').isVisible(), false));
  await shot(proj, 'issue13-bug5-projector-next-phase-1920');
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'start_timer', seconds: 1 }, { kind: 'close_session' }]);
  await eventually(async () => assert.equal(await proj.getByTestId('timer').isVisible(), false));
  for (const p of [proj, phone, fac]) assertNoProblems(p, p.url());
});

test('bug 7: a rule rated again stays on the projector with its earlier round', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const { created, who } = await session(page, { proxies: 2, statements: ['Iets'] });
  const [, rule] = await seed(page, created, [{ kind: 'go_to_phase', index: 4 }, { kind: 'propose_rule', text: 'Eerst standaard, dan maatwerk.', on_behalf_of: who[0] }]);
  await seed(page, created, [
    { kind: 'rate_rule', rule, score: 5, on_behalf_of: who[0] },
    { kind: 'rate_rule', rule, score: 2, reason: 'Te stellig.', on_behalf_of: who[1] },
    { kind: 'reveal_votes' },
    { kind: 'set_rule_status', rule, status: 'revise' },
    { kind: 'start_rating_round', rule },
  ]);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await eventually(async () => assert.equal(await proj.locator('.support-item').count(), 1));
  await shot(proj, 'issue13-bug7-projector-rerating-1920');
  const item = proj.locator('.support-item');
  assert.match(await item.textContent(), /Eerst standaard, dan maatwerk\./);
  assert.match(await proj.getByTestId('rerating').textContent(), /Ronde 2 · wordt opnieuw beoordeeld/);
  assert.match(await proj.getByTestId('earlier-rounds').textContent(), /Ronde 1.*Iedereen 50/);
  // B9: the gap between the groups in percentage points.
  assert.match(await proj.getByTestId('earlier-rounds').textContent(), /Verschil tussen de groepen: 100 procentpunten/);
  await axe(proj, 'projector, rule rated again');
  assertNoProblems(proj, 'projector');
});

test('bug 8: a 360 px phone with 200 % text: scale labels, percentages, title, chart and header fit', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const created = await postJson('/api/sessions', { title: 'ICT-strategie 2027 van de gemeente Westerkwartier', organisation: 'Gemeente Westerkwartier', language: 'nl' });
  const phone = (await device(browser, PHONE)).page;
  await largeText(phone);
  await phone.goto(`/join/${created.code}`);
  await phone.getByLabel('Je naam').waitFor();
  await shot(phone, 'issue13-bug8-phone200-join-360');
  // The session title is readable in full (not cut off with an ellipsis).
  const title = await phone.evaluate(() => Array.from(document.querySelectorAll('h1, .bar-title, .join-title')).filter((e) => /Westerkwartier/.test(e.textContent))
    .map((e) => ({ clipped: e.scrollWidth > e.clientWidth + 1, text: e.textContent })));
  assert.ok(title.length > 0 && title.every((t) => !t.clipped), `title clipped: ${JSON.stringify(title)}`);
  await phone.getByLabel('Je naam').fill('Ans');
  await phone.getByLabel('ICT', { exact: true }).check();
  await phone.getByRole('button', { name: 'Meedoen' }).click();
  await phone.locator('#phase-title').waitFor();
  const ids = await seed(page, created, [{ kind: 'add_proxy', name: 'Bram', group: 'business' }, { kind: 'go_to_phase', index: 4 }]);
  const [rule] = await seed(page, created, [{ kind: 'propose_rule', text: 'We kiezen eerst voor standaardoplossingen.', on_behalf_of: ids[0] }]);
  await eventually(async () => assert.equal(await phone.locator('.scale').count(), 1));
  await phone.locator('.scale').scrollIntoViewIfNeeded();
  await shot(phone, 'issue13-bug8-phone200-scale-360');
  // The five labels of the scale do not overlap and are not cut.
  const labels = await phone.locator('.scale-label').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom, cut: e.scrollWidth > e.clientWidth + 1 };
  }));
  assert.equal(labels.length, 5);
  for (const l of labels) assert.ok(!l.cut, `scale label "${l.text}" is cut`);
  for (let i = 0; i < labels.length; i += 1) {
    for (let j = i + 1; j < labels.length; j += 1) {
      const [a, b] = [labels[i], labels[j]];
      const overlap = a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
      assert.ok(!overlap, `"${a.text}" and "${b.text}" overlap`);
    }
  }
  assert.deepEqual(await cutWords(phone, '.scale'), [], 'scale words whole');
  await phone.getByText('Helemaal eens').click();
  await seed(page, created, [{ kind: 'rate_rule', rule, score: 2, reason: 'Niet altijd.', on_behalf_of: ids[0] }, { kind: 'reveal_votes' }]);
  await eventually(async () => assert.ok(await phone.locator('.support-value').count() >= 3));
  await phone.locator('.support-chart').first().scrollIntoViewIfNeeded();
  await shot(phone, 'issue13-bug8-phone200-support-360');
  // Percentages whole and on screen; the chart no wider than the screen.
  const values = await phone.locator('.support-value').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { text: e.textContent, right: r.right, cut: e.scrollWidth > e.clientWidth + 1 };
  }));
  for (const v of values) assert.ok(!v.cut && v.right <= 360 + 1, `percentage ${v.text} cut off (right ${v.right})`);
  await assertNoHorizontalOverflow(phone, 'support chart at 200 %');
  // The header never covers a quarter of the screen while reading.
  await phone.evaluate(() => window.scrollTo(0, 400));
  const cover = await phone.evaluate(() => Array.from(document.querySelectorAll('body *')).filter((e) => ['sticky', 'fixed'].includes(getComputedStyle(e).position))
    .map((e) => e.getBoundingClientRect()).filter((r) => r.bottom > 0 && r.top < innerHeight).reduce((s, r) => s + Math.min(r.bottom, innerHeight) - Math.max(0, r.top), 0));
  assert.ok(cover <= 640 * 0.2, `sticky parts cover ${cover}px of 640`);
  await axe(phone, 'phone 200 %');
  assertNoProblems(phone, 'phone 200 %');
});

test('bug 8b: the support chart fits a phone at 200 % zoom (180 CSS px wide)', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const { created, who } = await session(page, { proxies: 2, statements: ['Iets'] });
  const [rule] = await seed(page, created, [{ kind: 'go_to_phase', index: 4 }, { kind: 'propose_rule', text: 'Standaard boven maatwerk.', on_behalf_of: who[0] }]).then((ids) => ids.slice(1));
  await seed(page, created, [{ kind: 'rate_rule', rule, score: 4, on_behalf_of: who[0] }, { kind: 'rate_rule', rule, score: 3, on_behalf_of: who[1] }, { kind: 'reveal_votes' }]);
  const phone = (await device(browser, { width: 180, height: 320 })).page;
  await joinByCode(phone, created.code, 'Ans', 'ICT');
  await eventually(async () => assert.ok(await phone.locator('.support-chart').count() > 0));
  await phone.locator('.support-chart').first().scrollIntoViewIfNeeded();
  await shot(phone, 'issue13-bug8-phone-zoom200-support');
  await assertNoHorizontalOverflow(phone, 'support chart at 200 % zoom');
  assertNoProblems(phone, 'phone zoomed');
});

test('bug 9: the Dutch rating question asks for your own support, like the English', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const { created, who } = await session(page, { proxies: 1, statements: ['Iets'] });
  await seed(page, created, [{ kind: 'go_to_phase', index: 4 }, { kind: 'propose_rule', text: 'Regel.', on_behalf_of: who[0] }]);
  const phone = (await device(browser, PHONE)).page;
  await joinByCode(phone, created.code, 'Ans', 'ICT');
  const legend = phone.locator('.scale legend');
  await eventually(async () => assert.equal(await legend.textContent(), 'In hoeverre steun jij deze vuistregel?'));
  await phone.getByRole('button', { name: 'English' }).click();
  await eventually(async () => assert.equal(await legend.textContent(), 'How much do you support this rule of thumb?'));
  assertNoProblems(phone, 'phone');
});

test('bug 10: two people merging the same statements at once: the second is told what happened', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const { created } = await session(page, { proxies: 2, statements: ['Digitaal eerst', 'Eerst digitaal', 'Iets anders', 'Cloud eerst', 'Eerst cloud'] });
  await seed(page, created, [{ kind: 'go_to_phase', index: 2 }, { kind: 'set_clustering_open', open: true }]);
  const a = (await device(browser, PHONE)).page;
  const b = (await device(browser, PHONE)).page;
  await joinByCode(a, created.code, 'Ans', 'ICT');
  await joinByCode(b, created.code, 'Bas', 'Business');
  for (const p of [a, b]) {
    await eventually(async () => assert.equal(await p.getByTestId('loose-statements').locator('li').count(), 5));
    for (const text of ['Digitaal eerst', 'Eerst digitaal']) await p.getByTestId('loose-statements').getByLabel(text).check();
  }
  await a.getByTestId('cluster-title').fill('Digitaal');
  await a.getByRole('button', { name: 'Samenvoegen' }).click();
  await b.getByTestId('cluster-title').fill('Digitaal voorop');
  await eventually(async () => assert.equal(await b.getByTestId('clusters').locator('> li').count(), 1));
  // The ticks are gone (the statements are in a's cluster): say so, do not blame.
  await b.getByRole('button', { name: 'Samenvoegen' }).click({ force: true });
  await eventually(async () => assert.match(await b.locator('body').textContent(), /Iemand anders heeft je gekozen uitspraken net samengevoegd in “Digitaal”/));
  await shot(b, 'issue13-bug10-phone-merged-360');
  assert.doesNotMatch(await b.locator('body').textContent(), /Kies minstens twee uitspraken/);
  // Both press at the same moment: whoever is second is told someone else was first.
  for (const p of [a, b]) for (const close of await p.locator('.toast-close').all()) await close.click();
  for (const p of [a, b]) {
    await eventually(async () => assert.equal(await p.getByTestId('loose-statements').locator('li').count(), 3));
    for (const text of ['Cloud eerst', 'Eerst cloud']) await p.getByTestId('loose-statements').getByLabel(text).check();
    await p.getByTestId('cluster-title').fill('Cloud');
  }
  // Pressed on both phones at once (a click event each, whatever is on screen by then).
  await Promise.all([a, b].map((p) => p.getByRole('button', { name: 'Samenvoegen' }).evaluate((el) => el.click())));
  await eventually(async () => assert.equal(await a.getByTestId('clusters').locator('> li').count(), 2));
  const told = async (p) => /Iemand anders heeft/.test(await p.locator('body').textContent());
  await eventually(async () => assert.ok((await told(a)) || (await told(b)), 'the second one is told'));
  for (const p of [a, b]) assert.doesNotMatch(await p.locator('body').textContent(), /Kies minstens twee uitspraken/);
  await axe(b, 'phone after a merge by someone else');
  for (const p of [a, b]) assertNoProblems(p, p.url());
});

test('B1: the console on a second device: a facilitator link with a warning and a QR code, and a new one on request', async () => {
  const created = await postJson('/api/sessions', { title: 'Twee schermen', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const panel = fac.getByTestId('share-panel');
  assert.match(await panel.textContent(), /Wie deze link heeft, bestuurt de sessie/);
  assert.equal(await fac.getByTestId('facilitator-link').isVisible(), false, 'hidden until asked for');
  await fac.getByTestId('show-facilitator-link').click();
  const link = await fac.getByTestId('facilitator-link').inputValue();
  assert.match(link, new RegExp(`/facilitator/${created.code}#key=.{40,}$`));
  await eventually(async () => assert.match(await fac.getByTestId('facilitator-qr').getAttribute('src'), /^data:image\/svg\+xml/));
  await panel.scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B1-console-share-1366');
  await axe(fac, 'console with the facilitator link');
  // The beamer PC opens the link: the console, and the secret gone from the address bar.
  const beamer = (await device(browser, LAPTOP)).page;
  await beamer.goto(link.replace(/^https?:\/\/[^/]+/, ''));
  await beamer.getByTestId('agenda').locator('li').first().waitFor();
  assert.equal(new URL(beamer.url()).hash, '', 'no secret in the address bar');
  await beamer.getByTestId('agenda').locator('li').nth(1).locator('button.agenda-item').click();
  await eventually(async () => assert.match(await fac.locator('#phase-title').textContent(), /brainstorm/i));
  // A new link: the old one (and the beamer's console) stops working; this console goes on.
  await fac.getByTestId('rotate-facilitator-link').click();
  await fac.getByRole('button', { name: 'Ja, nieuwe link maken' }).click();
  await fac.waitForEvent('load');
  await fac.getByTestId('agenda').locator('li').first().waitFor();
  const secret = await fac.evaluate((code) => localStorage.getItem(`draagvlak:${code}:secret`), created.code);
  assert.notEqual(secret, created.facilitator_secret);
  await eventually(async () => assert.match(await beamer.locator('body').textContent(), /geheim|sleutel|niet geldig|facilitator/i));
  const old = (await device(browser, LAPTOP)).page;
  await old.goto(link.replace(/^https?:\/\/[^/]+/, ''));
  await eventually(async () => assert.match(await old.locator('body').textContent(), /klopt niet|niet geldig|ongeldig|geheim/i));
  assertNoProblems(fac, 'console');
});

test('B4: the projector shows paused input, what a cluster holds, and a large QR code in the lobby', async () => {
  const page = (await device(browser, LAPTOP)).page;
  const created = await postJson('/api/sessions', { title: 'Projector', organisation: 'Gemeente Testdorp', language: 'nl' });
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await proj.getByTestId('proj-code').waitFor();
  await proj.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await shot(proj, 'issue13-B4-projector-lobby-1920');
  const qr = await proj.locator('.proj-join .qr').boundingBox();
  assert.ok(qr.width >= 1920 * 0.25, `lobby QR code ${qr.width}px wide`);
  const ids = await seed(page, created, [{ kind: 'add_proxy', name: 'A', group: 'ict' }, { kind: 'go_to_phase', index: 1 },
    { kind: 'add_statement', text: 'Digitaal eerst', on_behalf_of: '@0' }, { kind: 'add_statement', text: 'Eerst digitaal', on_behalf_of: '@0' }]);
  await seed(page, created, [{ kind: 'go_to_phase', index: 2 }, { kind: 'create_cluster', statements: [ids[2], ids[3]], title: 'Digitaal voorop' }, { kind: 'set_locked', locked: true }]);
  await eventually(async () => assert.deepEqual(await proj.getByTestId('proj-members').locator('li').allTextContents(), ['Digitaal eerst', 'Eerst digitaal']));
  await eventually(async () => assert.equal(await proj.getByTestId('proj-locked').textContent(), 'De invoer is even gepauzeerd.'));
  await shot(proj, 'issue13-B4-projector-cluster-locked-1920');
  await axe(proj, 'projector with a cluster, input paused');
  await seed(page, created, [{ kind: 'set_locked', locked: false }]);
  await eventually(async () => assert.equal(await proj.getByTestId('proj-locked').isVisible(), false));
  assertNoProblems(proj, 'projector');
});

test('B5, B7, B9: copy the join link, the proxy panel near the top, growing text boxes, words', async () => {
  const created = await postJson('/api/sessions', { title: 'Hybride', organisation: 'Gemeente Testdorp', language: 'nl' });
  const { context, page: fac } = await device(browser, LAPTOP);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openFacilitator(fac, created);
  await fac.getByTestId('share-panel').getByRole('button', { name: 'Kopiëren' }).click();
  await eventually(async () => assert.match(await fac.locator('body').textContent(), /Gekopieerd\./));
  assert.equal(await fac.evaluate(() => navigator.clipboard.readText()), `${new URL(fac.url()).origin}/join/${created.code}`);
  // The panel for people without a device comes before the list of participants.
  const order = await fac.evaluate(() => {
    const all = Array.from(document.querySelectorAll('[data-testid=proxy-panel], [data-testid=participants]'));
    return all.map((e) => e.dataset.testid);
  });
  assert.deepEqual(order, ['proxy-panel', 'participants']);
  // Phones: the box for a statement grows with what is typed.
  const phone = (await device(browser, PHONE)).page;
  await joinByCode(phone, created.code, 'Ans', 'ICT');
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'go_to_phase', index: 1 }]);
  const box = phone.getByTestId('new-statement');
  await box.waitFor();
  const before = (await box.boundingBox()).height;
  await box.fill('Eén\ntwee\ndrie\nvier\nvijf\nzes\nzeven');
  const after = (await box.boundingBox()).height;
  assert.ok(after > before + 40, `the box grows with the text (${before} → ${after})`);
  await shot(phone, 'issue13-B7-phone-growing-box-360');
  assertNoProblems(fac, 'console');
  assertNoProblems(phone, 'phone');
});
