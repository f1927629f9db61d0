// Decisions that hold, in the browser (issue 11): a facilitator (laptop), two participants
// (phones) and a projector on the short template. The facilitator writes a statement and a rule
// as the facilitator; a revealed vote is closed on the phone, and a new vote round opens it again;
// a rated rule's text is frozen for everyone; adopting a rule nobody rated asks for a
// confirmation and the console marks it; a removed participant cannot come back under a new name
// from the same phone; a closed session still shows its results on the projector and on a phone
// that reloads. Screenshots at 360×640 (also with 200 % text), 1366×800 and 1920×1080; axe on new screens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, room, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const S1 = 'Inwoners regelen hun zaken digitaal.';
const S2 = 'Zoals de zaal afsprak: eerst hergebruiken.';
const R1 = 'Elk nieuw systeem biedt inwoners een digitaal loket.';
const R2 = 'We kopen pas als hergebruik niet kan.';

test('votes close at the reveal, rules freeze when rated, decisions are confirmed, a closed session stays readable', async () => {
  const { code, fac, proj, anna, bram, go } = await room(browser, 'Besluiten');

  // Brainstorm: a participant's statement and one the facilitator types as the facilitator.
  await go(1, 'Brainstorm');
  await anna.getByTestId('new-statement').fill(S1);
  await anna.getByRole('button', { name: 'Toevoegen' }).click();
  await fac.getByTestId('fac-write').fill(S2);
  await fac.locator('form.fac-write').getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 2));
  assert.match(await fac.getByTestId('fac-statements').locator('li', { hasText: S2 }).textContent(), /Door de facilitator/);
  await eventually(async () => assert.match(await bram.locator('main').textContent(), /eerst hergebruiken/));

  // Vote: Anna places a dot; after the reveal the vote is closed on her phone.
  await go(3, 'Prioriteren');
  const annaItem = anna.getByTestId('vote-list').locator('li', { hasText: S1 });
  await annaItem.getByRole('button', { name: 'Stip erbij' }).click();
  await eventually(async () => assert.match(await annaItem.getByTestId('my-dots').textContent(), /1/));
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.equal(await anna.getByTestId('vote-closed').isVisible(), true));
  assert.match(await anna.getByTestId('vote-closed').textContent(), /De stemming is gesloten/);
  assert.equal(await annaItem.locator('.vote-controls').isVisible(), false, 'no dot buttons on a closed vote');
  await assertNoHorizontalOverflow(anna, 'vote closed');
  await axe(anna, 'participant vote closed');
  await shot(anna, 'd-phone-vote-closed');
  // A new vote round: asked in place, then the phones can vote again.
  await fac.getByTestId('vote-round').click();
  await fac.getByRole('button', { name: 'Nieuwe stemronde' }).last().click();
  await eventually(async () => assert.equal(await anna.getByTestId('vote-closed').isVisible(), false));
  await eventually(async () => assert.match(await annaItem.getByTestId('my-dots').textContent(), /0/));
  await annaItem.getByRole('button', { name: 'Stip erbij' }).click();
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.match(await anna.getByTestId('vote-closed').textContent(), /Stemronde 2/));

  // Rules: Anna proposes, Bram rates: the text is frozen for Anna too.
  await go(4, 'Vuistregels');
  await anna.getByTestId('new-rule').fill(R1);
  await anna.getByRole('button', { name: 'Voorstellen' }).click();
  await eventually(async () => assert.equal(await bram.getByTestId('rule-list').locator('li.rule-card').count(), 1));
  await bram.getByTestId('rule-list').locator('li.rule-card').first().locator('input[value="4"]').check();
  const annaRule = anna.getByTestId('rule-list').locator('li.rule-card').first();
  await eventually(async () => assert.equal(await annaRule.getByTestId('frozen-note').isVisible(), true));
  assert.equal(await annaRule.locator('textarea.edit').evaluate((el) => el.readOnly), true);
  assert.match(await annaRule.locator('.round').textContent(), /Wordt beoordeeld/);
  await axe(anna, 'participant rule frozen');
  await shot(anna, 'd-phone-rule-frozen');
  // The facilitator's own rule, adopted without any rating: asked, confirmed, marked.
  await fac.getByTestId('fac-write').fill(R2);
  await fac.locator('form.fac-write').getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.equal(await fac.getByTestId('fac-rules').locator('li.fac-item').count(), 2));
  await fac.getByTestId('reveal').click();
  const facR2 = fac.getByTestId('fac-rules').locator('li.fac-item', { hasText: 'Door de facilitator' });
  await facR2.getByTestId('rule-status-select').selectOption('adopted');
  const ask = facR2.getByTestId('decision-confirm');
  await eventually(async () => assert.match(await ask.textContent(), /Niemand heeft deze vuistregel beoordeeld/));
  await axe(fac, 'console confirms a decision');
  await shot(fac, 'd-fac-confirm');
  await ask.getByRole('button', { name: 'Aangenomen' }).click();
  await eventually(async () => assert.match(await facR2.textContent(), /Aangenomen zonder beoordeling/));
  assert.equal(await facR2.getByTestId('rule-status-select').isDisabled(), true, 'a decided rule is frozen');
  await eventually(async () => assert.equal(await facR2.getByRole('button', { name: 'Heropenen' }).isVisible(), true));
  // Ratings are closed after the reveal on the phones.
  await eventually(async () => assert.equal(await annaRule.getByTestId('rating-closed').isVisible(), true));
  assert.equal(await bram.getByTestId('rule-list').locator('li.rule-card').first().locator('input[value="4"]').isDisabled(), true);

  // Bram is removed; a new name from the same phone does not get him back in.
  const bramRow = fac.getByTestId('participants').locator('li', { hasText: 'Bram Smit' });
  await bramRow.getByRole('button', { name: 'Bram Smit verwijderen' }).click();
  await bramRow.getByRole('button', { name: 'Ja, verwijderen' }).click();
  await eventually(async () => assert.equal(await bram.getByTestId('join-removed').isVisible(), true));
  await bram.evaluate((c) => localStorage.removeItem(`draagvlak:${c}:token`), code);
  await bram.goto(`/join/${code}`);
  await bram.getByLabel('Je naam').fill('Iemand Anders');
  await bram.getByLabel('Business', { exact: true }).check();
  await bram.getByRole('button', { name: 'Meedoen' }).click();
  await eventually(async () => assert.equal(await bram.getByTestId('join-removed').isVisible(), true));
  await eventually(async () => assert.match(await fac.getByTestId('removed-people').textContent(), /Bram Smit/));

  // Closed: the projector shows the results, and a phone that reloads still reads them.
  await fac.getByTestId('close-session').click();
  await fac.getByRole('button', { name: 'Ja, sluiten' }).click();
  await eventually(async () => assert.equal(await proj.getByTestId('proj-closed').isVisible(), true));
  await eventually(async () => assert.match(await proj.locator('main').textContent(), /hergebruik niet kan/));
  await shot(proj, 'd-proj-closed');
  await anna.reload();
  await eventually(async () => assert.equal(await anna.getByTestId('closed-notice').isVisible(), true));
  await eventually(async () => assert.match(await anna.locator('main').textContent(), /hergebruik niet kan/));
  await shot(anna, 'd-phone-closed-reloaded');
  const proj2 = (await device(browser, PROJECTOR)).page;
  await proj2.goto(`/projector/${code}`);
  await eventually(async () => assert.match(await proj2.locator('main').textContent(), /hergebruik niet kan/));
  await axe(proj2, 'projector of a closed session');

  // 200 % text on the phone (a screenshot to look at; the support chart's width at 200 % is the
  // room issue's bug 8 and is tested there).
  await anna.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  await shot(anna, 'd-phone-closed-200');
  for (const p of [anna, fac, proj, proj2]) assertNoProblems(p, p.url());
});
