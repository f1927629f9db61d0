// (c) A participant whose network drops keeps working (adds a statement, edits one, starts a
// draft), goes back online and reloads the page at once: nothing is lost, and everything
// reaches the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, createSession, openFacilitator, joinByCode, eventually, assertNoProblems, shot, PHONE, LAPTOP } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('work done offline survives going online and a reload', async () => {
  const created = await createSession('Onderweg');
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const { context, page: p } = await device(browser, PHONE);
  await joinByCode(p, created.code, 'Olga Offline', 'Business');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: brainstorm'));
  const first = 'Eerst online geschreven.';
  await p.getByTestId('new-statement').fill(first);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  const mine = p.getByTestId('my-statements');
  await eventually(async () => assert.equal(await mine.locator('textarea').first().inputValue(), first));
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 1));
  const banner = p.getByTestId('offline-banner');
  assert.equal(await banner.isVisible(), false);

  // The network drops.
  await context.setOffline(true);
  await banner.waitFor({ state: 'visible' });
  const second = 'Offline bedacht, in de trein.';
  await p.getByTestId('new-statement').fill(second);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.match(await mine.textContent(), /Wacht op verzending/));
  const edit = mine.locator('textarea').first();
  await edit.click();
  await edit.press('End');
  await p.keyboard.type(' En offline aangevuld.', { delay: 10 });
  const draft = 'Een concept dat nog niet is verstuurd';
  await p.getByTestId('new-statement').fill(draft);
  await eventually(async () => assert.match(await banner.textContent(), /wachten op verzending/));
  await shot(p, 'c-phone-offline');
  assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 1, 'nothing reached the server while offline');

  // Back online, and the page is reloaded straight away.
  await context.setOffline(false);
  await p.reload();
  await p.locator('#phase-title').waitFor();
  const edited = `${first} En offline aangevuld.`;
  await eventually(async () => assert.deepEqual(await mine.locator('textarea').evaluateAll((els) => els.map((e) => e.value)), [edited, second]));
  assert.equal(await p.getByTestId('new-statement').inputValue(), draft);
  await eventually(async () => assert.deepEqual(await fac.getByTestId('fac-statements').locator('.user-text').allTextContents(), [edited, second]));
  await eventually(async () => assert.equal(await banner.isVisible(), false));
  // Every queued intent is acknowledged in the end (the last ack may trail the banner).
  await eventually(async () => assert.equal(await p.evaluate((c) => localStorage.getItem(`draagvlak:${c}:participant:queue`), created.code), null, 'queue is empty'));
  await shot(p, 'c-phone-after-reload');
  assertNoProblems(fac, 'facilitator');
});
