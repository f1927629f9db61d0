// (b) Two participants typing in the same rule at the same moment end with the same text,
// containing both edits; the projector shows that text too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, createSession, openFacilitator, joinByCode, eventually, assertNoProblems, shot, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function caretAt(area, where) {
  await area.click();
  await area.evaluate((el, w) => {
    const p = w === 'start' ? 0 : el.value.length;
    el.setSelectionRange(p, p);
  }, where);
}

test('simultaneous typing in one rule merges both edits', async () => {
  const created = await createSession('Samen schrijven');
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const a = (await device(browser, PHONE)).page;
  const b = (await device(browser, PHONE)).page;
  await joinByCode(a, created.code, 'Ans', 'ICT');
  await joinByCode(b, created.code, 'Bas', 'Business');
  await fac.getByTestId('agenda').locator('li').nth(4).locator('button').click(); // Richten: vuistregels
  for (const p of [a, b]) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: vuistregels'));
  const base = 'We beslissen samen over nieuwe systemen.';
  await a.getByTestId('new-rule').fill(base);
  await a.getByRole('button', { name: 'Voorstellen' }).click();
  const areaA = a.getByTestId('rule-list').locator('textarea.edit').first();
  const areaB = b.getByTestId('rule-list').locator('textarea.edit').first();
  await eventually(async () => assert.equal(await areaB.inputValue(), base));

  // Round 1: one types at the start, the other at the end, at the same time, key by key.
  await caretAt(areaA, 'start');
  await caretAt(areaB, 'end');
  await Promise.all([
    a.keyboard.type('Vanaf nu: ', { delay: 25 }),
    b.keyboard.type(' Met ICT en business.', { delay: 20 }),
  ]);
  const expected1 = `Vanaf nu: ${base} Met ICT en business.`;
  await eventually(async () => {
    assert.equal(await areaA.inputValue(), expected1);
    assert.equal(await areaB.inputValue(), expected1);
  });

  // Round 2: both edit in the middle, in different words, while the other types: one replaces
  // "samen" (select and type), the other inserts before "nieuwe".
  const i1 = expected1.indexOf('samen');
  const i2 = expected1.indexOf('nieuwe');
  await areaA.click();
  await areaA.evaluate((el, i) => el.setSelectionRange(i, i + 5), i1);
  await areaB.click();
  await areaB.evaluate((el, i) => el.setSelectionRange(i, i), i2);
  await Promise.all([
    a.keyboard.type('gezamenlijk', { delay: 30 }),
    b.keyboard.type('alle ', { delay: 35 }),
  ]);
  const expected2 = expected1.replace('samen', 'gezamenlijk').replace('nieuwe', 'alle nieuwe');
  await eventually(async () => {
    assert.equal(await areaA.inputValue(), expected2);
    assert.equal(await areaB.inputValue(), expected2);
  });
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await eventually(async () => assert.equal(await proj.locator('.card-item .user-text').first().textContent(), expected2));
  for (const p of [a, b, fac, proj]) assertNoProblems(p, p.url());
});

// Issue 13, bug 1: two people appending to the end of one rule at the same moment each keep
// their run of typing together (it was " ((IbuCTsi)ness)" on every device, and in the report).
test('two people typing at the end of one rule at once keep their words whole', async () => {
  const created = await createSession('Tegelijk aanvullen');
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const a = (await device(browser, PHONE)).page;
  const b = (await device(browser, PHONE)).page;
  await joinByCode(a, created.code, 'Ans', 'ICT');
  await joinByCode(b, created.code, 'Bas', 'Business');
  await fac.getByTestId('agenda').locator('li').nth(4).locator('button').click(); // Richten: vuistregels
  for (const p of [a, b]) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: vuistregels'));
  const base = 'We kiezen eerst voor standaardoplossingen.';
  await a.getByTestId('new-rule').fill(base);
  await a.getByRole('button', { name: 'Voorstellen' }).click();
  const areaA = a.getByTestId('rule-list').locator('textarea.edit').first();
  const areaB = b.getByTestId('rule-list').locator('textarea.edit').first();
  await eventually(async () => assert.equal(await areaB.inputValue(), base));
  for (const round of [1, 2]) {
    await caretAt(areaA, 'end');
    await caretAt(areaB, 'end');
    const [ta, tb] = round === 1 ? [' (ICT)', ' (business)'] : [' Akkoord.', ' Akkoord!'];
    await Promise.all([
      a.keyboard.type(ta, { delay: 15 }),
      b.keyboard.type(tb, { delay: 12 }),
    ]);
    await eventually(async () => {
      const va = await areaA.inputValue();
      assert.equal(await areaB.inputValue(), va);
      assert.ok(va.includes(ta) && va.includes(tb), `each run whole: ${JSON.stringify(va)}`);
    });
  }
  const final = await areaA.inputValue();
  assert.ok(final.startsWith(base), final);
  assert.equal(final.length, base.length + ' (ICT) (business) Akkoord. Akkoord!'.length, final);
  // The second round was typed after a click at the end: it comes after the whole first round.
  assert.ok([' (ICT) (business)', ' (business) (ICT)'].includes(final.slice(base.length, base.length + 17)), final);
  await shot(a, 'issue13-bug1-phone-a-360');
  for (const p of [a, b, fac]) assertNoProblems(p, p.url());
});
