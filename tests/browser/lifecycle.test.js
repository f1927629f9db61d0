// The data lifecycle in the console (issue 17): once a session is closed, the facilitator deletes
// it with all its data ("Sessie verwijderen", with a confirm step); the console then says it is
// gone, the session no longer exists on the server and the secret is no longer on the device.
// While the session is open there is no such button. On a laptop (1366×800) and a phone
// (360×640), with screenshots of the confirm step and the notice; axe on both screens.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, device, createSession, openFacilitator, seed, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, BASE, LAPTOP, PHONE } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const [name, viewport] of [['laptop', LAPTOP], ['phone', PHONE]]) {
  test(`a closed session is deleted from the console (${name})`, async () => {
    const created = await createSession(`Weg ermee (${name})`);
    const { page } = await device(browser, viewport);
    await openFacilitator(page, created);
    const del = page.getByTestId('delete-session');
    assert.equal(await del.isVisible(), false, 'no delete button while the session is open');

    // Close it from a second device of the facilitator's; the console shows the button.
    const other = (await device(browser, LAPTOP)).page;
    await seed(other, created, [{ kind: 'close_session' }]);
    await page.getByTestId('closed-notice').waitFor();
    await del.waitFor();
    await del.scrollIntoViewIfNeeded();

    // The confirm step; "Annuleren" keeps everything.
    await del.click();
    const ask = page.locator('.delete-box .confirm');
    await ask.waitFor();
    assert.match(await ask.textContent(), /voorgoed verwijderen/);
    await assertNoHorizontalOverflow(page, `${name}: confirm`);
    await shot(page, `lifecycle-delete-confirm-${name}`);
    await ask.getByRole('button', { name: 'Annuleren' }).click();
    assert.equal((await fetch(`${BASE}/api/sessions/${created.code}`)).status, 200);

    await del.click();
    await ask.getByRole('button', { name: 'Ja, verwijderen' }).click();
    const gone = page.getByTestId('session-deleted');
    await gone.waitFor();
    assert.match(await gone.textContent(), /De sessie is verwijderd/);
    assert.match(await gone.textContent(), new RegExp(created.code));
    await eventually(async () => assert.equal((await fetch(`${BASE}/api/sessions/${created.code}`)).status, 404));
    assert.equal(await page.evaluate((code) => localStorage.getItem(`draagvlak:${code}:secret`), created.code), null);
    // No reconnecting to a session that is gone: the notice stays.
    await page.waitForTimeout(1500);
    assert.equal(await gone.isVisible(), true);
    await assertNoHorizontalOverflow(page, `${name}: deleted`);
    await shot(page, `lifecycle-deleted-${name}`);
    await axe(page, `${name}: deleted`);
    assertNoProblems(page, name);
  });
}
