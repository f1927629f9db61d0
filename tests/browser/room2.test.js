// Issue 13, "the room, second round", what a facilitator misses (second part): results per group
// for priorities and the count behind every percentage (B3), a console that leads (B2), the
// lobby on a phone after joining and line breaks on touch devices (B7), who is remote (B5), and
// the demo in one language (B9). Each test failed on the code before its change. Screenshots go
// to DRAAGVLAK_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, seed, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, PHONE, LAPTOP, PROJECTOR, proxySession as session, largeText } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A percentage as "75%", whatever space the locale puts before the sign. */
const pct = (text) => text.replace(/\s+%/g, '%');

/** Two frames, so that a render after the last message has happened. */
async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * A session on richten with revealed dots (ICT puts its dots on statement 1, business on
 * statement 2) and one rule rated by all four (ICT 5 and 4, business 4 and 2), revealed.
 */
async function played(page) {
  const { created, who, sts } = await session(page, { statements: ['Eén loket voor alle vragen.', 'Gegevens één keer vastleggen.', 'Samen inkopen met de regio.'] });
  // who: 0 ICT, 1 business, 2 ICT, 3 business.
  await seed(page, created, [{ kind: 'go_to_phase', index: 3 },
    { kind: 'place_dot', statement: sts[0], on_behalf_of: who[0] }, { kind: 'place_dot', statement: sts[0], on_behalf_of: who[2] },
    { kind: 'place_dot', statement: sts[2], on_behalf_of: who[2] },
    { kind: 'place_dot', statement: sts[1], on_behalf_of: who[1] }, { kind: 'place_dot', statement: sts[1], on_behalf_of: who[3] },
    { kind: 'place_dot', statement: sts[0], on_behalf_of: who[3] },
    { kind: 'reveal_votes' }]);
  const [, rule] = await seed(page, created, [{ kind: 'go_to_phase', index: 4 }, { kind: 'propose_rule', text: 'Eerst standaard, dan maatwerk.', on_behalf_of: who[0] }]);
  return { created, who, sts, rule };
}

test('B3: the console shows dots per group for each priority', async () => {
  const setup = (await device(browser, LAPTOP)).page;
  const { created } = await played(setup);
  await seed(setup, created, [{ kind: 'go_to_phase', index: 3 }]);
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  await eventually(async () => assert.equal(await fac.locator('.results-slot .rank').count(), 3));
  const first = fac.locator('.results-slot .rank').first();
  assert.match(await first.textContent(), /Eén loket/);
  const groups = await first.getByTestId('rank-groups').locator('.support-row').allTextContents();
  assert.deepEqual(groups, ['ICT2 stippen', 'Business1 stip']);
  const second = fac.locator('.results-slot .rank').nth(1);
  assert.deepEqual(await second.getByTestId('rank-groups').locator('.support-row').allTextContents(), ['ICT0 stippen', 'Business2 stippen']);
  await fac.locator('.results-slot').scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B3-console-dots-by-group-1366');
  await axe(fac, 'console, dots per group');
  assertNoProblems(fac, 'console');
});

test('B3: every support percentage says how many it counts, and the console shows the spread', async () => {
  const setup = (await device(browser, LAPTOP)).page;
  const { created, who, rule } = await played(setup);
  await seed(setup, created, [
    { kind: 'rate_rule', rule, score: 5, on_behalf_of: who[0] }, { kind: 'rate_rule', rule, score: 4, on_behalf_of: who[2] },
    { kind: 'rate_rule', rule, score: 4, on_behalf_of: who[1] }, { kind: 'rate_rule', rule, score: 2, reason: 'Te stellig.', on_behalf_of: who[3] },
    { kind: 'reveal_votes' }]);
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  await eventually(async () => assert.equal(await fac.locator('.results-slot .supports .support-row').count(), 3));
  const rows = (await fac.locator('.results-slot .supports .support-row').allTextContents()).map(pct);
  assert.deepEqual(rows, ['Iedereen75%(3 van 4)', 'ICT100%(2 van 2)', 'Business50%(1 van 2)']);
  const spread = await fac.getByTestId('spread').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
  assert.deepEqual(spread, [['Iedereen', '0', '1', '0', '2', '1'], ['ICT', '0', '0', '0', '1', '1'], ['Business', '0', '1', '0', '1', '0']]);
  await fac.getByTestId('spread').scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B3-console-support-counts-1366');
  await axe(fac, 'console, support with counts');

  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await eventually(async () => assert.equal(await proj.getByTestId('support-count').count(), 3));
  assert.deepEqual(await proj.getByTestId('support-count').allTextContents(), ['(3 van 4)', '(2 van 2)', '(1 van 2)']);
  await settle(proj);
  await shot(proj, 'issue13-B3-projector-support-counts-1920');
  await assertNoHorizontalOverflow(proj, 'projector');
  await axe(proj, 'projector, support with counts');

  // Each group weighs equally: "everyone" is a mean, not a count.
  await seed(setup, created, [{ kind: 'set_equal_group_weight', equal: true }]);
  await eventually(async () => assert.deepEqual(await proj.getByTestId('support-count').allTextContents(), ['(4 beoordelingen)', '(2 van 2)', '(1 van 2)']));

  for (const [name, big] of [['100', false], ['200', true]]) {
    const phone = (await device(browser, PHONE)).page;
    if (big) await largeText(phone);
    await joinByCode(phone, created.code, `Telefoon ${name}`, 'ICT');
    await eventually(async () => assert.equal(await phone.getByTestId('support-count').count(), 3));
    await phone.locator('.support-chart').first().scrollIntoViewIfNeeded();
    await shot(phone, `issue13-B3-phone${name}-support-counts-360`);
    await assertNoHorizontalOverflow(phone, `phone ${name} %`);
    assertNoProblems(phone, `phone ${name} %`);
  }
  assertNoProblems(fac, 'console');
  assertNoProblems(proj, 'projector');
});

