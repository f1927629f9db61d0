// Issue 13, B6 "names and groups": a participant fixes their own name or group on the phone; once
// voting has begun a change of group waits for the facilitator, who allows or refuses it in the
// console; the console tells people with the same name apart (only the console). These tests
// failed on the code before the change (no form on the phone, no pending panel, equal names).
// Screenshots go to DRAAGVLAK_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, postJson, seed, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, PHONE, LAPTOP, largeText } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The names in the console's participant list, group by group. */
async function consoleNames(fac) {
  return fac.getByTestId('participants').locator('.person-name').allTextContents();
}

/** Open the phone's "change name or group" form, fill it in and save. */
async function changeProfile(phone, { name, group }) {
  await phone.getByTestId('profile-open').click();
  if (name !== undefined) await phone.getByTestId('profile-name').fill(name);
  if (group !== undefined) await phone.getByTestId('profile-group').selectOption({ label: group });
  await phone.getByTestId('profile-save').click();
}

test('B6: a participant changes name and group; after voting the facilitator allows or refuses it', async () => {
  const created = await postJson('/api/sessions', { title: 'Namen en groepen', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const one = (await device(browser, PHONE)).page;
  const two = (await device(browser, PHONE)).page;
  const three = (await device(browser, PHONE)).page;
  await joinByCode(one, created.code, 'Anna', 'ICT');
  await joinByCode(two, created.code, 'Anna', 'Business');
  await joinByCode(three, created.code, 'Anna', 'ICT');

  // Three people called Anna: the console tells them apart; a phone shows its own name as typed.
  await eventually(async () => assert.deepEqual((await consoleNames(fac)).sort(), ['Anna (Business)', 'Anna (ICT)', 'Anna (ICT) 2']));
  assert.match(await one.getByTestId('phase-question').textContent(), /Je doet mee als Anna \(ICT\)/);
  await fac.getByTestId('participants').scrollIntoViewIfNeeded();
  await shot(fac, 'issue13-B6-console-same-names-1366');

  // Before anyone voted: a new name and group count at once.
  await changeProfile(one, { name: 'Anna de Boer', group: 'Business' });
  await eventually(async () => assert.match(await one.getByTestId('phase-question').textContent(), /Je doet mee als Anna de Boer \(Business\)/));
  await eventually(async () => assert.deepEqual((await consoleNames(fac)).sort(), ['Anna (Business)', 'Anna (ICT)', 'Anna de Boer']));
  assert.equal(await fac.getByTestId('pending-groups').isVisible(), false);

  // Voting begins (someone without a device places a dot): now a change of group waits.
  const setup = (await device(browser, LAPTOP)).page;
  const [proxy, , statement] = await seed(setup, created, [
    { kind: 'add_proxy', name: 'Gerrit', group: 'ict' }, { kind: 'go_to_phase', index: 1 }, { kind: 'add_statement', text: 'Eén loket voor alle vragen.' }]);
  await seed(setup, created, [{ kind: 'go_to_phase', index: 3 }, { kind: 'place_dot', statement, on_behalf_of: proxy }]);
  // Out of the lobby: the phone names its person under the phase.
  await eventually(async () => assert.equal(await two.locator('.you').isVisible(), true));
  await changeProfile(two, { group: 'ICT' });
  const pending = two.getByTestId('profile-pending');
  await eventually(async () => assert.equal(await pending.textContent(), 'Je vroeg om naar ICT te gaan. De begeleider beslist.'));
  assert.match(await two.locator('.you').textContent(), /\(Business\)/, 'still in Business until the facilitator decides');
  await two.getByTestId('profile').scrollIntoViewIfNeeded();
  await shot(two, 'issue13-B6-phone-pending-360');
  await axe(two, 'phone with a pending group change');
  await assertNoHorizontalOverflow(two, 'phone with a pending group change');

  const panel = fac.getByTestId('pending-groups');
  await eventually(async () => assert.equal(await panel.isVisible(), true));
  // The facilitator sees which Anna asks: her group tells her apart.
  assert.equal(await panel.locator('.pending-text').textContent(), 'Anna (Business) wil van Business naar ICT');
  // Its buttons stay inside the panel at 1366 px.
  const inside = await panel.evaluate((el) => {
    const p = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll('button')).every((b) => { const r = b.getBoundingClientRect(); return r.left >= p.left && r.right <= p.right; });
  });
  assert.ok(inside, 'the allow and refuse buttons lie inside the panel');
  await shot(fac, 'issue13-B6-console-pending-1366');
  await axe(fac, 'console with a pending group change');
  await panel.getByRole('button', { name: 'Toestaan: Anna (Business) naar ICT' }).click();
  await eventually(async () => assert.match(await two.locator('.you').textContent(), /\(ICT\)/));
  await eventually(async () => assert.equal(await pending.isVisible(), false));
  await eventually(async () => assert.equal(await panel.isVisible(), false));

  // Refused: the group stays, and the phone no longer says it waits.
  await changeProfile(three, { group: 'Business' });
  await eventually(async () => assert.equal(await panel.isVisible(), true));
  await panel.getByRole('button', { name: /^Weigeren: .* blijft in ICT$/ }).click();
  await eventually(async () => assert.equal(await three.getByTestId('profile-pending').isVisible(), false));
  assert.match(await three.locator('.you').textContent(), /\(ICT\)/);
  for (const p of [fac, one, two, three]) assertNoProblems(p);
});

test('B6: the change form on a 360 px phone with 200 % text', async () => {
  const created = await postJson('/api/sessions', { title: 'Namen en groepen', organisation: 'Gemeente Testdorp', language: 'nl' });
  const phone = (await device(browser, PHONE)).page;
  await largeText(phone);
  await joinByCode(phone, created.code, 'Bram Smit', 'Business');
  await phone.getByTestId('profile-open').click();
  await phone.getByTestId('profile-save').scrollIntoViewIfNeeded();
  await shot(phone, 'issue13-B6-phone-form-360-200pct');
  await assertNoHorizontalOverflow(phone, 'the change form at 200 %');
  for (const id of ['profile-name', 'profile-group', 'profile-save']) {
    const box = await phone.getByTestId(id).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 361, `${id} inside the screen: ${JSON.stringify(box)}`);
  }
  await axe(phone, 'the change form at 200 %');
  // Keyboard: the name can be changed without a mouse.
  await phone.getByTestId('profile-name').focus();
  await phone.keyboard.press('Control+A');
  await phone.keyboard.type('Bram Smit-de Wit');
  await phone.keyboard.press('Enter');
  await eventually(async () => assert.match(await phone.getByTestId('phase-question').textContent(), /Bram Smit-de Wit/));
  assertNoProblems(phone);
});
