// Keyboard model of a WAI-ARIA tablist (automatic activation): the arrow keys
// move between tabs and wrap, Home and End jump to the first and last.

/**
 * The index of the tab a key moves to from index, among count tabs, or null
 * when the key is not one a tablist handles (the event then goes on as usual).
 */
export function tabKeyTarget(key: string, index: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return (index + 1) % count;
    case 'ArrowLeft':
    case 'ArrowUp':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
