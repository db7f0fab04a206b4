import { describe, expect, it } from 'vitest';
import { tabKeyTarget } from './tabs';

describe('tabKeyTarget', () => {
  it.each([
    ['ArrowRight', 0, 1],
    ['ArrowRight', 2, 0],
    ['ArrowDown', 1, 2],
    ['ArrowLeft', 0, 2],
    ['ArrowLeft', 2, 1],
    ['ArrowUp', 1, 0],
    ['Home', 2, 0],
    ['End', 0, 2],
  ])('%s from tab %i of 3 goes to tab %i', (key, from, to) => {
    expect(tabKeyTarget(key, from, 3)).toBe(to);
  });

  it('leaves other keys (Tab, Enter, letters) to the browser', () => {
    for (const key of ['Tab', 'Enter', ' ', 'a']) expect(tabKeyTarget(key, 1, 3)).toBeNull();
  });

  it('has nowhere to go without tabs', () => {
    expect(tabKeyTarget('ArrowRight', 0, 0)).toBeNull();
  });
});
