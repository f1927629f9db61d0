// The agenda form of the start page (issue 19, "agendas without TOML"), used with the keyboard
// only: start from a built-in agenda, remove and move phases, change a vote phase's dots and
// title, see the server's Dutch error next to the field and fix it, save, export as .toml, import
// a broken file (a Dutch error with its line) and the exported one, and create a session whose
// console shows the edited phases. Screenshots at 360×640 (also with 200 % text), 1366×800 and
// 1920×1080.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, device, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, largeText, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * Press Tab (or Shift+Tab) until the focused element matches `selector` (and has the text `text`,
 * when given); fails after 400 presses.
 */
async function tabTo(page, selector, { back = false, text = null } = {}) {
  for (let i = 0; i < 400; i += 1) {
    const here = await page.evaluate(([s, t]) => {
      const el = document.activeElement;
      return !!el && el.matches(s) && (t === null || el.textContent === t);
    }, [selector, text]);
    if (here) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`the keyboard never reached ${selector}`);
}

/** Replace the value of the focused text box by typing. */
async function retype(page, text) {
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}

/**
 * Open the focused file input with the keyboard (Space) and choose `path`. On a busy machine
 * Chromium now and then showed no file chooser for the press (twice in nine runs of this file; once
 * seen at the second import; the cause was not found), so a press that opened none within 5 s is
 * repeated, from the input again.
 */
async function chooseFile(page, path) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 5000 }), page.keyboard.press('Space')]);
      await chooser.setFiles(path);
      return;
    } catch (e) {
      if (attempt === 3) throw e;
      await tabTo(page, '#agenda-import');
    }
  }
}

const phaseTitles = (page) => page.locator('.agenda-phase .agenda-phase-label strong').allTextContents();

