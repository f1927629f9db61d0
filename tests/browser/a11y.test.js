// (e) axe-core on every view (start, join, participant in each kind of phase, console,
// projector): no serious or critical violations. Also: the `lang` attribute follows the
// language switch, and every view has one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, device, postJson, openFacilitator, joinByCode, eventually, shot, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function axe(page, what) {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) is kept.
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), [], `${what}: axe violations`);
  assert.match(await page.evaluate(() => document.documentElement.lang), /^(nl|en)$/, `${what}: lang attribute`);
}

test('every view passes axe-core without serious or critical violations', async () => {
  const created = await postJson('/api/demo', { language: 'nl' });
  const code = created.code;

  const start = (await device(browser, PHONE)).page;
  await start.goto('/');
  await start.getByLabel('Code van de sessie').waitFor();
  await axe(start, 'start page');
  // Both message catalogues have the same keys (no text missing in one language).
  const [nl, en] = await start.evaluate(async () => {
    const { CATALOGUES } = await import('/assets/i18n.js');
    return [Object.keys(CATALOGUES.nl).sort(), Object.keys(CATALOGUES.en).sort()];
  });
  assert.deepEqual(en, nl);
  // The language switch: English texts and lang="en".
  await start.getByRole('button', { name: 'Switch to English' }).click();
  await eventually(async () => assert.equal(await start.evaluate(() => document.documentElement.lang), 'en'));
  await start.getByLabel('Session code').waitFor();
  await axe(start, 'start page (en)');

  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count() > 0, true));
  await axe(fac, 'console');

  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${code}`);
  await proj.getByTestId('proj-statements').waitFor();
  await axe(proj, 'projector');

  const p = (await device(browser, PHONE)).page;
  await p.goto(`/join/${code}`);
  await p.getByLabel('Je naam').waitFor();
  await axe(p, 'join form');
  await joinByCode(p, code, 'Toegankelijk Getest', 'Business');
  await p.getByTestId('new-statement').fill('Een uitspraak om te bewerken.');
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await p.getByTestId('my-statements').locator('textarea').waitFor();
  await axe(p, 'participant brainstorm');

  // Cluster, vote (revealed) and rules (revealed) of level richten, then the summary, on phone and projector.
  for (const [index, name] of [[2, 'cluster'], [3, 'vote'], [4, 'rules'], [13, 'summary'], [0, 'lobby']]) {
    await fac.getByTestId('agenda').locator('li').nth(index).locator('button').click();
    await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), await fac.locator('#phase-title').textContent()));
    await p.locator('.phase-body').waitFor();
    await axe(p, `participant ${name}`);
    await eventually(async () => assert.equal(await proj.locator('h1').textContent(), await fac.locator('#phase-title').textContent()));
    await axe(proj, `projector ${name}`);
    await axe(fac, `console ${name}`);
    await shot(p, `e-phone-${name}`);
    await shot(proj, `e-proj-${name}`);
    await shot(fac, `e-fac-${name}`);
  }
});
