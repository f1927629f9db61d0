// Unit tests of the app's pure modules, in Node: the JSON Patch applier, the text splices
// (diff, transform through a concurrent change, surrogate pairs), the limits read from the page,
// and a tidy check that no protocol limit is written as a literal in client/web.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, writeFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The app's modules are browser ES modules in a folder without a package.json; copy them next to
// one that says `"type": "module"`, so every Node version loads them as ES modules.
const assets = new URL('../../client/web/assets/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'draagvlak-units-'));
writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
for (const f of ['patch.js', 'text.js', 'dom.js', 'limits.js']) copyFileSync(join(assets, f), join(dir, f));
const { applyPatch } = await import(join(dir, 'patch.js'));
const { diff, applySplice, transform, mapCaret, rebaseCaret, rebaseOwn } = await import(join(dir, 'text.js'));
const limitsModule = await import(join(dir, 'limits.js'));

test('patch: every RFC 6902 operation', () => {
  const doc = { a: { b: 1 }, list: [1, 2, 3], 'x/y': { '~t': 0 } };
  const out = applyPatch(doc, [
    { op: 'add', path: '/a/c', value: { d: 2 } },
    { op: 'remove', path: '/a/b' },
    { op: 'replace', path: '/list/1', value: 20 },
    { op: 'add', path: '/list/-', value: 4 },
    { op: 'add', path: '/list/0', value: 0 },
    { op: 'move', from: '/a/c', path: '/moved' },
    { op: 'copy', from: '/moved', path: '/copied' },
    { op: 'test', path: '/copied/d', value: 2 },
    { op: 'replace', path: '/x~1y/~0t', value: 1 },
  ]);
  assert.deepEqual(out, { a: {}, list: [0, 1, 20, 3, 4], moved: { d: 2 }, copied: { d: 2 }, 'x/y': { '~t': 1 } });
  assert.deepEqual(doc.a, { b: 1 }, 'the input is not changed');
});

test('patch: a failing operation throws and changes nothing', () => {
  const doc = { a: 1 };
  assert.throws(() => applyPatch(doc, [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 3 }]));
  assert.throws(() => applyPatch(doc, [{ op: 'remove', path: '/missing' }]));
  assert.throws(() => applyPatch(doc, [{ op: 'add', path: '/no/parent', value: 1 }]));
  assert.deepEqual(doc, { a: 1 });
});

test('diff: common prefix and suffix, UTF-16 positions, never inside a surrogate pair', () => {
  assert.equal(diff('abc', 'abc'), null);
  assert.deepEqual(diff('hello world', 'hello big world'), { pos: 6, delete: 0, insert: 'big ' });
  assert.deepEqual(diff('hello world', 'hello'), { pos: 5, delete: 6, insert: '' });
  assert.deepEqual(diff('vóór 👍 na', 'vóór 👎 na'), { pos: 5, delete: 2, insert: '👎' });
  const a = 'x😀y';
  const b = 'x😃y';
  const sp = diff(a, b);
  assert.equal(applySplice(a, sp), b);
  assert.equal(sp.pos, 1);
});

test('transform: a local edit survives a concurrent remote edit', () => {
  const base = 'We beslissen samen.';
  const local = diff(base, 'Nu: We beslissen samen.');
  const remote = diff(base, 'We beslissen samen. Altijd.');
  const merged = applySplice(applySplice(base, remote), transform(local, remote));
  assert.equal(merged, 'Nu: We beslissen samen. Altijd.');
  // Remote text inserted inside a range deleted locally is not deleted by the local edit's end.
  const l2 = { pos: 0, delete: 3, insert: 'X' };
  const r2 = { pos: 3, delete: 0, insert: 'NEW' };
  assert.equal(applySplice(applySplice('abcdef', r2), transform(l2, r2)), 'XNEWdef');
  assert.equal(mapCaret(10, { pos: 2, delete: 0, insert: 'abc' }), 13);
  assert.equal(mapCaret(1, { pos: 2, delete: 0, insert: 'abc' }), 1);
});

// Issue 13, bug 1: where the typing happened, when the text alone cannot tell.
test('diff with the caret: a space typed next to a space is the one before the caret', () => {
  // "de vraag" → "de  vraag" with the caret after the new space (3): the new one is at 2.
  assert.deepEqual(diff('de vraag', 'de  vraag', 3), { pos: 2, delete: 0, insert: ' ' });
  assert.deepEqual(diff('de vraag', 'de  vraag'), { pos: 3, delete: 0, insert: ' ' });
  // A backspace on one of two equal letters: the one before the caret.
  assert.deepEqual(diff('aab', 'ab', 0), { pos: 0, delete: 1, insert: '' });
  // The caret does not turn a plain edit into a different one.
  assert.deepEqual(diff('hello world', 'hello big world', 10), { pos: 6, delete: 0, insert: 'big ' });
  assert.deepEqual(diff('abc', 'abXc', 99), { pos: 2, delete: 0, insert: 'X' });
});

test('rebaseCaret: the caret stays at the end of what this person typed', () => {
  const from = 'X.';
  const local = diff(from, 'X. (I', 5); // typed " (I", caret at the end
  const remote = diff(from, 'X. (b'); // someone else's " (b" arrived meanwhile
  const l2 = transform(local, remote);
  const next = applySplice(applySplice(from, remote), l2);
  assert.equal(next, 'X. (b (I');
  assert.equal(rebaseCaret(5, local, remote, l2), next.length);
  // Text someone else inserted right at an idle caret goes before it.
  assert.equal(rebaseCaret(2, null, { pos: 2, delete: 0, insert: ' (b' }, null), 5);
});

