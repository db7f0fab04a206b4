import { describe, expect, it } from 'vitest';
import { virtualWindow } from './virtual';

describe('virtualWindow', () => {
  it.each<[string, [number, number, number, number], { start: number; end: number; padTop: number; padBottom: number }]>([
    ['a small list renders whole', [40, 500, 400, 40], { start: 0, end: 40, padTop: 0, padBottom: 0 }],
    ['top of a long list', [10000, 0, 400, 40], { start: 0, end: 20, padTop: 0, padBottom: 9980 * 40 }],
    ['middle of a long list', [10000, 4000, 400, 40], { start: 90, end: 120, padTop: 3600, padBottom: 9880 * 40 }],
    ['scrolled past the end (the list shrank)', [10000, 10_000_000, 400, 40], { start: 9999, end: 10000, padTop: 9999 * 40, padBottom: 0 }],
    ['negative scroll (rubber band)', [10000, -50, 400, 40], { start: 0, end: 20, padTop: 0, padBottom: 9980 * 40 }],
  ])('%s', (_n, [total, top, viewport, row], want) => {
    expect(virtualWindow(total, top, viewport, row)).toEqual(want);
  });

  it('always keeps the full height: rendered rows plus padding equal the list', () => {
    for (const top of [0, 123, 5000, 399_960]) {
      const w = virtualWindow(10000, top, 600, 40);
      expect(w.padTop + (w.end - w.start) * 40 + w.padBottom).toBe(10000 * 40);
    }
  });
});

