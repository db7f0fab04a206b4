// The stack of open modal dialogs: only the topmost one reacts to keys.

const stack: symbol[] = [];

/** Registers an opened modal; returns its token. */
export function pushModal(): symbol {
  const t = Symbol('modal');
  stack.push(t);
  return t;
}

/** Unregisters a closed modal. */
export function popModal(t: symbol): void {
  const i = stack.indexOf(t);
  if (i >= 0) stack.splice(i, 1);
}

/** Reports whether t is the topmost open modal. */
export function isTop(t: symbol): boolean {
  return stack[stack.length - 1] === t;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The elements of root that Tab can reach, in order. */
export function tabbables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => el.tabIndex >= 0 && !el.closest('[inert]') && el.getClientRects().length > 0,
  );
}
