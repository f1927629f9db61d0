// (a) A facilitator (laptop) and three participants (phones, 360×640) play one level through,
// from creating the session and joining by code to revealed results, checked on every screen
// including the projector (1920×1080).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, joinByCode, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, PHONE, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const S = {
  anna: 'Informatieveiligheid is een randvoorwaarde, geen sluitpost.',
  bram: 'Digitale dienstverlening aan inwoners gaat voor interne systemen.',
  chris: 'Data is een gemeenschappelijke bron voor beleid en uitvoering.',
};
const R1 = 'Bij elk beleidsvoorstel schuift ICT aan vóór de besluitvorming.';
const R2 = 'Gegevens leggen we één keer vast en gebruiken we vaker.';

test('one level played through on phones, console and projector', async () => {
  // The facilitator starts a session from the start page.
  const fac = (await device(browser, LAPTOP)).page;
  await fac.goto('/');
  await fac.getByLabel('Titel').fill('ICT-strategie 2027');
  await fac.getByLabel('Organisatie (mag leeg)').fill('Gemeente Zaanstad');
  await fac.getByRole('button', { name: 'Sessie starten' }).click();
  await fac.waitForURL(/\/facilitator\/[A-Z0-9]{6}$/);
  const code = fac.url().split('/').pop();
  assert.ok(!fac.url().includes(await fac.evaluate((c) => localStorage.getItem(`draagvlak:${c}:secret`), code)), 'secret not in the URL');
  await eventually(async () => assert.equal(await fac.getByTestId('join-code').textContent(), code));
  await shot(fac, 'a-fac-lobby');

  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${code}`);
  await eventually(async () => assert.equal(await proj.getByTestId('proj-code').textContent(), code));
  assert.ok(await proj.locator('img.qr').evaluate((img) => img.complete && img.naturalWidth > 0), 'QR code loads');

  // Three participants join by code on their phones.
  const anna = (await device(browser, PHONE)).page;
  const bram = (await device(browser, PHONE)).page;
  const chris = (await device(browser, PHONE)).page;
  await joinByCode(anna, code, 'Anna de Boer', 'ICT');
  await joinByCode(bram, code, 'Bram Smit', 'Business');
  await joinByCode(chris, code, 'Chris Jansen', 'ICT');
  const phones = [anna, bram, chris];
  for (const p of phones) assert.equal(await p.locator('#phase-title').textContent(), 'Welkom');
  await shot(anna, 'a-phone-lobby');
  await eventually(async () => assert.deepEqual(await proj.locator('.proj-group-count').allTextContents(), ['2', '1']));
  await eventually(async () => assert.match(await fac.getByTestId('participants').textContent(), /ICT — 2 van 2 verbonden.*Business — 1 van 1 verbonden/s));
  await shot(proj, 'a-proj-lobby');

  // Brainstorm.
  await fac.getByTestId('next-phase').click();
  for (const p of phones) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: brainstorm'));
  await eventually(async () => assert.match(await proj.locator('h1').textContent(), /Richten: brainstorm/));
  for (const [p, text] of [[anna, S.anna], [bram, S.bram], [chris, S.chris]]) {
    await p.getByTestId('new-statement').fill(text);
    await p.getByRole('button', { name: 'Toevoegen' }).click();
    await eventually(async () => assert.equal(await p.getByTestId('my-statements').locator('textarea').inputValue(), text));
  }
  for (const p of phones) await eventually(async () => assert.equal(await p.getByTestId('other-statements').locator('li').count(), 2));
  await eventually(async () => assert.deepEqual(await proj.getByTestId('proj-statements').locator('li').allTextContents(), [S.anna, S.bram, S.chris]));
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 3));

  // The facilitator puts Bram's statement in focus on every screen.
  await fac.getByTestId('fac-statements').locator('li', { hasText: S.bram }).getByRole('button', { name: 'In beeld' }).click();
  await eventually(async () => assert.equal(await proj.locator('.card-item.focused .user-text').textContent(), S.bram));
  await eventually(async () => assert.equal(await anna.locator('li.focused .user-text').textContent(), S.bram));
  for (const p of phones) await assertNoHorizontalOverflow(p, 'brainstorm');
  await shot(anna, 'a-phone-brainstorm');
  await shot(proj, 'a-proj-brainstorm');
  await shot(fac, 'a-fac-brainstorm');

  // Cluster: nothing to merge here; the participants see the statements, clustering closed.
  await fac.getByTestId('next-phase').click();
  for (const p of phones) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: clusteren'));
  await eventually(async () => assert.equal(await anna.getByTestId('loose-statements').locator('li').count(), 3));
  assert.equal(await anna.getByTestId('clustering-closed').isVisible(), true);

  // Vote: A gets 3 dots, B 4, C 2.
  await fac.getByTestId('next-phase').click();
  for (const p of phones) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: prioriteren'));
  const dots = async (p, plan) => {
    for (const [text, n] of plan) {
      const item = p.getByTestId('vote-list').locator('li', { hasText: text });
      for (let i = 1; i <= n; i += 1) {
        await item.locator('[data-action=place]').click();
        await eventually(async () => assert.equal(await item.getByTestId('my-dots').textContent(), `Jouw stippen: ${i}`));
      }
    }
    await eventually(async () => assert.equal(await p.getByTestId('dots-left').textContent(), 'Nog 0 van 3 stippen'));
    assert.equal(await p.getByTestId('vote-list').locator('[data-action=place]').first().getAttribute('aria-disabled'), 'true');
  };
  await eventually(async () => assert.equal(await anna.getByTestId('dots-left').textContent(), 'Nog 3 van 3 stippen'));
  await dots(anna, [[S.anna, 2], [S.bram, 1]]);
  await dots(bram, [[S.bram, 2], [S.chris, 1]]);
  await dots(chris, [[S.anna, 1], [S.bram, 1], [S.chris, 1]]);
  await shot(bram, 'a-phone-vote');
  // The console shows who voted, never how.
  await eventually(async () => assert.equal((await fac.getByTestId('participants').textContent()).match(/gestemd/g).length, 3));
  assert.doesNotMatch(await fac.getByTestId('fac-statements').textContent(), /stippen/);
  assert.doesNotMatch(await proj.getByTestId('proj-content').textContent(), /stippen/);
  await fac.getByTestId('reveal').click();
  const ranking = [S.bram, S.anna, S.chris];
  for (const p of [...phones, proj, fac]) {
    await eventually(async () => assert.deepEqual(await p.locator('.priorities .rank-text').allTextContents(), ranking));
  }
  assert.deepEqual(await proj.locator('.priorities .rank-count').allTextContents(), ['4 stippen', '3 stippen', '2 stippen']);
  for (const p of phones) await assertNoHorizontalOverflow(p, 'vote');
  await shot(anna, 'a-phone-vote-revealed');
  await shot(proj, 'a-proj-vote-revealed');

  // Rules: two proposals, everyone rates, the facilitator reveals.
  await fac.getByTestId('next-phase').click();
  for (const p of phones) await eventually(async () => assert.equal(await p.locator('#phase-title').textContent(), 'Richten: vuistregels'));
  await anna.getByTestId('new-rule').fill(R1);
  await anna.getByRole('button', { name: 'Voorstellen' }).click();
  for (const p of phones) await eventually(async () => assert.equal(await p.getByTestId('rule-list').locator('textarea.edit').first().inputValue(), R1));
  await bram.getByTestId('new-rule').fill(R2);
  await bram.getByRole('button', { name: 'Voorstellen' }).click();
  for (const p of phones) await eventually(async () => assert.equal(await p.getByTestId('rule-list').locator('textarea.edit').nth(1).inputValue(), R2));
  // Ratings of 1 and 2 ask for a short reason before they are sent.
  const rate = async (p, scores) => {
    for (const [i, score] of scores.entries()) {
      const card = p.getByTestId('rule-list').locator('li').nth(i);
      await card.locator(`input[value="${score}"]`).check();
      if (score <= 2) {
        await card.getByLabel('Waarom ben je het oneens?').fill(`Reden ${score}`);
        await card.getByRole('button', { name: 'Beoordeling versturen' }).click();
        await eventually(async () => assert.equal(await card.getByTestId('own-reason').textContent(), `Jouw reden: Reden ${score}`));
      }
    }
  };
  await rate(anna, [5, 2]); // ICT
  await rate(chris, [4, 4]); // ICT
  await rate(bram, [1, 4]); // Business
  await eventually(async () => assert.deepEqual(await proj.locator('.card-item .meta').allTextContents(), ['Anna de Boer · 3 beoordeeld', 'Bram Smit · 3 beoordeeld']));
  await shot(chris, 'a-phone-rules');
  await shot(proj, 'a-proj-rules');
  await fac.getByTestId('reveal').click();
  // R1: ICT 100 %, business 0 %: the largest gap, marked. R2: ICT 50 %, business 100 %.
  for (const p of [...phones, proj, fac]) {
    await eventually(async () => assert.equal(await p.locator('.support-chart').count(), 2));
    const charts = p.locator('.support-chart');
    assert.deepEqual(await charts.nth(0).locator('.support-value').allTextContents(), ['67%', '100%', '0%']);
    assert.deepEqual(await charts.nth(1).locator('.support-value').allTextContents(), ['67%', '50%', '100%']);
    assert.equal(await charts.nth(0).locator('.gap-badge').count(), 1);
    assert.equal(await charts.nth(1).locator('.gap-badge').count(), 0);
    // The reasons, without names.
    assert.deepEqual(await charts.nth(0).getByTestId('reasons').locator('li').allTextContents(), ['Reden 1']);
    assert.deepEqual(await charts.nth(1).getByTestId('reasons').locator('li').allTextContents(), ['Reden 2']);
  }
  for (const p of phones) await assertNoHorizontalOverflow(p, 'rules');
  await shot(anna, 'a-phone-rules-revealed');
  await shot(proj, 'a-proj-rules-revealed');
  await shot(fac, 'a-fac-rules-revealed');
  // The report for the policy note, downloaded from the console.
  const [download] = await Promise.all([
    fac.waitForEvent('download'),
    fac.getByTestId('report').getByRole('button', { name: 'Markdown' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `draagvlak-${code}.md`);
  const fs = await import('node:fs/promises');
  const md = await fs.readFile(await download.path(), 'utf8');
  assert.match(md, /^# ICT-strategie 2027/);
  assert.ok(md.includes(R2), 'the rule is in the report');
  assert.match(md, /\| 67% \| 100% \| 0% \| 100% \|/, 'support (overall, ICT, business) and gap of the first rule');
  // The policy note to edit in a word processor: a Word document with the rule in it (docx-rs
  // stores the parts of the package uncompressed, so the rule's text is in the file's bytes; the
  // server's tests read the document properly).
  const [note] = await Promise.all([
    fac.waitForEvent('download'),
    fac.getByTestId('report').getByRole('button', { name: 'Beleidsnotitie (.docx)' }).click(),
  ]);
  assert.equal(note.suggestedFilename(), `draagvlak-${code}.docx`);
  const docx = await fs.readFile(await note.path());
  assert.equal(docx.subarray(0, 2).toString('latin1'), 'PK', 'a zip package');
  assert.ok(docx.includes(Buffer.from(R2, 'utf8')), 'the rule is in the policy note');
  for (const p of [...phones, proj, fac]) assertNoProblems(p, p.url());
});
