// The organisation's logo (issue 19, item 4): the facilitator uploads a PNG from the console,
// the projector shows it, a file that is too large or not a PNG is refused with a clear message,
// and it can be removed. Screenshots go to DRAAGVLAK_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { launch, device, postJson, openFacilitator, eventually, assertNoHorizontalOverflow, assertNoProblems, shot, axe, LAPTOP, PROJECTOR } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** CRC-32 of a PNG chunk (type and data). */
function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k += 1) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG of `width`×`height` pixels: a blue band on white (RGB, no filter). */
function png(width, height) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3, 255);
    row[0] = 0;
    if (y > height / 3 && y < (2 * height) / 3) for (let x = 0; x < width; x += 1) row.set([29, 111, 184], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

test('the facilitator uploads the logo, the projector shows it, bad files are refused', async () => {
  const created = await postJson('/api/sessions', { title: 'Met logo', organisation: 'Gemeente Testdorp', language: 'nl' });
  const fac = (await device(browser, LAPTOP)).page;
  await openFacilitator(fac, created);
  const proj = (await device(browser, PROJECTOR)).page;
  await proj.goto(`/projector/${created.code}`);
  await proj.getByTestId('proj-code').waitFor();
  assert.equal(await proj.getByTestId('proj-logo').isHidden(), true, 'no logo yet');
  const panel = fac.locator('.logo-panel');
  assert.equal(await panel.getByTestId('logo-preview').isHidden(), true);

  // Too large: refused in the browser, before it is sent.
  await fac.getByTestId('logo-file').setInputFiles({ name: 'groot.png', mimeType: 'image/png', buffer: Buffer.alloc(300 * 1024, 1) });
  await eventually(async () => assert.equal(await panel.getByTestId('logo-error').textContent(), 'Dit bestand is te groot: een logo is hoogstens 256 KB.'));
  // Not a PNG, whatever its name says: the server refuses it, in the session's language.
  await fac.getByTestId('logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>') });
  await eventually(async () => assert.equal(await panel.getByTestId('logo-error').textContent(),
    'Het logo is niet opgeslagen: Een logo is een PNG-afbeelding; sla het eerst op als PNG.'));

  // A PNG: stored, previewed, and on the projector from the next phase on (or a reload).
  await fac.getByTestId('logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png(240, 80) });
  await eventually(async () => assert.equal(await panel.getByTestId('logo-preview').isVisible(), true));
  await eventually(async () => assert.ok(await panel.getByTestId('logo-preview').evaluate((img) => img.complete && img.naturalWidth === 240)));
  assert.equal(await panel.getByTestId('logo-error').textContent(), '');
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await proj.getByTestId('proj-logo').isVisible(), true));
  await eventually(async () => assert.ok(await proj.getByTestId('proj-logo').evaluate((img) => img.complete && img.naturalWidth === 240)));
  assert.equal(await proj.getByTestId('proj-logo').getAttribute('alt'), 'Logo van Gemeente Testdorp');
  await panel.scrollIntoViewIfNeeded();
  await shot(fac, 'issue19-logo-console-1366');
  await shot(proj, 'issue19-logo-projector-1920');
  await assertNoHorizontalOverflow(proj, 'projector with a logo');
  await assertNoHorizontalOverflow(fac, 'console with the logo panel');
  await axe(fac, 'console with the logo panel');
  await axe(proj, 'projector with a logo');

  // Removed: gone from the console, and from the projector at the next phase.
  await panel.getByTestId('logo-remove').click();
  await eventually(async () => assert.equal(await panel.getByTestId('logo-preview').isHidden(), true));
  await fac.getByTestId('next-phase').click();
  await eventually(async () => assert.equal(await proj.getByTestId('proj-logo').isHidden(), true));
  assertNoProblems(fac, 'console');
  assertNoProblems(proj, 'projector');
});
