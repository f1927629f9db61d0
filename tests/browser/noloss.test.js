// Typed text is never lost: not while the facilitator has paused input, not when a statement
// written offline is refused because the facilitator moved on, and not when the pause arrives
// while a statement is on its way.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, recordIntents, createSession, openFacilitator, joinByCode, eventually, assertNoProblems, assertNoHorizontalOverflow, axe, shot, PHONE, LAPTOP } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Every `add_statement` intent the page sends over its WebSocket, as its text. */
const recordAdds = (page) => recordIntents(page, 'add_statement', (i) => i.text);

async function brainstorm(title) {
  const created = await createSession(title);
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const { context, page: p } = await device(browser, PHONE);
  const adds = recordAdds(p);
  await joinByCode(p, created.code, 'Noor Niets-kwijt', 'ICT');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: brainstorm'));
  return { created, fac, context, p, adds };
}

const setLocked = async (fac, p, locked) => {
  await fac.getByTestId('lock').click();
  await eventually(async () => assert.equal(await fac.getByTestId('lock').getAttribute('aria-pressed'), String(locked)));
  await eventually(async () => assert.equal(await p.locator('.locked-note').isVisible(), locked));
};

test('while input is paused, Enter and the button keep the text in the box and send nothing', async () => {
  const { fac, p, adds } = await brainstorm('Pauze');
  await setLocked(fac, p, true);
  const text = 'Gedacht tijdens de pauze: eerst de basis op orde.';
  const box = p.getByTestId('new-statement');
  await box.fill(text);
  await box.press('Enter');
  assert.equal(await box.inputValue(), text, 'Enter keeps the text');
  // The button is aria-disabled but stays focusable and clickable (Playwright would wait for "enabled").
  await p.getByRole('button', { name: 'Toevoegen' }).click({ force: true });
  assert.equal(await box.inputValue(), text, 'the button keeps the text');
  // The person is told, truthfully, that the text stays and nothing was sent.
  const note = p.getByTestId('new-statement-locked');
  assert.match(await note.textContent(), /gepauzeerd.*blijft hier staan/);
  assert.equal(await box.getAttribute('aria-describedby'), await note.getAttribute('id'));
  await eventually(async () => assert.match(await p.getByTestId('toasts').textContent(), /Niet verstuurd: de invoer is gepauzeerd\. Je tekst blijft in het invoerveld staan\./));
  assert.doesNotMatch(await p.getByTestId('toasts').textContent(), /zodra het weer kan/);
  assert.equal(await p.getByTestId('my-statements').locator('li').count(), 0, 'nothing shown as waiting');
  assert.deepEqual(adds, [], 'no add_statement was sent');
  assert.equal(await p.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(':queue')).length), 0, 'nothing queued');
  await shot(p, 'noloss-locked');
  // A reload while paused keeps the draft as well.
  await p.reload();
  await p.locator('#phase-title').waitFor();
  assert.equal(await box.inputValue(), text);

  // After the pause it can be added, and it appears once.
  await setLocked(fac, p, false);
  assert.equal(await p.getByTestId('new-statement-locked').isVisible(), false);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.deepEqual(await p.getByTestId('my-statements').locator('textarea').evaluateAll((els) => els.map((e) => e.value)), [text]));
  assert.equal(await box.inputValue(), '');
  await eventually(async () => assert.deepEqual(await fac.getByTestId('fac-statements').locator('.user-text').allTextContents(), [text]));
  assert.deepEqual(adds, [text], 'sent exactly once');
  assertNoProblems(p, 'phone');
  assertNoProblems(fac, 'facilitator');
});

test('a statement written offline and refused after the phase moved on stays visible and copyable', async () => {
  const { fac, context, p } = await brainstorm('Trein');
  await context.setOffline(true);
  await p.getByTestId('offline-banner').waitFor({ state: 'visible' });
  const text = 'Offline geschreven, toen was de brainstorm al voorbij.';
  await p.getByTestId('new-statement').fill(text);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.match(await p.getByTestId('my-statements').textContent(), /Wacht op verzending/));
  // Meanwhile the facilitator moves on to clustering.
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await fac.locator('#phase-title').textContent(), /clusteren/));
  await context.setOffline(false);
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: clusteren'));
  // The server refuses it (wrong phase); the text is shown, selectable, with a copy button.
  const notice = p.getByTestId('unsent');
  await notice.waitFor({ state: 'visible' });
  assert.equal(await notice.getByTestId('unsent-text').inputValue(), text);
  assert.match(await notice.textContent(), /Niet verstuurd.*Dat kan in deze fase niet meer/s);
  await notice.getByRole('button', { name: 'Kopiëren' }).click();
  await eventually(async () => assert.match(await notice.textContent(), /Gekopieerd|Kopiëren lukte niet/));
  await assertNoHorizontalOverflow(p, 'not-sent notice');
  await axe(p, 'not-sent notice');
  await shot(p, 'noloss-unsent');
  assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 0, 'the server did not take it');
  // Still there after a reload, until the person discards it.
  await p.reload();
  await p.locator('#phase-title').waitFor();
  assert.equal(await notice.getByTestId('unsent-text').inputValue(), text);
  await notice.getByRole('button', { name: 'Weggooien' }).click();
  await eventually(async () => assert.equal(await notice.isVisible(), false));
  assertNoProblems(p, 'phone');
});

