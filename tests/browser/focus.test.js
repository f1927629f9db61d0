// What the facilitator does to items, as a participant's phone shows it: a hidden statement stays
// in its author's list, marked as hidden (and reaches nobody else); an item put in focus is
// scrolled into view, or announced with a button to it while the person is typing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, createSession, openFacilitator, joinByCode, eventually, assertNoProblems, assertNoHorizontalOverflow, shot, axe, PHONE, LAPTOP } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function brainstorm(title, names) {
  const created = await createSession(title);
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const phones = [];
  for (const [i, name] of names.entries()) {
    const p = (await device(browser, PHONE)).page;
    await joinByCode(p, created.code, name, i % 2 ? 'Business' : 'ICT');
    phones.push(p);
  }
  await fac.getByTestId('next-phase').click();
  for (const p of phones) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: brainstorm'));
  return { fac, phones };
}

async function add(p, text) {
  await p.getByTestId('new-statement').fill(text);
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.ok((await p.getByTestId('my-statements').locator('textarea').evaluateAll((els) => els.map((e) => e.value))).includes(text)));
}

test('a statement the facilitator hides stays in its author\'s list, marked, and nowhere else', async () => {
  const { fac, phones: [author, other] } = await brainstorm('Verbergen', ['Hanna Hidden', 'Otto Ander']);
  const kept = 'Deze blijft gewoon staan.';
  const hidden = 'Deze gaat de facilitator verbergen.';
  await add(author, kept);
  await add(author, hidden);
  await eventually(async () => assert.equal(await other.getByTestId('other-statements').locator('li').count(), 2));
  await fac.getByTestId('fac-statements').locator('li', { hasText: hidden }).getByRole('button', { name: 'Verbergen' }).click();

  const mine = author.getByTestId('my-statements');
  const mark = mine.getByTestId('hidden-own');
  await eventually(async () => assert.equal(await mark.count(), 1));
  assert.match(await mark.textContent(), /Verborgen door de facilitator/);
  assert.match(await mark.textContent(), /Anderen zien deze uitspraak niet meer/);
  assert.equal(await mark.locator('.user-text').textContent(), hidden);
  assert.deepEqual(await mine.locator('textarea').evaluateAll((els) => els.map((e) => e.value)), [kept]);
  await eventually(async () => assert.deepEqual(await other.getByTestId('other-statements').locator('.user-text').allTextContents(), [kept]));
  assert.doesNotMatch(await other.locator('main').textContent(), /verbergen|Verborgen/);
  await axe(author, 'own hidden statement');
  await mark.scrollIntoViewIfNeeded();
  await shot(author, 'focus-hidden-own');
  // Still marked after a reload.
  await author.reload();
  await author.locator('#phase-title').waitFor();
  await eventually(async () => assert.equal(await mine.getByTestId('hidden-own').locator('.user-text').textContent(), hidden));
  // Shown again: back as the author's own editable statement.
  await fac.getByTestId('fac-statements').locator('li', { hasText: hidden }).getByRole('button', { name: 'Tonen' }).click();
  await eventually(async () => assert.deepEqual(await mine.locator('textarea').evaluateAll((els) => els.map((e) => e.value)), [kept, hidden]));
  assert.equal(await mine.getByTestId('hidden-own').count(), 0);
  assertNoProblems(author, 'author');
  assertNoProblems(other, 'other');
});

test('an item put in focus is scrolled into view, or announced while someone types', async () => {
  const { fac, phones: [writer, reader] } = await brainstorm('Focus', ['Wim Schrijver', 'Lies Lezer']);
  const texts = Array.from({ length: 8 }, (_, i) => `Uitspraak nummer ${i + 1} over de digitale gemeente van morgen.`);
  for (const text of texts) await add(writer, text);
  const others = reader.getByTestId('other-statements');
  await eventually(async () => assert.equal(await others.locator('li').count(), texts.length));
  const inView = (p) => p.evaluate(() => {
    const el = document.querySelector('main .focused');
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.top >= document.querySelector('.sticky-head').getBoundingClientRect().bottom && r.bottom <= window.innerHeight;
  });
  const focusOn = (text) => fac.getByTestId('fac-statements').locator('li', { hasText: text }).getByRole('button', { name: /in beeld/i }).click();

  // The reader is at the top of the page; the last statement is far below.
  await reader.evaluate(() => window.scrollTo(0, 0));
  await focusOn(texts[7]);
  await eventually(async () => assert.equal(await others.locator('li.focused .user-text').textContent(), texts[7]));
  await eventually(async () => assert.equal(await inView(reader), true, 'the focused item is scrolled into view'));
  assert.equal(await reader.getByTestId('focus-notice').isVisible(), false);
  // (The smooth scroll comes to rest before the screenshot.)
  await eventually(async () => {
    const y = await reader.evaluate(() => window.scrollY);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await reader.evaluate(() => window.scrollY), y);
  });
  await shot(reader, 'focus-scrolled');

  // Someone typing keeps their place: a notice with a button instead.
  await reader.evaluate(() => window.scrollTo(0, 0));
  const box = reader.getByTestId('new-statement');
  await box.click();
  await reader.keyboard.type('Ik typ nog');
  await focusOn(texts[6]);
  await eventually(async () => assert.equal(await others.locator('li.focused .user-text').textContent(), texts[6]));
  const notice = reader.getByTestId('focus-notice');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.textContent(), /De facilitator heeft iets in beeld gezet/);
  assert.equal(await reader.evaluate(() => document.activeElement.dataset.testid), 'new-statement', 'the focus stays in the box');
  assert.equal(await box.inputValue(), 'Ik typ nog');
  assert.equal(await inView(reader), false);
  await axe(reader, 'focus notice');
  await assertNoHorizontalOverflow(reader, 'focus notice');
  await shot(reader, 'focus-notice');
  await notice.getByRole('button', { name: 'Bekijken' }).click();
  await eventually(async () => assert.equal(await inView(reader), true));
  assert.equal(await notice.isVisible(), false);
  // Scrolling to the item yourself also ends the notice.
  await reader.evaluate(() => window.scrollTo(0, 0));
  await box.click();
  await focusOn(texts[5]);
  await notice.waitFor({ state: 'visible' });
  await others.locator('li.focused').scrollIntoViewIfNeeded();
  await eventually(async () => assert.equal(await notice.isVisible(), false));
  assertNoProblems(reader, 'reader');
});
