//! Rendering helpers: elements are made with `createElement` and text goes in as `textContent`.
//!
//! There is deliberately no way here to insert HTML: user text (statements, rules, names) can
//! contain `<script>` or `<img onerror=…>` and must always stay text. Lists are updated in place
//! by key (`reconcile`), so a re-render does not take the focus or the caret away from someone
//! who is typing or using the keyboard.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'innerHTML' || k === 'outerHTML') throw new Error('dom.js never sets HTML');
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (['value', 'checked', 'disabled', 'htmlFor', 'selected'].includes(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An HTML element: `h('button', {class: 'x', onclick}, 'text', child)`. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** Replace all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Set text only when it changed (keeps screen readers quiet). */
export function setText(el, text) {
  const v = String(text ?? '');
  if (el.textContent !== v) el.textContent = v;
}

/** Set or remove an attribute only when it changed. */
export function setAttr(el, name, value) {
  if (value === null || value === undefined || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else {
    const v = value === true ? '' : String(value);
    if (el.getAttribute(name) !== v) el.setAttribute(name, v);
  }
}

/** Toggle a class. */
export function cls(el, name, on) {
  el.classList.toggle(name, !!on);
}

/**
 * Make `parent`'s children match `items`, by key: existing elements are kept and updated,
 * new ones created, missing ones removed, and an element is moved only when it is out of place
 * (moving a focused element would take its focus away).
 */
export function reconcile(parent, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of Array.from(parent.children)) {
    if (child.dataset.key !== undefined) existing.set(child.dataset.key, child);
    else child.remove();
  }
  const wanted = [];
  for (const item of items) {
    const key = String(keyOf(item));
    let el = existing.get(key);
    if (el) existing.delete(key);
    else {
      el = create(item);
      el.dataset.key = key;
    }
    update(el, item);
    wanted.push(el);
  }
  for (const el of existing.values()) el.remove();
  wanted.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at || null);
  });
}

let idCounter = 0;
/** A unique id for label/describedby pairs. */
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
