// A modal dialog: focus moves into it, Tab and Shift+Tab stay inside it, Escape and the close
// button close it, and focus returns to the control that opened it.
import { h } from './util.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), ' +
                  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// Open dialogs, innermost last: only the innermost one handles keys.
const stack = [];

// `returnFocus` finds where focus goes on close when the opener is gone (e.g. a re-rendered row).
export function openDialog({ title, body, onClose, returnFocus }) {
  const opener = document.activeElement;
  const titleId = `dialog-title-${stack.length}-${Date.now()}`;
  const closeButton = h('button', { type: 'button', class: 'secondary small close',
                                    'aria-label': 'Close' }, '×');
  const panel = h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true',
                           'aria-labelledby': titleId },
                  h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), closeButton),
                  body);
  const backdrop = h('div', { class: 'backdrop' }, panel);
  const root = document.getElementById('modal-root');
  const main = document.getElementById('main');
  let closed = false;

  function close() {
    if (closed) return;
    closed = true;
    backdrop.remove();
    stack.splice(stack.indexOf(backdrop), 1);
    if (stack.length === 0) main.removeAttribute('inert');
    else stack[stack.length - 1].removeAttribute('inert');
    document.removeEventListener('keydown', onKey, true);
    if (onClose) onClose();
    const target = opener && opener.isConnected ? opener : (returnFocus && returnFocus());
    if (target) target.focus();
  }
  function onKey(e) {
    if (stack[stack.length - 1] !== backdrop) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'Tab') {
      const items = [...panel.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && (document.activeElement === first || !panel.contains(document.activeElement))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (document.activeElement === last || !panel.contains(document.activeElement))) {
        e.preventDefault();
        first.focus();
      }
    }
  }
  closeButton.addEventListener('click', close);
  backdrop.addEventListener('mousedown', (e) => { if (e.target === backdrop) close(); });
  document.addEventListener('keydown', onKey, true);
  main.setAttribute('inert', '');
  if (stack.length > 0) stack[stack.length - 1].setAttribute('inert', '');
  stack.push(backdrop);
  root.append(backdrop);
  closeButton.focus();
  return { close, panel };
}

// A confirmation inside the page's modal layer; resolves true when confirmed.
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h('button', { type: 'button', class: 'danger' }, confirmLabel);
    const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const d = openDialog({
      title,
      body: h('div', {}, h('p', {}, message), h('div', { class: 'actions' }, no, yes)),
      onClose: () => resolve(answer),
    });
    yes.addEventListener('click', () => { answer = true; d.close(); });
    no.addEventListener('click', () => d.close());
    no.focus();
  });
}
