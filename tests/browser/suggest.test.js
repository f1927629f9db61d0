// Suggested clusters in the console (issue 13, facilitator item 8): in the cluster phase the
// facilitator sees groups of near-duplicate statements, merges one under an edited title (it
// becomes a cluster everywhere), ignores another (it stays ignored after a reload, and can be
// shown again), and participants never see suggestions. Laptop 1366×800 and phone 360×640.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, seed, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, LAPTOP, PHONE } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const STATEMENTS = [
  'Eén digitaal loket voor inwoners',
  'Inwoners willen één loket, digitaal',
  'Cloud first bij nieuwe applicaties',
  'Privacy van inwoners beschermen',
  'Nieuwe applicaties standaard in de cloud',
];

test('the facilitator merges a suggested cluster and ignores another', async () => {
  const created = await postJson('/api/sessions', { title: 'Suggesties', organisation: 'Gemeente Testdorp', language: 'nl', template: 'short' });
  const fac = (await device(browser, LAPTOP)).page;
  const intents = [{ kind: 'add_proxy', name: 'Deelnemer 1', group: 'ict' }, { kind: 'go_to_phase', index: 1 }];
  for (const text of STATEMENTS) intents.push({ kind: 'add_statement', text, on_behalf_of: '@0' });
  intents.push({ kind: 'go_to_phase', index: 2 });
  await seed(fac, created, intents);
  const anna = (await device(browser, PHONE)).page;
  await joinByCode(anna, created.code, 'Anna de Boer', 'ICT');
  await openFacilitator(fac, created);

  const panel = fac.getByTestId('suggestion-panel');
  const cards = panel.locator('li.suggestion-card');
  await eventually(async () => assert.equal(await cards.count(), 2));
  assert.deepEqual(await cards.nth(0).locator('.member').allTextContents(), [STATEMENTS[0], STATEMENTS[1]]);
  assert.deepEqual(await cards.nth(1).locator('.member').allTextContents(), [STATEMENTS[2], STATEMENTS[4]]);
  assert.equal(await cards.nth(0).getByTestId('suggestion-title').inputValue(), 'Digitaal loket inwoners');
  await assertNoHorizontalOverflow(fac, 'console with suggestions');
  await axe(fac, 'console with suggestions');
  await panel.scrollIntoViewIfNeeded();
  await shot(fac, 'suggest-fac-1366');
  // A participant's page has no suggestions.
  assert.equal(await anna.getByTestId('suggestion-panel').count(), 0);

  // Merge the first under an edited title: it becomes a cluster, on the phone too.
  await cards.nth(0).getByTestId('suggestion-title').fill('Eén digitaal loket');
  await cards.nth(0).getByRole('button', { name: /^Samenvoegen/ }).click();
  for (const p of [fac, anna]) {
    await eventually(async () => assert.deepEqual(await p.getByTestId('clusters').locator('.cluster-title').allTextContents(), ['Eén digitaal loket']));
  }
  assert.deepEqual(await fac.getByTestId('clusters').locator('.member .user-text').allTextContents(), [STATEMENTS[0], STATEMENTS[1]]);
  await eventually(async () => assert.equal(await cards.count(), 1));

  // Ignore the other: gone, also after a reload; then shown again.
  await cards.nth(0).getByRole('button', { name: /^Negeren/ }).click();
  await eventually(async () => assert.equal(await cards.count(), 0));
  assert.equal(await panel.getByTestId('suggestions-none').textContent(), 'Alle suggesties zijn genegeerd.');
  await fac.reload();
  await fac.getByTestId('clusters').locator('.cluster-title').first().waitFor();
  assert.equal(await cards.count(), 0);
  assert.equal(await panel.getByTestId('suggestions-restore').textContent(), '1 genegeerde suggestie weer tonen');
  await panel.getByTestId('suggestions-restore').click();
  await eventually(async () => assert.equal(await cards.count(), 1));
  assertNoProblems(fac, 'console');
  assertNoProblems(anna, 'phone');

  // The console on a phone.
  const small = (await device(browser, PHONE)).page;
  await openFacilitator(small, created);
  await small.getByTestId('suggestion-panel').locator('li.suggestion-card').first().waitFor();
  await assertNoHorizontalOverflow(small, 'console on a phone');
  await small.getByTestId('suggestion-panel').scrollIntoViewIfNeeded();
  await shot(small, 'suggest-fac-360');
  await axe(small, 'console on a phone');
  assertNoProblems(small, 'console on a phone');
});
