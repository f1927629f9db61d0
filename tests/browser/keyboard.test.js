// Rating a rule with the keyboard: the arrow keys move over the scale without sending a rating
// for every value passed and without taking the focus to the reason box. Switching the language
// with the keyboard keeps the focus on the switch, also on pages that are built anew.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, recordIntents, createSession, openFacilitator, joinByCode, eventually, assertNoProblems, shot, PHONE, LAPTOP } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Every `rate_rule` intent the page sends, as `score` or `score:reason`. */
const recordRatings = (page) => recordIntents(page, 'rate_rule', (i) => (i.reason ? `${i.score}:${i.reason}` : String(i.score)));

test('arrow keys on the rating scale send only the settled value and keep the focus', async () => {
  const created = await createSession('Toetsenbord');
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const p = (await device(browser, PHONE)).page;
  const sent = recordRatings(p);
  await joinByCode(p, created.code, 'Karin Keyboard', 'ICT');
  await fac.getByRole('button', { name: /^Ga naar fase 5:/ }).click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: vuistregels'));
  await p.getByTestId('new-rule').fill('We kiezen standaarden boven maatwerk.');
  await p.getByRole('button', { name: 'Voorstellen' }).click();
  const card = p.getByTestId('rule-list').locator('li.rule-card');
  await card.waitFor();
  const radio = (n) => card.locator(`input[type=radio][value="${n}"]`);
  const focused = () => p.evaluate(() => (document.activeElement.type === 'radio' ? `radio ${document.activeElement.value}` : document.activeElement.tagName.toLowerCase()));

  // Into the scale and over 2 and 3 to 4: nothing is sent on the way, the focus stays on the scale.
  await radio(1).focus();
  await p.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'radio 2');
  await p.keyboard.press('ArrowRight');
  await p.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'radio 4', 'the focus did not jump to the reason box');
  assert.equal(await card.getByTestId('reason-form').isVisible(), false);
  // Once the choice has rested, exactly one rating is sent: the settled one.
  await eventually(async () => assert.ok(sent.length >= 1));
  assert.deepEqual(sent, ['4']);
  await eventually(async () => assert.match(await card.locator('.meta').textContent(), /1 beoordeeld/));
  assert.equal(await radio(4).isChecked(), true);
  assert.equal(await focused(), 'radio 4');

  // Back to 2: the reason box appears below, the focus stays on the scale, nothing is sent yet.
  await p.keyboard.press('ArrowLeft');
  await p.keyboard.press('ArrowLeft');
  await eventually(async () => assert.equal(await card.getByTestId('reason-form').isVisible(), true));
  assert.equal(await focused(), 'radio 2');
  assert.deepEqual(sent, ['4'], 'no rating for 3 or 2 without a reason');
  await shot(p, 'keyboard-rating-reason');
  // Tab to the reason, type it, send with the keyboard.
  await p.keyboard.press('Tab');
  assert.equal(await focused(), 'textarea');
  await p.keyboard.type('Maatwerk is soms nodig.');
  await card.getByRole('button', { name: 'Beoordeling versturen' }).focus();
  await p.keyboard.press('Enter');
  await eventually(async () => assert.equal(await card.getByTestId('own-reason').textContent(), 'Jouw reden: Maatwerk is soms nodig.'));
  assert.deepEqual(sent, ['4', '2:Maatwerk is soms nodig.']);

  // Enter on the scale settles at once (well within the resting time of the arrow keys).
  await radio(2).focus();
  await p.keyboard.press('ArrowRight');
  await p.keyboard.press('ArrowRight');
  await p.keyboard.press('Enter');
  await eventually(async () => assert.equal(sent.length, 3), { timeout: 400 });
  assert.equal(sent[2], '4');
  assert.equal(await focused(), 'radio 4');
  assertNoProblems(p, 'phone');
});

test('the language switch keeps the focus when the page is built anew in the other language', async () => {
  const created = await createSession('Taalwissel');
  for (const path of ['/', `/join/${created.code}`]) {
    const p = (await device(browser, PHONE)).page;
    await p.goto(path);
    const sw = p.locator('.lang-switch');
    await sw.waitFor();
    const before = await sw.textContent();
    await sw.focus();
    await p.keyboard.press('Enter');
    await eventually(async () => assert.notEqual(await p.locator('.lang-switch').textContent(), before));
    const focused = await p.evaluate(() => document.activeElement.className);
    assert.match(focused, /lang-switch/, `${path}: the focus stays on the language switch`);
    // And back, with the keyboard only.
    await p.keyboard.press('Enter');
    await eventually(async () => assert.equal(await p.locator('.lang-switch').textContent(), before));
    assert.match(await p.evaluate(() => document.activeElement.className), /lang-switch/, `${path}: and back`);
    assertNoProblems(p, path);
    await p.context().close();
  }
});
