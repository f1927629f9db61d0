// (d) Statements (and a name) containing `<script>`, `<img src=x onerror=…>` and a very long word
// render as plain text on every screen, run no script, and do not widen a 360 px phone screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, createSession, openFacilitator, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, PHONE, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const NASTY = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  `Supercalifragilistic${'expialidocious'.repeat(20)}`,
  '<b>vet</b> & <i>schuin</i> &amp; "quotes"',
];
const NAME = '<img src=y onerror="window.__pwned=\'name\'">';

async function assertInert(page, what) {
  assert.equal(await page.evaluate(() => window.__pwned), undefined, `${what}: a script ran`);
  assert.equal(await page.locator('img[src="x"], img[src="y"], main b, main i, main script').count(), 0, `${what}: user text became markup`);
}

test('user text is text, and long words wrap', async () => {
  const created = await createSession('Veiligheid');
  const fac = (await device(browser, PHONE)).page; // the console must survive a phone too
  await openFacilitator(fac, created);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  const p = (await device(browser, PHONE)).page;
  await joinByCode(p, created.code, NAME, 'ICT');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: brainstorm'));
  for (const text of NASTY) {
    await p.getByTestId('new-statement').fill(text);
    await p.getByRole('button', { name: 'Toevoegen' }).click();
  }
  await eventually(async () => assert.deepEqual(await p.getByTestId('my-statements').locator('textarea').evaluateAll((els) => els.map((e) => e.value)), NASTY));
  await eventually(async () => assert.deepEqual(await proj.getByTestId('proj-statements').locator('.user-text').allTextContents(), NASTY));
  await eventually(async () => assert.deepEqual(await fac.getByTestId('fac-statements').locator('.user-text').allTextContents(), NASTY));
  await eventually(async () => assert.match(await fac.getByTestId('participants').textContent(), /<img src=y onerror=/));
  await assertNoHorizontalOverflow(p, 'participant brainstorm');
  await assertNoHorizontalOverflow(fac, 'console on a phone');
  await shot(p, 'd-phone-brainstorm');
  await shot(proj, 'd-proj-brainstorm');

  // In the vote phase the statements are read-only text: check the phone again.
  await fac.getByTestId('agenda').locator('li').nth(3).locator('button').click(); // Richten: prioriteren
  await eventually(async () => assert.deepEqual(await p.getByTestId('vote-list').locator('.user-text').allTextContents(), NASTY));
  await assertNoHorizontalOverflow(p, 'participant vote');
  const widest = await p.getByTestId('vote-list').locator('li').evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().right)));
  assert.ok(widest <= 360, `a vote card reaches ${widest}px`);
  await shot(p, 'd-phone-vote');
  for (const [page, what] of [[p, 'participant'], [fac, 'facilitator'], [proj, 'projector']]) {
    await assertInert(page, what);
    assertNoProblems(page, what);
  }
});

// Issue 12: the join page's lookup of a code draws on the join budget of the address. Beyond it
// (a room behind one NAT address, or someone guessing codes) the server answers 429; the page
// must say so and offer to try again, not claim the session is closed.
test('a join page over the join budget says so and tries again', async () => {
  const created = await createSession('Drukte');
  const { page } = await device(browser, PHONE);
  let refuse = true;
  await page.route(`**/api/sessions/${created.code}`, (route) => (refuse
    ? route.fulfill({ status: 429, contentType: 'application/json', headers: { 'Retry-After': '30' },
      body: JSON.stringify({ error: { code: 'rate_limited', message: 'too many join codes tried from this address' } }) })
    : route.continue()));
  await page.goto(`/join/${created.code}`);
  await eventually(async () => assert.match(await page.getByTestId('join-busy').textContent(), /te veel codes geprobeerd/));
  assert.equal(await page.getByTestId('join-closed').count(), 0);
  await assertNoHorizontalOverflow(page, 'join busy');
  await shot(page, 'join-busy-phone');
  refuse = false;
  await page.getByRole('button', { name: 'Opnieuw proberen' }).click();
  await eventually(async () => assert.equal(await page.locator('#join-name').count(), 1));
  assertNoProblems(page, 'join busy');
});
