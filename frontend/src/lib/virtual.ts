/** The rows of a virtualized list to render, and the space around them. */
export interface VirtualWindow {
  start: number;
  end: number; // exclusive
  padTop: number;
  padBottom: number;
}

/**
 * Computes which rows of a fixed-row-height list are visible in a viewport
 * scrolled to scrollTop, plus overscan rows on each side. Lists of at most
 * `all` rows render whole (small lists stay plain: find-in-page and tab order
 * work as usual).
 */
export function virtualWindow(total: number, scrollTop: number, viewport: number, rowHeight: number, overscan = 10, all = 100): VirtualWindow {
  if (total <= all || rowHeight <= 0) return { start: 0, end: total, padTop: 0, padBottom: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(viewport, rowHeight) / rowHeight);
  const start = Math.max(0, Math.min(first - overscan, total - 1));
  const end = Math.min(total, first + visible + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (total - end) * rowHeight };
}