test('the agenda form, with the keyboard only: edit, check, save, export, import, create', async () => {
  const { page } = await device(browser, LAPTOP);
  const dir = mkdtempSync(join(tmpdir(), 'agenda-'));
  await page.goto('/');
  await eventually(async () => assert.equal(await page.locator('#agenda-summary').textContent(), 'Strategisch kader: drie niveaus (standaard), 14 fases.'));
  await axe(page, 'start page with the agenda form');
  // A session made here has no earlier session: no follow-up agenda and no review phase offered.
  const sources = await page.locator('#agenda-source option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(sources.includes('builtin:short') && !sources.includes('builtin:follow-up'), sources.join(', '));

  // Start from the short built-in agenda.
  await tabTo(page, '#agenda-source');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#agenda-source').inputValue(), 'builtin:short');
  await tabTo(page, 'button', { text: 'Laden' });
  await page.keyboard.press('Enter');
  await eventually(async () => assert.deepEqual(await phaseTitles(page), ['1. Welkom', '2. Brainstorm', '3. Clusteren', '4. Prioriteren', '5. Vuistregels', '6. Samenvatting']));

  // Remove the cluster phase; move the rules phase up, then down again (the focus follows it).
  await tabTo(page, '[aria-label="Fase 3 verwijderen"]');
  await page.keyboard.press('Enter');
  await eventually(async () => assert.deepEqual(await phaseTitles(page), ['1. Welkom', '2. Brainstorm', '3. Prioriteren', '4. Vuistregels', '5. Samenvatting']));
  await tabTo(page, '[aria-label="Fase 4 omhoog"]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await phaseTitles(page), ['1. Welkom', '2. Brainstorm', '3. Vuistregels', '4. Prioriteren', '5. Samenvatting']);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Fase 3 omhoog', 'the focus moved with the phase');
  await tabTo(page, '[aria-label="Fase 3 omlaag"]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await phaseTitles(page), ['1. Welkom', '2. Brainstorm', '3. Prioriteren', '4. Vuistregels', '5. Samenvatting']);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Fase 4 omlaag');

  // Edit the vote phase: more dots than the cap allows gives the server's Dutch error at the field.
  await tabTo(page, '[aria-label="Fase 3 bewerken"]', { back: true });
  await page.keyboard.press('Enter');
  const kinds = await page.locator('#agenda-p2-kind option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(kinds, ['lobby', 'brainstorm', 'cluster', 'vote', 'rules', 'assessment', 'summary'], 'no review phase offered');
  await tabTo(page, '#agenda-p2-dot_budget');
  await retype(page, '7');
  await tabTo(page, '#agenda-p2-max_dots_per_item');
  await retype(page, '9');
  const error = page.locator('#agenda-p2-max_dots_per_item-error');
  await eventually(async () => assert.equal(await error.textContent(), 'Het aantal stippen per item (max_dots_per_item) is 1 tot en met het aantal stippen (7); verlaag het of geef meer stippen.'));
  assert.equal(await page.locator('#agenda-p2-max_dots_per_item').getAttribute('aria-invalid'), 'true');
  await shot(page, 'agenda-laptop-error');
  await axe(page, 'agenda form with a phase open and an error at its field');
  await retype(page, '4');
  await eventually(async () => assert.equal(await error.count(), 0));
  await tabTo(page, '#agenda-p2-title-nl');
  await retype(page, 'Stippen zetten');
  await tabTo(page, '#agenda-name', { back: true });
  await retype(page, 'Onze agenda');

  // Switching the page to English and back keeps the agenda being edited.
  await tabTo(page, '.lang-switch', { back: true });
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await page.locator('#agenda-h').textContent(), 'Agenda of the new session'));
  assert.equal(await page.locator('#agenda-summary').textContent(), 'Onze agenda, 5 phases.');
  // The session's language follows the page's (nothing chose it yet), and with it the titles.
  assert.deepEqual(await phaseTitles(page), ['1. Welcome', '2. Brainstorm', '3. Set priorities', '4. Rules of thumb', '5. Summary']);
  await tabTo(page, '.lang-switch');
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await page.locator('#agenda-h').textContent(), 'Agenda van de nieuwe sessie'));
  assert.equal(await page.locator('#agenda-name').inputValue(), 'Onze agenda');
  assert.deepEqual(await phaseTitles(page), ['1. Welkom', '2. Brainstorm', '3. Stippen zetten', '4. Vuistregels', '5. Samenvatting']);

  // Check, save in this browser, export.
  await tabTo(page, 'button', { text: 'Controleren' });
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await page.locator('#agenda-status').textContent(), 'De agenda is in orde: 5 fases.'));
  await tabTo(page, 'button', { back: true, text: 'Opslaan in deze browser' });
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await page.locator('#agenda-status').textContent(), 'Agenda "Onze agenda" opgeslagen in deze browser.'));
  assert.equal(await page.locator('#agenda-source').inputValue(), 'saved:Onze agenda');
  await tabTo(page, 'button', { text: 'Exporteren als .toml' });
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.equal(download.suggestedFilename(), 'onze-agenda.toml');
  const exported = join(dir, 'onze-agenda.toml');
  await download.saveAs(exported);
  const toml = readFileSync(exported, 'utf8');
  assert.match(toml, /^name = "Onze agenda"$/m);
  assert.match(toml, /^dot_budget = 7$/m);
  assert.match(toml, /^max_dots_per_item = 4$/m);
  assert.match(toml, /^nl = "Stippen zetten"$/m);
  assert.doesNotMatch(toml, /kind = "cluster"/);

  // A broken file: a Dutch error that names the line.
  const broken = join(dir, 'kapot.toml');
  writeFileSync(broken, 'name = "kapot"\n[[phase]]\nkind = "brainstrom"\nlevel = "richten"\ntitle = { nl = "a", en = "a" }\nquestion = { nl = "q", en = "q" }\n');
  await tabTo(page, '#agenda-import');
  await chooseFile(page, broken);
  await eventually(async () => assert.equal(await page.locator('#agenda-import-error').textContent(),
    'kapot.toml is geen geldige agenda. Regel 3: Onbekende soort fase "brainstrom"; kies lobby, brainstorm, cluster, vote, rules, review of summary.'));
  assert.equal((await phaseTitles(page)).length, 5, 'a broken file changes nothing');

  // Load the strategic framework again, then import the exported file: the edited agenda is back.
  await tabTo(page, '#agenda-source', { back: true });
  await page.keyboard.press('Home');
  assert.equal(await page.locator('#agenda-source').inputValue(), 'builtin:strategic-framework');
  await tabTo(page, 'button', { text: 'Laden' });
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal((await phaseTitles(page)).length, 14));
  await tabTo(page, '#agenda-import');
  await chooseFile(page, exported);
  await eventually(async () => assert.equal(await page.locator('#agenda-status').textContent(), 'Agenda "Onze agenda" geïmporteerd: 5 fases.'));
  assert.deepEqual(await phaseTitles(page), ['1. Welkom', '2. Brainstorm', '3. Stippen zetten', '4. Vuistregels', '5. Samenvatting']);
  assert.equal(await page.locator('#agenda-summary').textContent(), 'Onze agenda, 5 fases.');
  await assertNoHorizontalOverflow(page, 'start page with the agenda form');
  await shot(page, 'agenda-laptop');

  // Create the session with it: the console shows the edited phases.
  await tabTo(page, '#new-title', { back: true });
  await page.keyboard.type('Eigen agenda');
  await tabTo(page, 'button', { text: 'Sessie starten' });
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/facilitator\/[A-Z0-9]{6}$/);
  await eventually(async () => assert.equal(await page.locator('[data-testid="agenda"] li').count(), 5));
  const console = await page.locator('[data-testid="agenda"]').textContent();
  assert.match(console, /Stippen zetten/);
  assert.doesNotMatch(console, /Clusteren/);
  assertNoProblems(page, 'agenda form');
});

