// The workshop method in the browser (issue 4): a facilitator (laptop) and two participants
// (phones, 360×640) on the short template. Brainstorm; the facilitator merges two duplicates
// into a cluster, opens clustering and a participant renames it; dots on the cluster (and one
// entered by the facilitator for someone without a device); a rule linked to the cluster, rated
// low with a reason; reveal (the reason shown without a name); adopted; ready counts; a removed
// participant; a closed session; and the history of the cluster phase. axe on the new screens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, room, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const S1 = 'Inwoners regelen hun zaken digitaal.';
const S2 = 'Digitale dienstverlening aan inwoners eerst.';
const S3 = 'Informatieveiligheid is op orde.';
const R1 = 'Elk nieuw systeem biedt inwoners een digitaal loket.';
const REASON = 'Te vaag: wat betekent "elk" voor de business?';

test('clusters, reasons, status, ready, proxy, removal, closing and history', async () => {
  const { fac, proj, anna, bram, go } = await room(browser, 'Methode');

  // No "ready" in the lobby (issue 13): there is nothing to be ready with yet.
  assert.equal(await anna.getByTestId('ready').isVisible(), false);

  // Brainstorm: two duplicates and one other.
  await go(1, 'Brainstorm');
  // Ready: a participant says so, the console and the projector count it.
  await anna.getByTestId('ready').click();
  await eventually(async () => assert.equal(await fac.getByTestId('ready-count').textContent(), '1 van 2 klaar'));
  await eventually(async () => assert.equal(await proj.getByTestId('proj-ready').textContent(), '1 klaar'));
  assert.equal(await fac.getByTestId('participants').locator('li', { hasText: 'Anna de Boer' }).getByTestId('ready-mark').textContent(), '✓ klaar');
  assert.equal(await anna.getByTestId('ready').getAttribute('aria-pressed'), 'true');

  for (const [p, text] of [[anna, S1], [bram, S2], [anna, S3]]) {
    await p.getByTestId('new-statement').fill(text);
    await p.getByRole('button', { name: 'Toevoegen' }).click();
  }
  await eventually(async () => assert.equal(await fac.getByTestId('fac-statements').locator('li').count(), 3));

  // Cluster: the facilitator merges; participants watch until clustering is opened.
  await go(2, 'Clusteren');
  await eventually(async () => assert.equal(await fac.getByTestId('ready-count').textContent(), '0 van 2 klaar'));
  await eventually(async () => assert.equal(await anna.getByTestId('clustering-closed').isVisible(), true));
  assert.equal(await anna.getByTestId('cluster-form').isVisible(), false);
  const board = fac.locator('.cluster-board');
  await board.getByLabel(S1).check();
  await board.getByLabel(S2).check();
  await board.getByTestId('cluster-title').fill('Digitaal loket');
  await board.getByRole('button', { name: 'Samenvoegen' }).click();
  for (const p of [anna, bram, fac]) {
    await eventually(async () => assert.deepEqual(await p.getByTestId('clusters').locator('.cluster-title').allTextContents(), ['Digitaal loket']));
  }
  assert.deepEqual(await anna.getByTestId('clusters').locator('.member .user-text').allTextContents(), [S1, S2]);
  assert.deepEqual(await anna.getByTestId('loose-statements').locator('.plain').allTextContents(), [S3]);
  // The projector shows the cluster with the statements in it (issue 13).
  await eventually(async () => assert.equal(await proj.getByTestId('proj-statements').locator('.card-cluster').textContent(), `Digitaal loket${S1}${S2}2 uitspraken`));
  await fac.getByTestId('clustering-open').check();
  await eventually(async () => assert.equal(await anna.getByTestId('cluster-form').isVisible(), true));
  const card = anna.getByTestId('clusters').locator('li.cluster-card');
  await card.getByLabel('Nieuwe titel').fill('Digitaal loket voor inwoners');
  await card.getByRole('button', { name: 'Hernoemen' }).click();
  for (const p of [fac, bram, proj]) await eventually(async () => assert.match(await p.locator('main').textContent(), /Digitaal loket voor inwoners/));
  await fac.locator('summary', { hasText: 'Geschiedenis van het clusteren' }).click();
  await eventually(async () => assert.deepEqual(await fac.getByTestId('cluster-log').locator('.meta').allTextContents(), ['door een deelnemer', 'door de facilitator']));
  for (const p of [anna, bram]) await assertNoHorizontalOverflow(p, 'cluster');
  await axe(anna, 'participant cluster');
  await axe(fac, 'console cluster');
  await axe(proj, 'projector cluster');
  await shot(anna, 'm-phone-cluster');
  await shot(fac, 'm-fac-cluster');
  await shot(proj, 'm-proj-cluster');

  // Vote: dots go to the cluster; its statements have no dot buttons of their own.
  await go(3, 'Prioriteren');
  const votes = anna.getByTestId('vote-list');
  await eventually(async () => assert.equal(await votes.locator('> li').count(), 2));
  const clusterItem = votes.locator('li.vote-cluster');
  assert.deepEqual(await clusterItem.locator('.member').allTextContents(), [S1, S2]);
  assert.equal(await clusterItem.locator('[data-action=place]').count(), 1);
  await clusterItem.locator('[data-action=place]').click();
  await clusterItem.locator('[data-action=place]').click();
  await eventually(async () => assert.equal(await clusterItem.getByTestId('my-dots').textContent(), 'Jouw stippen: 2'));
  await bram.getByTestId('vote-list').locator('li.vote-cluster [data-action=place]').click();
  await eventually(async () => assert.equal(await bram.getByTestId('dots-left').textContent(), 'Nog 4 van 5 stippen'));
  // Someone without a device: the facilitator adds her and places a dot for her.
  await fac.getByTestId('proxy-name').fill('Carla Zonder');
  await fac.getByTestId('proxy-group').selectOption('ict');
  await fac.getByTestId('proxy-panel').getByRole('button', { name: 'Toevoegen' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('enter-for').locator('option:checked').textContent(), /Carla Zonder/));
  await fac.getByTestId('proxy-entry').getByRole('button', { name: 'Stip voor Carla Zonder op: Digitaal loket voor inwoners' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('proxy-entry').textContent(), /1 ingevoerd/));
  await eventually(async () => assert.match(await fac.getByTestId('participants').locator('li', { hasText: 'Carla Zonder' }).textContent(), /zonder apparaat, gestemd/));
  await shot(anna, 'm-phone-vote');
  await axe(anna, 'participant vote with a cluster');
  await fac.getByTestId('reveal').click();
  await eventually(async () => assert.deepEqual(await proj.locator('.priorities .rank-count').allTextContents(), ['4 stippen', '0 stippen']));
  assert.equal(await proj.locator('.priorities .rank-text').first().textContent(), 'Digitaal loket voor inwoners');
  await shot(proj, 'm-proj-vote-revealed');

  // Rules: a rule anchored in the cluster; a low rating needs a reason first.
  await go(4, 'Vuistregels');
  await anna.getByTestId('new-rule').fill(R1);
  await anna.locator('form.add-form details.anchors-pick summary').click();
  await anna.locator('form.add-form').getByLabel('Digitaal loket voor inwoners').check();
  await anna.getByRole('button', { name: 'Voorstellen' }).click();
  for (const p of [anna, bram]) await eventually(async () => assert.deepEqual(await p.getByTestId('rule-list').getByTestId('anchors').locator('li').allTextContents(), ['Digitaal loket voor inwoners']));
  await anna.getByTestId('rule-list').locator('li').first().locator('input[value="5"]').check();
  const bramRule = bram.getByTestId('rule-list').locator('li').first();
  await bramRule.locator('input[value="2"]').check();
  await eventually(async () => assert.equal(await bramRule.getByTestId('reason-form').isVisible(), true));
  await eventually(async () => assert.match(await fac.getByTestId('fac-rules').textContent(), /1 beoordeeld/));
  await assertNoHorizontalOverflow(bram, 'reason form');
  await axe(bram, 'participant reason form');
  await shot(bram, 'm-phone-reason');
  await bramRule.getByLabel('Waarom ben je het oneens?').fill(REASON);
  await bramRule.getByRole('button', { name: 'Beoordeling versturen' }).click();
  await eventually(async () => assert.equal(await bramRule.getByTestId('own-reason').textContent(), `Jouw reden: ${REASON}`));
  await eventually(async () => assert.match(await fac.getByTestId('fac-rules').textContent(), /2 beoordeeld/));
  await fac.getByTestId('reveal').click();
  for (const p of [proj, fac, anna]) {
    await eventually(async () => assert.deepEqual(await p.getByTestId('reasons').locator('li').allTextContents(), [REASON]));
    assert.doesNotMatch(await p.locator('.support-item, .rule-card').first().textContent(), /Bram/);
  }
  // Adopted while ICT and business are far apart: the console asks first, then marks it.
  await fac.getByTestId('rule-status-select').selectOption('adopted');
  const ask = fac.getByTestId('decision-confirm');
  await eventually(async () => assert.match(await ask.textContent(), /verschillen sterk/));
  assert.equal(await anna.getByTestId('rule-status').count(), 0, 'not adopted before the confirmation');
  await axe(fac, 'console asks to confirm a decision');
  await shot(fac, 'm-fac-confirm-gap');
  await ask.getByRole('button', { name: 'Aangenomen' }).click();
  await eventually(async () => assert.match(await fac.getByTestId('fac-rules').textContent(), /Aangenomen ondanks groot verschil/));
  await eventually(async () => assert.equal(await anna.getByTestId('rule-status').first().textContent(), 'Aangenomen'));
  await eventually(async () => assert.equal(await fac.getByTestId('adopted-gap').count(), 1));
  await eventually(async () => assert.equal(await proj.getByTestId('rule-status').first().textContent(), 'Aangenomen'));
  for (const p of [anna, bram]) await assertNoHorizontalOverflow(p, 'rules revealed');
  await axe(anna, 'participant rules revealed');
  await axe(fac, 'console rules revealed');
  await axe(proj, 'projector rules revealed');
  await shot(anna, 'm-phone-rules-revealed');
  await shot(fac, 'm-fac-rules-revealed');
  await shot(proj, 'm-proj-rules-revealed');

  // Removing a participant: a confirm step, then they see that they were removed.
  const bramRow = fac.getByTestId('participants').locator('li', { hasText: 'Bram Smit' });
  await bramRow.getByRole('button', { name: 'Bram Smit verwijderen' }).click();
  await bramRow.getByRole('button', { name: 'Ja, verwijderen' }).click();
  await eventually(async () => assert.equal(await bram.getByTestId('join-removed').isVisible(), true));
  await axe(bram, 'removed notice');
  await shot(bram, 'm-phone-removed');
  await bram.reload();
  await eventually(async () => assert.equal(await bram.getByTestId('join-removed').isVisible(), true));
  await eventually(async () => assert.equal(await fac.getByTestId('participants').locator('li', { hasText: 'Bram Smit' }).count(), 0));

  // Closing the session: read-only for everyone.
  await fac.getByTestId('close-session').click();
  await fac.getByRole('button', { name: 'Ja, sluiten' }).click();
  await eventually(async () => assert.equal(await fac.getByTestId('closed-notice').isVisible(), true));
  await eventually(async () => assert.equal(await anna.getByTestId('closed-notice').isVisible(), true));
  assert.equal(await anna.getByTestId('rule-list').count(), 0, 'no input left on the phone');
  assert.equal(await anna.getByTestId('ready').isVisible(), false);
  await axe(anna, 'participant closed');
  await shot(anna, 'm-phone-closed');

  // History: the cluster phase as it ended.
  await fac.getByTestId('history-phase').selectOption('2');
  await fac.getByRole('button', { name: 'Tonen' }).click();
  const hist = fac.getByTestId('history-view');
  await eventually(async () => assert.match(await hist.locator('h2').textContent(), /^Fase 3: Clusteren, zoals die eindigde/));
  assert.deepEqual(await hist.locator('.cluster-title').allTextContents(), ['Digitaal loket voor inwoners']);
  assert.deepEqual(await hist.locator('.member').allTextContents(), [S1, S2]);
  assert.doesNotMatch(await hist.textContent(), /Elk nieuw systeem/, 'no rule yet at the end of the cluster phase');
  await axe(fac, 'console closed with history');
  await shot(fac, 'm-fac-history');
  for (const p of [anna, fac, proj]) assertNoProblems(p, p.url());
});
