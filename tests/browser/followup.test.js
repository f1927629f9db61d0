// A follow-up session from the console (issue 4): a rule adopted in a first session is carried
// into a follow-up made from the console; a participant reviews it on a phone (applied? still
// right?); after the reveal, then (support then) and now (the review) stand side by side per
// group on the phone, the console and the projector. axe on the review screens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const RULE = 'We kopen standaardsoftware, tenzij het echt niet kan.';

test('follow-up: carried rule reviewed, then and now side by side', async () => {
  const created = await postJson('/api/sessions', { title: 'Voorjaar', organisation: 'Gemeente Testdorp', language: 'nl', template: 'short' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const anna = (await device(browser, PHONE)).page;
  await joinByCode(anna, created.code, 'Anna de Boer', 'ICT');
  await fac.getByTestId('agenda').locator('li').nth(4).locator('button.agenda-item').click();
  await eventually(async () => assert.equal(await anna.locator('#phase-title').textContent(), 'Vuistregels'));
  await anna.getByTestId('new-rule').fill(RULE);
  await anna.getByRole('button', { name: 'Voorstellen' }).click();
  await anna.getByTestId('rule-list').locator('input[value="4"]').check();
  // Someone without a device rates 1, with the reason the facilitator types for her.
  await fac.getByTestId('proxy-name').fill('Carla Zonder');
  await fac.getByTestId('proxy-panel').getByRole('button', { name: 'Toevoegen' }).click();
  await fac.getByLabel('Beoordeling van Carla Zonder voor vuistregel 1').selectOption('1');
  await fac.getByTestId('proxy-entry').getByRole('button', { name: 'Opslaan' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('toasts').textContent().catch(() => ''), /waarom/i));
  await fac.getByTestId('proxy-reason').fill('Maatwerk is soms nodig.');
  await fac.getByTestId('proxy-entry').getByRole('button', { name: 'Opslaan' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('fac-rules').textContent(), /2 beoordeeld/));
  await fac.getByTestId('equal-weight').check();
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.deepEqual(await fac.getByTestId('reasons').locator('li').allTextContents(), ['Maatwerk is soms nodig.']));
  // To be revised: a second round, the first kept next to it.
  await fac.getByTestId('rule-status-select').selectOption('revise');
  await fac.getByRole('button', { name: 'Nieuwe beoordelingsronde voor vuistregel 1' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('fac-rules').textContent(), /Ronde 2 · 0 beoordeeld/));
  await eventually(async () => assert.equal(await anna.getByTestId('rule-list').locator('input[value="4"]').isChecked(), false));
  await anna.getByTestId('rule-list').locator('input[value="4"]').check();
  await eventually(async () => assert.match(await fac.getByTestId('fac-rules').textContent(), /Ronde 2 · 1 beoordeeld/));
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.equal(await fac.getByTestId('earlier-rounds').count(), 1));
  assert.match(await fac.getByTestId('earlier-rounds').textContent(), /Ronde 1 Iedereen 50% · ICT 50% · Business –/);
  assert.match(await fac.locator('.support-chart').textContent(), /Elke groep weegt even zwaar/);
  await eventually(async () => assert.equal(await anna.getByTestId('earlier-rounds').count(), 1));
  await axe(fac, 'console with rounds');
  await shot(fac, 'f-fac-rounds');
  await shot(anna, 'f-phone-rounds');
  await fac.getByTestId('rule-status-select').selectOption('adopted');
  await eventually(async () => assert.equal(await fac.getByTestId('fac-rules').getByTestId('rule-status').textContent(), 'Aangenomen'));

  // The follow-up, made from the console: its console opens.
  await fac.getByTestId('followup-title').fill('Najaar: terugblik');
  await fac.getByRole('button', { name: 'Vervolgsessie maken' }).click();
  await fac.waitForURL((url) => !url.pathname.endsWith(created.code) && /\/facilitator\/[A-Z0-9]{6}$/.test(url.pathname));
  const code = fac.url().split('/').pop();
  await eventually(async () => assert.deepEqual(await fac.getByTestId('agenda').locator('button.agenda-item').allTextContents(), ['1. Welkom terug (nu)', '2. Terugblik op de vuistregels', '3. Toen en nu']));
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${code}`);
  const bram = (await device(browser, PHONE)).page;
  await joinByCode(bram, code, 'Bram Smit', 'Business');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await bram.locator('#phase-title').textContent(), 'Terugblik op de vuistregels'));

  // The review on a phone: two questions per carried rule.
  const card = bram.getByTestId('review-list').locator('li').first();
  await eventually(async () => assert.equal(await card.locator('.rule-text').textContent(), RULE));
  await card.locator('fieldset[data-question=applied]').getByLabel('Deels').check();
  await card.locator('fieldset[data-question=still_right]').getByLabel('Ja').check();
  await eventually(async () => assert.equal(await card.locator('.review-state').textContent(), 'Je antwoorden zijn opgeslagen.'));
  await eventually(async () => assert.match(await proj.getByTestId('proj-reviews').textContent(), /1 heeft teruggeblikt/));
  await assertNoHorizontalOverflow(bram, 'review');
  await axe(bram, 'participant review');
  await shot(bram, 'f-phone-review');

  // Reveal: then next to now, per group.
  await fac.getByRole('button', { name: 'Terugblik tonen' }).click();
  for (const p of [bram, fac, proj]) {
    const table = p.getByTestId('then-now').first();
    await eventually(async () => assert.equal(await table.count(), 1));
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
    assert.deepEqual(rows, [
      ['Iedereen', '100%', 'Ja 0 · Deels 1 · Nee 0', 'Ja 1 · Deels 0 · Nee 0'],
      ['ICT', '100%', 'Ja 0 · Deels 0 · Nee 0', 'Ja 0 · Deels 0 · Nee 0'],
      ['Business', '–', 'Ja 0 · Deels 1 · Nee 0', 'Ja 1 · Deels 0 · Nee 0'],
    ]);
  }
  await assertNoHorizontalOverflow(bram, 'review revealed');
  await axe(bram, 'participant review revealed');
  await axe(fac, 'console review revealed');
  await axe(proj, 'projector review revealed');
  await shot(bram, 'f-phone-review-revealed');
  await shot(fac, 'f-fac-review-revealed');
  await shot(proj, 'f-proj-review-revealed');
  for (const p of [fac, bram, proj]) assertNoProblems(p, p.url());
});