test('the agenda form on a phone, with 200 % text, and on a projector-sized screen', async () => {
  for (const [viewport, name, big] of [[PHONE, 'agenda-phone', false], [PHONE, 'agenda-phone-200', true], [PROJECTOR, 'agenda-1920', false]]) {
    const { page, context } = await device(browser, viewport);
    if (big) await largeText(page);
    await page.goto('/');
    await eventually(async () => assert.equal(await page.locator('.agenda-phase').count(), 14));
    await page.locator('#new-lang').scrollIntoViewIfNeeded();
    await shot(page, `${name}-create`);
    // Open the vote phase of the first level, and make an error show.
    await page.locator('[aria-label="Fase 4 bewerken"]').click();
    await page.locator('#agenda-p3-title-en').fill('');
    await eventually(async () => assert.match(await page.locator('#agenda-p3-title-en-error').textContent(), /De titel \(Engels, title\.en\) heeft 1 tot en met 300 tekens/));
    await assertNoHorizontalOverflow(page, name);
    await page.locator('#agenda-p3-kind').scrollIntoViewIfNeeded();
    await shot(page, name);
    await page.locator('#agenda-p3-title-en-error').scrollIntoViewIfNeeded();
    await shot(page, `${name}-error`);
    assertNoProblems(page, name);
    await context.close();
  }
});

test('an agenda that is not valid stops the creation, in the session\'s language, with the focus at the field', async () => {
  const { page } = await device(browser, LAPTOP);
  await page.goto('/');
  await eventually(async () => assert.equal(await page.locator('.agenda-phase').count(), 14));
  await page.locator('[aria-label="Fase 2 bewerken"]').click();
  await page.locator('#agenda-p1-question-nl').fill('   ');
  await page.getByLabel('Titel', { exact: true }).fill('Kapotte agenda');
  await page.getByRole('button', { name: 'Sessie starten' }).click();
  await eventually(async () => assert.equal(await page.locator('#agenda-problem').textContent(),
    'Fase 2: De vraag (Nederlands, question.nl) heeft 1 tot en met 300 tekens; vul hem in of maak hem korter.'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'agenda-p1-question-nl', 'the focus is at the field');
  assert.match(await page.locator('.form-error[role="alert"]').first().textContent(), /de agenda is nog niet in orde/);
  assert.equal(new URL(page.url()).pathname, '/', 'no session was created');
  // An English session: the same problem in English.
  await page.locator('#new-lang').selectOption('en');
  await eventually(async () => assert.equal(await page.locator('#agenda-problem').textContent(),
    'Fase 2: question.nl has 1 to 300 characters; fill it in or shorten it'));
  assertNoProblems(page, 'invalid agenda at creation');
});
