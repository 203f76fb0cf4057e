// dom.js - builds elements with text only: no innerHTML anywhere in the
// portal, so user text (a ticket summary, a comment) is always shown as the
// characters it is and never runs.
//   el('p', {class: 'note', 'aria-live': 'polite'}, 'text', childNode, [more])
// Attributes are set with setAttribute (on* handler attributes are refused:
// listen with el(...).addEventListener); strings become text nodes.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`dom.el: handler attribute ${name} refused`);
    node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Replaces node's children with children (text or nodes).
export function replace(node, ...children) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return append(node, ...children);
}

export function text(node, value) {
  node.textContent = value === undefined || value === null ? '' : String(value);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
