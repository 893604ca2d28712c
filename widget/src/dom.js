// @ts-check
// A tiny element builder: h("p", {class: "x"}, "text", child). Text is always
// set as text, never as HTML, except where `html` is given on purpose (the
// campaign's intro, which the server has already sanitised).

/**
 * An attribute's value: false, null and undefined leave it out, true sets it
 * empty; `html` takes a string of HTML, and `on<event>` a listener.
 * @typedef {string | number | boolean | null | undefined | ((event: Event) => unknown)} AttrValue
 *
 * A child: a node, or text; null, undefined and false are skipped.
 * @typedef {Node | string | number | false | null | undefined} Child
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue> | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "html") el.innerHTML = /** @type {string} */ (value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let counter = 0;
/** @param {string} prefix */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
