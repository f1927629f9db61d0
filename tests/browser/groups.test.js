// Groups that fit the room (issue 19, item 2): the facilitator names four groups on the start page
// with the keyboard only, four phones join one in each group, vote and rate at the same moment,
// and the console, the projector and the phones show every group apart, each in its own colour.
// Screenshots go to DRAAGVLAK_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, seed, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, largeText, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A percentage as "75%", whatever space the locale puts before the sign. */
const pct = (text) => text.replace(/\s+%/g, '%');

/** The values of the group name fields on the start page. */
async function groupNames(page) {
  return page.locator('.group-names input').evaluateAll((inputs) => inputs.map((i) => i.value));
}

test('four groups named on the start page with the keyboard, played through on four phones', async () => {
  const fac = (await device(browser, LAPTOP)).page;
  await fac.goto('/');
  await fac.getByLabel('Titel').fill('Vier groepen');
  assert.deepEqual(await groupNames(fac), ['ICT', 'Business'], 'the default groups to begin with');
  // Two groups is the least: no remove buttons yet.
  assert.equal(await fac.locator('[data-testid^=group-remove]').count(), 0);
  await fac.getByLabel('Groep 2', { exact: true }).fill('Beleid');
  const add = fac.getByTestId('group-add');
  await add.focus();
  await fac.keyboard.press('Enter');
  assert.equal(await fac.evaluate(() => document.activeElement.id), 'new-group-2', 'the new field has the focus');
  await fac.keyboard.type('Raad');
  await add.focus();
  await fac.keyboard.press('Enter');
  await fac.keyboard.type('Ondernemingsraad');
  assert.equal(await add.isHidden(), true, 'four groups is the most');
  // Remove the third with the keyboard, then add the aldermen instead.
  await fac.getByRole('button', { name: 'Groep 3 weghalen' }).focus();
  await fac.keyboard.press('Enter');
  assert.deepEqual(await groupNames(fac), ['ICT', 'Beleid', 'Ondernemingsraad']);
  assert.equal(await fac.evaluate(() => document.activeElement.id), 'new-group-2');
  await add.focus();
  await fac.keyboard.press('Enter');
  await fac.keyboard.type('Mandatarissen');
  assert.deepEqual(await groupNames(fac), ['ICT', 'Beleid', 'Ondernemingsraad', 'Mandatarissen']);
  await fac.locator('.groups-field').scrollIntoViewIfNeeded();
  await shot(fac, 'issue19-groups-start-1366');
  await axe(fac, 'start page with four groups');
  await fac.getByRole('button', { name: 'Sessie starten' }).click();
  await fac.waitForURL(/\/facilitator\/[A-Z0-9]{6}$/);
  const code = fac.url().split('/').pop();
  const created = { code, facilitator_secret: await fac.evaluate((c) => localStorage.getItem(`draagvlak:${c}:secret`), code) };

  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${code}`);
  const labels = ['ICT', 'Beleid', 'Ondernemingsraad', 'Mandatarissen'];
  const phones = [];
  for (const [i, group] of labels.entries()) {
    const p = (await device(browser, PHONE)).page;
    await joinByCode(p, code, `Deelnemer ${i + 1}`, group);
    phones.push(p);
  }
  await shot(phones[3], 'issue19-groups-phone-lobby-360');
  await eventually(async () => assert.deepEqual(await proj.locator('.proj-group-name').allTextContents(), labels));
  assert.deepEqual(await proj.locator('.proj-group-count').allTextContents(), ['1', '1', '1', '1']);
  await eventually(async () => assert.deepEqual(await fac.getByTestId('participants').locator('h3').allTextContents(),
    labels.map((g) => `${g} — 1 van 1 verbonden`)));

  // Two statements, then everyone places their dots at the same moment.
  const [, s1, s2] = await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'go_to_phase', index: 1 },
    { kind: 'add_statement', text: 'Eén loket voor alle vragen.' }, { kind: 'add_statement', text: 'Samen inkopen met de regio.' },
    { kind: 'go_to_phase', index: 3 }]);
  assert.ok(s1 && s2);
  const dot = async (p, text) => {
    const item = p.getByTestId('vote-list').locator('li', { hasText: text });
    const before = Number((await item.getByTestId('my-dots').textContent()).replace(/\D/g, '') || 0);
    await item.locator('[data-action=place]').click();
    await eventually(async () => assert.equal(await item.getByTestId('my-dots').textContent(), `Jouw stippen: ${before + 1}`));
  };
  for (const p of phones) await eventually(async () => assert.equal(await p.getByTestId('vote-list').locator('li').count(), 2));
  await Promise.all(phones.map(async (p, i) => {
    await dot(p, 'Eén loket');
    if (i < 2) await dot(p, 'Eén loket');
    if (i === 1 || i === 3) await dot(p, 'Samen inkopen');
  }));
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.equal(await fac.locator('.results-slot .rank').count(), 2));
  const byGroup = await fac.locator('.results-slot .rank').first().getByTestId('rank-groups').locator('.support-row').allTextContents();
  assert.deepEqual(byGroup, ['ICT2 stippen', 'Beleid2 stippen', 'Ondernemingsraad1 stip', 'Mandatarissen1 stip']);
  // Each group has its own colour, the same on every chart.
  const fills = await fac.locator('.results-slot .rank').first().getByTestId('rank-groups').locator('.chart-bar .bar-fill')
    .evaluateAll((rects) => rects.map((r) => getComputedStyle(r).fill));
  assert.equal(new Set(fills).size, 4, `four colours: ${fills}`);

  // A rule, rated by all four at the same moment: ICT and Beleid for, the others against.
  await seed((await device(browser, LAPTOP)).page, created, [{ kind: 'go_to_phase', index: 4 },
    { kind: 'propose_rule', text: 'Eerst hergebruiken, dan kopen.' }]);
  for (const p of phones) await eventually(async () => assert.equal(await p.getByTestId('rule-list').locator('li').count(), 1));
  await Promise.all(phones.map(async (p, i) => {
    const score = [5, 4, 2, 1][i];
    const card = p.getByTestId('rule-list').locator('li').first();
    await card.locator(`input[value="${score}"]`).check();
    if (score <= 2) {
      await card.getByLabel('Waarom ben je het oneens?').fill('Te vroeg');
      await card.getByRole('button', { name: 'Beoordeling versturen' }).click();
      await eventually(async () => assert.equal(await card.getByTestId('own-reason').textContent(), 'Jouw reden: Te vroeg'));
    }
  }));
  await eventually(async () => assert.match(await fac.getByTestId('participants').textContent(), /beoordeeld/));
  await fac.getByTestId('reveal').click();
  for (const p of [...phones, proj, fac]) {
    await eventually(async () => assert.equal(await p.locator('.support-chart').count(), 1));
    const values = (await p.locator('.support-chart').first().locator('.support-value').allTextContents()).map(pct);
    assert.deepEqual(values, ['50%', '100%', '100%', '0%', '0%']);
    assert.equal(await p.locator('.support-chart .gap-badge').count(), 1, 'the largest difference between two groups is marked');
  }
  const rows = (await fac.locator('.results-slot .supports .support-row').allTextContents()).map(pct);
  assert.deepEqual(rows, ['Iedereen50%(2 van 4)', 'ICT100%(1 van 1)', 'Beleid100%(1 van 1)', 'Ondernemingsraad0%(0 van 1)', 'Mandatarissen0%(0 van 1)']);

  for (const p of phones) await assertNoHorizontalOverflow(p, 'phone, four groups');
  await assertNoHorizontalOverflow(proj, 'projector, four groups');
  await assertNoHorizontalOverflow(fac, 'console, four groups');
  await phones[0].locator('.support-chart').first().scrollIntoViewIfNeeded();
  await shot(phones[0], 'issue19-groups-phone-support-360');
  await shot(proj, 'issue19-groups-projector-1920');
  await fac.locator('.results-slot').scrollIntoViewIfNeeded();
  await shot(fac, 'issue19-groups-console-1366');
  await axe(phones[0], 'phone, four groups');
  await axe(proj, 'projector, four groups');
  for (const p of [fac, proj, ...phones]) assertNoProblems(p, 'four groups');

  // The same on a phone with 200 % text: the join screen's four choices and the results fit.
  const big = (await device(browser, PHONE)).page;
  await largeText(big);
  await big.goto(`/join/${code}`);
  await big.getByLabel('Mandatarissen', { exact: true }).waitFor();
  assert.equal(await big.locator('input[name=group]').count(), 4);
  await assertNoHorizontalOverflow(big, 'join screen, 200 % text');
  await big.getByTestId('join-group').scrollIntoViewIfNeeded();
  await shot(big, 'issue19-groups-join-360-200');
  await big.getByLabel('Je naam').fill('Laatkomer');
  await big.getByLabel('Mandatarissen', { exact: true }).check();
  await big.getByRole('button', { name: 'Meedoen' }).click();
  await eventually(async () => assert.equal(await big.locator('.support-chart').count(), 1));
  await assertNoHorizontalOverflow(big, 'results, 200 % text');
  await big.locator('.support-chart').first().scrollIntoViewIfNeeded();
  await shot(big, 'issue19-groups-phone-support-360-200');
  assertNoProblems(big, 'phone at 200 %');
});

test('the start page names a group that is too much or missing in the session\'s language', async () => {
  const page = (await device(browser, PHONE)).page;
  // With 200 % text on a phone, a name field keeps room to type in (its button goes under it).
  await largeText(page);
  await page.goto('/');
  const field = await page.getByLabel('Groep 2', { exact: true }).boundingBox();
  assert.ok(field.width > 200, `the name field is ${field.width}px wide`);
  await page.getByLabel('Titel').fill('Dubbel');
  await page.getByLabel('Groep 2', { exact: true }).fill('ict');
  await page.getByRole('button', { name: 'Sessie starten' }).click();
  await eventually(async () => assert.match(await page.locator('.form-error').first().textContent(), /Twee groepen heten "ict"\./));
  assert.match(page.url(), /\/$/, 'nothing was created');
  assert.ok(await page.locator('.form-error').first().evaluate((e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }),
    'the error is in sight');
  await assertNoHorizontalOverflow(page, 'start page with an error');
  await page.locator('.groups-field').scrollIntoViewIfNeeded();
  await shot(page, 'issue19-groups-start-error-360');
  assertNoProblems(page, 'start page');
});
