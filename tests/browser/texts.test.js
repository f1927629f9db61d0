// Words that fit the count ("1 stip", "2 stippen"), the console only saying who voted where
// voting happens, and a join form that makes the person choose their group.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, createSession, openFacilitator, joinByCode, eventually, assertNoProblems, shot, axe, PHONE, LAPTOP } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('counts take the singular or the plural, in Dutch and in English', async () => {
  const p = (await device(browser, PHONE)).page;
  await p.goto('/');
  const out = await p.evaluate(async () => {
    const i18n = await import('/assets/i18n.js');
    const res = {};
    for (const l of ['nl', 'en']) {
      i18n.setLang(l);
      res[l] = {
        dots: [0, 1, 2].map((n) => i18n.t('dots.count', { n })),
        pending: [1, 3].map((n) => i18n.t('conn.pending', { n })),
        voters: [1, 2].map((n) => i18n.t('results.voters', { n })),
        statements: [1, 2].map((n) => i18n.t('cluster.count', { n })),
        left: i18n.t('dots.left', { left: 1, budget: 1 }),
        short: [1, 2].map((left) => i18n.t('dots.left.short', { left })),
        ready: [1, 2].map((n) => i18n.t('ready.count', { n })),
      };
      // No "(en)" or "(s)" left anywhere in the catalogue.
      res[l].clumsy = Object.values(i18n.CATALOGUES[l]).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)))
        .filter((v) => /\w\((en|s)\)/.test(v));
    }
    i18n.setLang('nl');
    return res;
  });
  assert.deepEqual(out.nl.dots, ['0 stippen', '1 stip', '2 stippen']);
  assert.deepEqual(out.nl.pending, ['1 wijziging wacht op verzending.', '3 wijzigingen wachten op verzending.']);
  assert.deepEqual(out.nl.voters, ['1 deelnemer heeft gestemd', '2 deelnemers hebben gestemd']);
  assert.deepEqual(out.nl.statements, ['1 uitspraak', '2 uitspraken']);
  assert.equal(out.nl.left, 'Nog 1 van 1 stip');
  assert.deepEqual(out.nl.short, ['1 stip over', '2 stippen over']);
  assert.deepEqual(out.nl.ready, ['1 deelnemer is klaar', '2 deelnemers zijn klaar']);
  assert.deepEqual(out.en.dots, ['0 dots', '1 dot', '2 dots']);
  assert.deepEqual(out.en.pending, ['1 change waiting to be sent.', '3 changes waiting to be sent.']);
  assert.deepEqual(out.en.voters, ['1 participant voted', '2 participants voted']);
  assert.deepEqual(out.en.statements, ['1 statement', '2 statements']);
  assert.equal(out.en.left, '1 of 1 dot left');
  assert.deepEqual(out.en.ready, ['1 participant is ready', '2 participants are ready']);
  assert.deepEqual(out.nl.clumsy, []);
  assert.deepEqual(out.en.clumsy, []);
});

test('limits come from the page the server wrote: inputs and texts use them', async () => {
  const p = (await device(browser, PHONE)).page;
  await p.goto('/');
  const out = await p.evaluate(async () => {
    const { limits } = await import('/assets/limits.js');
    const i18n = await import('/assets/i18n.js');
    i18n.setLang('en');
    const res = {
      meta: JSON.parse(document.querySelector('meta[name="draagvlak-limits"]').content),
      read: { ...limits() },
      api: await (await fetch('/api/limits')).json(),
      title: Number(document.getElementById('new-title').getAttribute('maxlength')),
      hint: i18n.t('join.name.hint'),
      tooLong: i18n.errorText('text_too_long'),
    };
    i18n.setLang('nl');
    return res;
  });
  assert.deepEqual(out.read, out.api);
  assert.deepEqual(out.meta, out.api);
  assert.equal(out.title, out.api.max_title_chars);
  assert.equal(out.hint, `As others know you; at most ${out.api.max_name_chars} characters.`);
  assert.equal(out.tooLong, `The text is too long (at most ${out.api.max_text_chars} characters).`);
});

test('the console says who voted only in a vote phase, in the right number', async () => {
  const created = await createSession('Tellen');
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const p = (await device(browser, PHONE)).page;
  await joinByCode(p, created.code, 'Tess Teller', 'Business');
  const eyebrow = fac.locator('.panel.current .eyebrow');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await eyebrow.textContent(), /Fase 2 van/));
  assert.doesNotMatch(await eyebrow.textContent(), /gestemd|beoordeeld/, 'brainstorm: no vote count');
  await p.getByTestId('new-statement').fill('Eén uitspraak om op te stemmen.');
  await p.getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 1));
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await eyebrow.textContent(), /Fase 3 van/));
  assert.doesNotMatch(await eyebrow.textContent(), /gestemd|beoordeeld/, 'cluster: no vote count');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.match(await eyebrow.textContent(), /0 deelnemers hebben gestemd/));
  const item = p.getByTestId('vote-list').locator('li').first();
  await item.locator('[data-action=place]').click();
  await eventually(async () => assert.match(await eyebrow.textContent(), /1 deelnemer heeft gestemd/));
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.equal(await item.locator('.total-dots').textContent(), '1 stip'));
  await shot(p, 'texts-one-dot');
  assertNoProblems(fac, 'facilitator');
});

test('joining asks for an explicit group, with an error linked to the choice', async () => {
  const created = await createSession('Kiezen');
  const p = (await device(browser, PHONE)).page;
  await p.goto(`/join/${created.code}`);
  await p.getByLabel('Je naam').fill('Gijs Groeploos');
  const radios = p.getByTestId('join-group').locator('input[type=radio]');
  assert.equal(await radios.count(), 2);
  assert.deepEqual(await radios.evaluateAll((els) => els.map((e) => e.checked)), [false, false], 'no group is chosen beforehand');
  await p.getByRole('button', { name: 'Meedoen' }).click();
  const err = p.getByTestId('join-group-error');
  await eventually(async () => assert.equal(await err.textContent(), 'Kies eerst je groep.'));
  assert.equal(await p.getByTestId('join-group').getAttribute('aria-describedby'), 'join-group-error');
  assert.equal(await p.evaluate(() => document.activeElement.name), 'group', 'focus on the group choice');
  assert.equal(await p.getByLabel('Je naam').inputValue(), 'Gijs Groeploos', 'the name is kept');
  assert.equal(await p.locator('#phase-title').count(), 0, 'not joined');
  await axe(p, 'join form with an error');
  await shot(p, 'texts-join-group-error');
  // Choosing a group is enough to join.
  await p.getByLabel('Business', { exact: true }).check();
  await p.getByRole('button', { name: 'Meedoen' }).click();
  await p.locator('#phase-title').waitFor();
  await eventually(async () => assert.match(await p.locator('.you').textContent(), /Gijs Groeploos \(Business\)/));
  assertNoProblems(p, 'phone');
});