test('a statement refused because the pause came first goes back into the box', async () => {
  const { fac, context, p } = await brainstorm('Net te laat');
  await context.setOffline(true);
  await p.getByTestId('offline-banner').waitFor({ state: 'visible' });
  const text = 'Verstuurd vlak voor de pauze.';
  const box = p.getByTestId('new-statement');
  await box.fill(text);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  assert.equal(await box.inputValue(), '');
  await fac.getByTestId('lock').click();
  await eventually(async () => assert.equal(await fac.getByTestId('lock').getAttribute('aria-pressed'), 'true'));
  await context.setOffline(false);
  // Rejected with input_locked: the text is back in the box, and the person is told.
  await eventually(async () => assert.equal(await box.inputValue(), text));
  await eventually(async () => assert.match(await p.getByTestId('toasts').textContent(), /Je tekst staat weer in het invoerveld/));
  assert.equal(await p.getByTestId('my-statements').locator('li').count(), 0);
  assert.equal(await p.getByTestId('unsent').isVisible(), false);
  // After the pause it goes through.
  await setLocked(fac, p, false);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.deepEqual(await fac.getByTestId('fac-statements').locator('.user-text').allTextContents(), [text]));
  assertNoProblems(p, 'phone');
});

/** A new session open in two consoles (a co-facilitator on another laptop); `context` is the first's. */
async function twoConsoles(title) {
  const created = await createSession(title);
  const { context, page: fac } = await device(browser, LAPTOP);
  await openFacilitator(fac, created);
  const other = (await device(browser, LAPTOP)).page;
  await openFacilitator(other, created);
  return { created, context, fac, other };
}

test('a statement the facilitator typed for someone without a device, refused, stays in the console', async () => {
  const { context, fac, other } = await twoConsoles('Zonder apparaat');
  await fac.getByTestId('proxy-name').fill('Carla Zonder');
  await fac.getByTestId('proxy-panel').getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('enter-for').locator('option:checked').textContent(), /Carla Zonder/));
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await other.locator('#phase-title').textContent(), /brainstorm/));
  await context.setOffline(true);
  await fac.getByTestId('offline-banner').waitFor({ state: 'visible' });
  const text = 'Carla vindt: eerst de basis op orde.';
  await fac.getByTestId('proxy-statement').fill(text);
  await fac.getByTestId('proxy-entry').getByRole('button', { name: 'Toevoegen' }).click();
  // Meanwhile the other console moves on.
  await other.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await other.locator('#phase-title').textContent(), /clusteren/));
  await context.setOffline(false);
  const notice = fac.getByTestId('proxy-panel').getByTestId('unsent');
  await notice.waitFor({ state: 'visible' });
  assert.equal(await notice.getByTestId('unsent-text').inputValue(), text);
  await axe(fac, 'console with a not-sent notice');
  await notice.scrollIntoViewIfNeeded();
  await shot(fac, 'noloss-proxy-unsent');
  assertNoProblems(fac, 'facilitator');
});

test('a cluster title the facilitator typed, refused because the statements were merged meanwhile, stays in the console', async () => {
  const { created, context, fac, other } = await twoConsoles('Twee consoles');
  const p = (await device(browser, PHONE)).page;
  await joinByCode(p, created.code, 'Pim Punt', 'ICT');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: brainstorm'));
  const [s1, s2] = ['Eén loket voor inwoners.', 'Eén digitaal loket.'];
  for (const text of [s1, s2]) {
    await p.getByTestId('new-statement').fill(text);
    await p.getByRole('button', { name: 'Toevoegen' }).click();
  }
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 2));
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await other.locator('#phase-title').textContent(), /clusteren/));
  // Offline, this console merges the two; meanwhile the other console merges them first.
  await context.setOffline(true);
  await fac.getByTestId('offline-banner').waitFor({ state: 'visible' });
  const board = fac.locator('.cluster-board');
  await board.getByLabel(s1).check();
  await board.getByLabel(s2).check();
  const title = 'Eén voordeur voor iedereen';
  await board.getByTestId('cluster-title').fill(title);
  await board.getByRole('button', { name: 'Samenvoegen' }).click();
  const otherBoard = other.locator('.cluster-board');
  await otherBoard.getByLabel(s1).check();
  await otherBoard.getByLabel(s2).check();
  await otherBoard.getByTestId('cluster-title').fill('Digitaal loket');
  await otherBoard.getByRole('button', { name: 'Samenvoegen' }).click();
  await eventually(async () => assert.deepEqual(await other.getByTestId('clusters').locator('.cluster-title').allTextContents(), ['Digitaal loket']));
  await context.setOffline(false);
  const notice = fac.locator('.col.middle').getByTestId('unsent');
  await notice.waitFor({ state: 'visible' });
  assert.equal(await notice.getByTestId('unsent-text').inputValue(), title);
  await eventually(async () => assert.deepEqual(await fac.getByTestId('clusters').locator('.cluster-title').allTextContents(), ['Digitaal loket']));
  // It stays after a reload, until dismissed.
  await fac.reload();
  await fac.locator('.col.middle').getByTestId('unsent').waitFor({ state: 'visible' });
  await axe(fac, 'console with its own not-sent notice');
  await shot(fac, 'noloss-console-unsent');
  await fac.locator('.col.middle').getByTestId('unsent').getByRole('button', { name: 'Weggooien' }).click();
  await eventually(async () => assert.equal(await fac.locator('.col.middle').getByTestId('unsent').isVisible(), false));
  assertNoProblems(fac, 'facilitator');
});