test('rebaseOwn: with the ack\'s position, equal characters of others are not taken for ours', () => {
  // We sent "(" after " " in " ICT"; meanwhile someone else typed "(I" there, and the server put
  // our "(" after theirs: " (I(ICT", ours at 3. We have typed "((" more since.
  const from = ' ICT';
  const sent = { pos: 1, delete: 0, insert: '(' };
  const local = ' (((ICT';
  const v = ' (I(ICT';
  // The plain rebase takes their "(" for ours and puts our typing before their "I".
  const l = diff(' (ICT', local, 4);
  const r = diff(' (ICT', v);
  assert.equal(applySplice(v, transform(l, r)), ' (((I(ICT');
  // With `at` our typing continues our own "(".
  assert.deepEqual(rebaseOwn(from, sent, local, 4, v, 3), { text: ' (I(((ICT', caret: 6 });
  // Text someone else put right after our own stays after what continues it, and so does the caret.
  assert.deepEqual(rebaseOwn('a', { pos: 1, delete: 0, insert: 'b' }, 'abc', 3, 'abX', 1), { text: 'abcX', caret: 3 });
  assert.deepEqual(rebaseOwn('a', { pos: 1, delete: 0, insert: 'b' }, 'ab', 2, 'abX', 1), { text: 'abX', caret: 2 });
  // Changes on both sides of our text.
  assert.deepEqual(rebaseOwn('0123', { pos: 2, delete: 0, insert: 'ab' }, '01abc23', 5, 'Z01abY23', 3), { text: 'Z01abcY23', caret: 6 });
  // A position that does not fit the text: null (the plain rebase is used).
  assert.equal(rebaseOwn(from, sent, local, 4, v, 0), null);
  assert.equal(rebaseOwn(from, { pos: 0, delete: 0, insert: '' }, local, 4, v, 0), null);
});

test('limits: read once from the page\'s <meta name="draagvlak-limits">, loudly missing without it', async () => {
  // A fresh copy of the module for each case (a module keeps what it read).
  const fresh = async (name) => {
    copyFileSync(join(assets, 'limits.js'), join(dir, name));
    return import(join(dir, name));
  };
  const server = { max_text_chars: 500, max_name_chars: 60, max_title_chars: 200, max_reason_chars: 280, max_cluster_title_chars: 200, large_gap: 0.3,
    max_agenda_phases: 60, max_dot_budget: 20, max_agenda_name_bytes: 80, max_agenda_text_chars: 300, max_agenda_bytes: 65536,
    min_groups: 2, max_groups: 4, max_group_name_chars: 30, max_logo_bytes: 262144 };
  let asked = 0;
  globalThis.document = {
    querySelector(sel) {
      asked += 1;
      assert.equal(sel, 'meta[name="draagvlak-limits"]');
      return { getAttribute: (a) => (a === 'content' ? JSON.stringify(server) : null) };
    },
  };
  try {
    const page = await fresh('limits-page.js');
    assert.equal(page.limit('max_text_chars'), 500);
    assert.equal(page.limit('large_gap'), 0.3);
    assert.deepEqual({ ...page.limits() }, server);
    assert.equal(asked, 1, 'the meta tag is read once');
    assert.throws(() => page.limit('max_dots'), /no limit named/);
    // An empty meta tag (a page not served by the server) or a missing limit fails when a limit is read.
    globalThis.document = { querySelector: () => ({ getAttribute: () => '' }) };
    const empty = await fresh('limits-empty.js');
    assert.throws(() => empty.limit('max_text_chars'), /no <meta name="draagvlak-limits">/);
    const partial = await fresh('limits-partial.js');
    assert.throws(() => partial.setLimits({ ...server, large_gap: undefined }), /large_gap/);
  } finally {
    delete globalThis.document;
  }
  // Outside a page, importing is fine and reading is loud until a test sets them.
  const bare = await fresh('limits-bare.js');
  assert.throws(() => bare.limit('max_name_chars'), /no <meta/);
  bare.setLimits(server);
  assert.equal(bare.limit('max_name_chars'), 60);
  assert.ok(limitsModule.LIMIT_NAMES.includes('max_cluster_title_chars'));
});

test('tidy: no protocol limit written as a literal in client/web', () => {
  const web = new URL('../../client/web/', import.meta.url).pathname;
  const files = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|html)$/.test(f)) files.push(p);
    }
  };
  walk(web);
  assert.ok(files.length > 10);
  const problems = [];
  for (const f of files) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      const at = `${f.slice(web.length)}:${i + 1}: ${line.trim()}`;
      // A length limit on an input or text area, in a script or in markup.
      if (/maxlength['"]?\s*[:=]\s*['"]?\d/i.test(line)) problems.push(at);
      // A limit or gap defined as a number (`const MAX_REASON = 280`, `LARGE_GAP = 0.3`).
      if (/\b(MAX_(TEXT|NAME|TITLE|REASON|CLUSTER)\w*|\w*_CHARS|\w*GAP)\s*=\s*[\d.]/i.test(line)) problems.push(at);
      // A text that repeats a length limit ("maximaal 60 tekens", "at most 1000 characters").
      if (/\d+\s*(tekens|characters)\b/.test(line)) problems.push(at);
    });
  }
  assert.deepEqual(problems, [], 'protocol limits come from limits.js (the server\'s <meta name="draagvlak-limits">)');
});