test('B2: the console leads: one line says what to do next, results and decisions come before the statements', async () => {
  const setup = (await device(browser, LAPTOP)).page;
  const texts = Array.from({ length: 40 }, (_, i) => `Uitspraak ${i + 1}: we maken samen werk van thema ${i + 1} in de hele organisatie.`);
  const created = await postJson('/api/sessions', { title: 'Leiden', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const next = fac.getByTestId('next-step');
  await eventually(async () => assert.match(await next.textContent(), /laat iedereen meedoen met de code/));
  const ids = await seed(setup, created, [
    { kind: 'add_proxy', name: 'Deelnemer 1', group: 'ict' }, { kind: 'add_proxy', name: 'Deelnemer 2', group: 'business' },
    { kind: 'go_to_phase', index: 1 }]);
  const who = ids.slice(0, 2);
  await eventually(async () => assert.match(await next.textContent(), /laat iedereen uitspraken toevoegen \(2 van 2 klaar\)/));
  const sts = await seed(setup, created, texts.map((text, i) => ({ kind: 'add_statement', text, on_behalf_of: who[i % 2] })));
  await seed(setup, created, [{ kind: 'go_to_phase', index: 2 }]);
  await eventually(async () => assert.match(await next.textContent(), /voeg uitspraken samen/));
  await seed(setup, created, [{ kind: 'go_to_phase', index: 3 }, { kind: 'place_dot', statement: sts[7], on_behalf_of: who[0] }]);
  await eventually(async () => assert.match(await next.textContent(), /stippen plaatsen \(1 van 2 gestemd\).*Stippen tonen/));
  await shot(fac, 'issue13-B2-console-vote-1366');
  await seed(setup, created, [{ kind: 'place_dot', statement: sts[7], on_behalf_of: who[1] }, { kind: 'reveal_votes' }]);
  await eventually(async () => assert.match(await next.textContent(), /bespreek de bovenste prioriteiten/));
  await eventually(async () => assert.equal(await fac.locator('.results-slot .rank').count(), 40));
  // The ranking starts within the first screen, above the 40 statements.
  const top = async (sel) => fac.locator(sel).first().evaluate((e) => e.getBoundingClientRect().top + scrollY);
  assert.ok(await top('.results-slot .rank') < 800, `ranking starts at ${await top('.results-slot .rank')}px`);
  assert.ok(await top('.results-slot') < await top('[data-testid=fac-statements]'), 'results before the statements');
  await shot(fac, 'issue13-B2-console-vote-revealed-1366');

  const [, r1] = await seed(setup, created, [{ kind: 'go_to_phase', index: 4 }, { kind: 'propose_rule', text: 'Eerst standaard, dan maatwerk.', on_behalf_of: who[0] }]);
  await eventually(async () => assert.match(await next.textContent(), /elke vuistregel beoordelen \(0 van 2 beoordeeld\)/));
  await seed(setup, created, [{ kind: 'rate_rule', rule: r1, score: 5, on_behalf_of: who[0] }, { kind: 'rate_rule', rule: r1, score: 4, on_behalf_of: who[1] }, { kind: 'reveal_votes' }]);
  await eventually(async () => assert.match(await next.textContent(), /beslis per vuistregel.*nog 1 open/));
  // The decision comes with its support, and before the statements.
  assert.equal(pct(await fac.getByTestId('rule-support').textContent()), 'Steun: Iedereen 100% (2 van 2) · ICT 100% (1 van 1) · Business 100% (1 van 1)');
  assert.ok(await top('[data-testid=fac-rules]') < await top('[data-testid=fac-statements]'), 'decisions before the statements');
  assert.ok(await top('[data-testid=fac-rules]') < await top('[data-testid=fac-context] .rank'), 'decisions before the ranking they build on');
  assert.ok(await top('[data-testid=fac-rules]') < 800, `the decisions start at ${await top('[data-testid=fac-rules]')}px`);
  assert.equal(await fac.locator('[data-testid=fac-context] .rank').count(), 10, 'the top ten priorities, not all forty');
  await fac.getByTestId('next-step').scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B2-console-rules-decide-1366');
  await axe(fac, 'console, rules to decide');
  await fac.getByTestId('rule-status-select').selectOption('adopted');
  await eventually(async () => assert.match(await next.textContent(), /alle vuistregels zijn beslist/));
  await seed(setup, created, [{ kind: 'go_to_phase', index: 13 }]);
  await eventually(async () => assert.match(await next.textContent(), /download het verslag/));
  await shot(fac, 'issue13-B2-console-summary-1366');
  // English.
  await fac.evaluate(() => localStorage.setItem('draagvlak:lang', 'en'));
  await fac.reload();
  await eventually(async () => assert.match(await fac.getByTestId('next-step').textContent(), /^Next: go through the summary/));
  // A phone-sized console keeps the line readable.
  const small = (await device(browser, PHONE)).page;
  await openFacilitator(small, created);
  await eventually(async () => assert.match(await small.getByTestId('next-step').textContent(), /download het verslag/));
  await shot(small, 'issue13-B2-console-summary-360');
  await assertNoHorizontalOverflow(small, 'console on a phone');
  assertNoProblems(fac, 'console');
  assertNoProblems(small, 'console on a phone');
});

test('B7: once joined, the lobby on a phone says so instead of asking to join; touch screens get a newline button, Enter still sends', async () => {
  const created = await postJson('/api/sessions', { title: 'Telefoons', organisation: 'Gemeente Testdorp', language: 'nl' });
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  for (const [name, big] of [['100', false], ['200', true]]) {
    const phone = (await device(browser, PHONE)).page;
    if (big) await largeText(phone);
    await joinByCode(phone, created.code, `Ans ${name}`, 'ICT');
    const question = phone.getByTestId('phase-question');
    await eventually(async () => assert.equal(await question.textContent(), `Je doet mee als Ans ${name} (ICT).`));
    assert.doesNotMatch(await phone.locator('main').textContent(), /Kies je naam/);
    assert.equal((await phone.locator('main').innerText()).split(`Je doet mee als Ans ${name}`).length, 2, 'said once');
    await shot(phone, `issue13-B7-phone${name}-lobby-joined-360`);
    await assertNoHorizontalOverflow(phone, `lobby at ${name} %`);
    await axe(phone, `lobby at ${name} %`);
    assertNoProblems(phone, 'phone');
  }
  // The projector still tells the room how to join.
  assert.match(await proj.locator('body').textContent(), /Kies je naam en je groep/);

  const phone = (await device(browser, PHONE)).page;
  await joinByCode(phone, created.code, 'Bram', 'Business');
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  await fac.getByTestId('next-phase').click();
  const box = phone.getByTestId('new-statement');
  await box.waitFor();
  const newline = phone.getByTestId('new-statement-newline');
  assert.ok(await newline.isVisible(), 'a newline button on a touch screen');
  await box.click();
  await box.pressSequentially('Eerste regel');
  await newline.click();
  await box.pressSequentially('tweede regel');
  assert.equal(await box.inputValue(), 'Eerste regel\ntweede regel');
  assert.ok(await box.evaluate((el) => document.activeElement === el), 'the box keeps the focus (the keyboard stays open)');
  await shot(phone, 'issue13-B7-phone-newline-360');
  // Enter still sends (tests/browser/noloss.test.js relies on it).
  await box.press('Enter');
  await eventually(async () => assert.deepEqual(await fac.getByTestId('fac-statements').locator('.user-text').allTextContents(), ['Eerste regel\ntweede regel']));
  assert.equal(await box.inputValue(), '');
  await axe(phone, 'brainstorm on a phone');
  // A laptop (a fine pointer and a keyboard with Shift+Enter) has no such button.
  const laptop = (await device(browser, LAPTOP)).page;
  await joinByCode(laptop, created.code, 'Cas', 'ICT');
  await laptop.getByTestId('new-statement').waitFor();
  assert.equal(await laptop.getByTestId('new-statement-newline').isVisible(), false);
  assertNoProblems(phone, 'phone');
  assertNoProblems(laptop, 'laptop');
});

test('B5: who joined remotely and who is in the room, in the console', async () => {
  const created = await postJson('/api/sessions', { title: 'Hybride zaal', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'add_proxy', name: 'Dirk zonder telefoon', group: 'business' }]);
  // Remote: the join form's checkbox.
  const far = (await device(browser, PHONE)).page;
  await far.goto(`/join/${created.code}`);
  await far.getByLabel('Je naam').fill('Anna op afstand');
  await far.getByLabel('ICT', { exact: true }).check();
  await far.getByLabel('Ik doe op afstand mee').check();
  await shot(far, 'issue13-B5-phone-join-remote-360');
  await axe(far, 'join form with the remote checkbox');
  await far.getByRole('button', { name: 'Meedoen' }).click();
  await far.locator('#phase-title').waitFor();
  // In the room: the default.
  const near = (await device(browser, PHONE)).page;
  await joinByCode(near, created.code, 'Bram in de zaal', 'Business');
  const person = (name) => fac.getByTestId('participants').locator('li.person', { hasText: name }).locator('.person-state');
  await eventually(async () => assert.match(await person('Anna op afstand').textContent(), /op afstand/));
  assert.match(await person('Bram in de zaal').textContent(), /in de zaal/);
  assert.equal(await person('Dirk zonder telefoon').textContent(), 'zonder apparaat');
  assert.equal(await fac.getByTestId('where-count').textContent(), '2 in de zaal · 1 op afstand');
  // Reloading the phone does not say it again, nor take it back.
  await far.reload();
  await far.locator('#phase-title').waitFor();
  assert.match(await person('Anna op afstand').textContent(), /op afstand/);
  await fac.getByTestId('participants').scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B5-console-remote-1366');
  await axe(fac, 'console with remote people');
  // English.
  const en = (await device(browser, PHONE, { locale: 'en-GB' })).page;
  await en.goto('/');
  await en.evaluate(() => localStorage.setItem('draagvlak:lang', 'en'));
  await en.goto(`/join/${created.code}`);
  await en.getByLabel("I'm joining remotely").waitFor();
  assertNoProblems(fac, 'console');
  assertNoProblems(far, 'remote phone');
  assertNoProblems(near, 'phone in the room');
});

test('B9: the English demo is in English, the Dutch demo has Flemish names and places', async () => {
  const en = await postJson('/api/demo', { language: 'en' });
  const fac = (await device(browser, LAPTOP, { locale: 'en-GB' })).page;
  await fac.goto('/');
  await fac.evaluate(() => localStorage.setItem('draagvlak:lang', 'en'));
  await openFacilitator(fac, en);
  await eventually(async () => assert.match(await fac.getByTestId('participants').textContent(), /James Walker/));
  const text = await fac.locator('body').textContent();
  assert.match(text, /Riverside Borough Council/);
  for (const dutch of ['Zaanstad', 'Jeroen', 'Fatima', 'Gemeente', 'DigiD', ' een ', ' het ']) assert.ok(!text.includes(dutch), `"${dutch}" in the English demo`);
  await fac.getByTestId('participants').scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B9-demo-en-console-1366');
  const proj = (await device(browser, PROJECTOR, { locale: 'en-GB' })).page;
  await proj.goto('/');
  await proj.evaluate(() => localStorage.setItem('draagvlak:lang', 'en'));
  await proj.goto(`/projector/${en.code}`);
  await eventually(async () => assert.match(await proj.locator('body').textContent(), /Riverside Borough Council/));
  await settle(proj);
  await shot(proj, 'issue13-B9-demo-en-projector-1920');

  const nl = await postJson('/api/demo', { language: 'nl' });
  const nlFac = (await device(browser, LAPTOP)).page;
  await openFacilitator(nlFac, nl);
  await eventually(async () => assert.match(await nlFac.getByTestId('participants').textContent(), /Jens Peeters/));
  const nlText = await nlFac.locator('body').textContent();
  assert.match(nlText, /Stad Mechelen/);
  for (const dutch of ['Zaanstad', 'Jeroen de Vries', 'DigiD', 'zaaksysteem']) assert.ok(!nlText.includes(dutch), `"${dutch}" in the Flemish demo`);
  await shot(nlFac, 'issue13-B9-demo-nl-console-1366');
  assertNoProblems(fac, 'console');
  assertNoProblems(nlFac, 'console');
});
