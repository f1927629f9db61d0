// The maturity self-assessment (issue 19, item 1) in the browser: an intake on two phones that
// score at the same moment, the console and the projector showing only how many took part, then
// the means per dimension and group on every screen once revealed. Screenshots go to
// DRAAGVLAK_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, largeText, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Score the statements of the first dimension on a phone: a score 1–5 or 'dont_know' each. */
async function score(page, answers) {
  const first = page.getByTestId('assessment-list').locator('section.dimension').first();
  for (const [i, value] of answers.entries()) {
    await first.locator('fieldset').nth(i).locator(`input[value="${value}"]`).check();
  }
}

test('an intake scored on two phones at once, secret until the facilitator reveals it', async () => {
  const created = await postJson('/api/sessions', { title: 'Intake Testdorp', organisation: 'Gemeente Testdorp', language: 'nl', template: 'intake' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  const anna = (await device(browser, PHONE)).page;
  const bram = (await device(browser, PHONE)).page;
  await joinByCode(anna, created.code, 'Anna de Boer', 'ICT');
  await joinByCode(bram, created.code, 'Bram Smit', 'Business');
  await fac.getByTestId('next-phase').click();
  for (const p of [anna, bram]) {
    await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Zelfevaluatie'));
    await eventually(async () => assert.equal(await p.getByTestId('assessment-list').locator('section.dimension').count(), 6));
  }
  assert.equal(await anna.getByTestId('assessment-progress').textContent(), 'Je hebt 0 van 18 uitspraken beantwoord. Je kunt je antwoorden nog aanpassen.');
  await shot(anna, 'issue19-assessment-phone-360');
  await axe(anna, 'phone, assessment');

  // Both score at the same moment; Anna changes her mind once.
  await Promise.all([score(anna, ['3', '4', 'dont_know']), score(bram, ['2', '2', '3'])]);
  await score(anna, ['5']);
  for (const p of [anna, bram]) {
    await eventually(async () => assert.equal(await p.getByTestId('assessment-progress').textContent(), 'Je hebt 3 van 18 uitspraken beantwoord. Je kunt je antwoorden nog aanpassen.'));
  }
  await bram.getByTestId('assessment-list').locator('section.dimension').first().scrollIntoViewIfNeeded();
  await shot(bram, 'issue19-assessment-phone-scoring-360');
  // A reload keeps one's own answers (they come from the server).
  await anna.reload();
  const annaFirst = anna.getByTestId('assessment-list').locator('section.dimension').first().locator('fieldset');
  await eventually(async () => assert.equal(await annaFirst.nth(0).locator('input[value="5"]').isChecked(), true));
  assert.equal(await annaFirst.nth(2).locator('input[value="dont_know"]').isChecked(), true);
  // On a phone with 200 % text the five scores still fit in a row.
  const large = (await device(browser, PHONE)).page;
  await largeText(large);
  await joinByCode(large, created.code, 'Dirk Groot', 'ICT');
  await eventually(async () => assert.equal(await large.getByTestId('assessment-list').locator('section.dimension').count(), 6));
  await large.getByTestId('assessment-list').locator('fieldset').first().scrollIntoViewIfNeeded();
  await assertNoHorizontalOverflow(large, 'phone at 200 %, scoring');
  await shot(large, 'issue19-assessment-phone-scoring-360-200');
  // The projector and the console say how many took part, nothing of the scores.
  await eventually(async () => assert.equal(await proj.getByTestId('assessment-respondents').textContent(), '2 deelnemers hebben ingevuld (0 volledig)'));
  await eventually(async () => assert.equal(await fac.getByTestId('assessment-respondents').textContent(), '2 deelnemers hebben ingevuld (0 volledig)'));
  for (const p of [proj, fac, anna, bram]) assert.equal(await p.getByTestId('assessment-results').count(), 0, 'no results before the reveal');

  await fac.getByTestId('reveal').click();
  // Strategy: ICT 5 and 4 (4,5), business 2, 2 and 3 (2,3), everyone 16 over 5 (3,2).
  for (const p of [anna, bram, proj, fac]) {
    await eventually(async () => assert.equal(await p.getByTestId('assessment-results').locator('li').count(), 6));
    const first = p.getByTestId('assessment-results').locator('li').first();
    assert.equal(await first.locator('h3').textContent(), 'Strategie en sturing');
    assert.deepEqual(await first.locator('.support-value').allTextContents(), ['3,2', '4,5', '2,3']);
    assert.match(await first.locator('.hint').textContent(), /Verschil tussen de groepen: 2,2 punt · 1 × weet niet/);
  }
  assert.equal(await anna.getByTestId('assessment-list').isHidden(), true, 'no more scoring');
  assert.equal(await anna.getByTestId('assessment-progress').textContent(), 'De zelfevaluatie is gesloten; de uitslag staat hieronder.');
  for (const p of [anna, bram]) await assertNoHorizontalOverflow(p, 'phone, assessment results');
  await assertNoHorizontalOverflow(proj, 'projector, assessment results');
  await assertNoHorizontalOverflow(fac, 'console, assessment results');
  await anna.getByTestId('assessment-results').scrollIntoViewIfNeeded();
  await shot(anna, 'issue19-assessment-phone-results-360');
  await shot(proj, 'issue19-assessment-projector-1920');
  await fac.locator('.results-slot').scrollIntoViewIfNeeded();
  await shot(fac, 'issue19-assessment-console-1366');
  await axe(proj, 'projector, assessment results');
  await axe(anna, 'phone, assessment results');
  for (const p of [anna, bram, proj, fac]) assertNoProblems(p, 'assessment');

  // With 200 % text on a phone the results still fit.
  const big = (await device(browser, PHONE)).page;
  await largeText(big);
  await joinByCode(big, created.code, 'Carla Laat', 'Business');
  await eventually(async () => assert.equal(await big.getByTestId('assessment-results').locator('li').count(), 6));
  await assertNoHorizontalOverflow(big, 'phone at 200 %, assessment results');
  await big.getByTestId('assessment-results').scrollIntoViewIfNeeded();
  await shot(big, 'issue19-assessment-phone-results-360-200');
  assertNoProblems(big, 'phone at 200 %');
});
