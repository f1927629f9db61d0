//! RFC 6902 JSON Patch: apply `add`, `remove`, `replace`, `move`, `copy` and `test` to a JSON value.
//!
//! Hand-written rather than taken from npm (`fast-json-patch`): the app has no build step and no
//! bundler, so a library would have to be vendored into the repository and kept up to date, while
//! the whole standard fits in about fifty lines. The server produces only `add`, `remove` and
//! `replace` on plain objects; the other operations are here because the protocol says a client
//! should accept every RFC 6902 operation.
//!
//! `applyPatch` works on a deep copy and returns it, so a patch that fails half-way leaves the
//! caller's document untouched (the store then asks the server for a fresh snapshot).

function parsePointer(pointer) {
  if (pointer === '') return [];
  if (pointer[0] !== '/') throw new Error(`bad JSON pointer ${pointer}`);
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr, token, forAdd) {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`bad array index ${token}`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`array index ${i} out of range`);
  return i;
}

/** The parent container and last token of `path`, or throws when the parent does not exist. */
function locate(doc, path) {
  const tokens = parsePointer(path);
  let parent = doc;
  for (const tok of tokens.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') throw new Error(`no parent for ${path}`);
    const key = Array.isArray(parent) ? arrayIndex(parent, tok, false) : tok;
    if (!Array.isArray(parent) && !Object.prototype.hasOwnProperty.call(parent, key)) {
      throw new Error(`missing ${tok} in ${path}`);
    }
    parent = parent[key];
  }
  if (parent === null || typeof parent !== 'object') throw new Error(`no parent for ${path}`);
  return [parent, tokens[tokens.length - 1]];
}

function get(doc, path) {
  if (path === '') return doc;
  const [parent, key] = locate(doc, path);
  const k = Array.isArray(parent) ? arrayIndex(parent, key, false) : key;
  if (!Array.isArray(parent) && !Object.prototype.hasOwnProperty.call(parent, k)) throw new Error(`missing ${path}`);
  return parent[k];
}

function remove(doc, path) {
  const [parent, key] = locate(doc, path);
  const value = get(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else delete parent[key];
  return value;
}

function add(doc, path, value) {
  if (path === '') return value;
  const [parent, key] = locate(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

/** Apply `ops` to a copy of `doc`; returns the new document or throws on an invalid patch. */
export function applyPatch(doc, ops) {
  let out = structuredClone(doc);
  for (const op of ops) {
    switch (op.op) {
      case 'add': out = add(out, op.path, structuredClone(op.value)); break;
      case 'remove': remove(out, op.path); break;
      case 'replace':
        if (op.path === '') { out = structuredClone(op.value); break; }
        remove(out, op.path); out = add(out, op.path, structuredClone(op.value)); break;
      case 'move': {
        if (op.path.startsWith(`${op.from}/`)) throw new Error('cannot move a value into itself');
        const v = remove(out, op.from); out = add(out, op.path, v); break;
      }
      case 'copy': out = add(out, op.path, structuredClone(get(out, op.from))); break;
      case 'test':
        if (JSON.stringify(get(out, op.path)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
        break;
      default: throw new Error(`unknown op ${op.op}`);
    }
  }
  return out;
}
