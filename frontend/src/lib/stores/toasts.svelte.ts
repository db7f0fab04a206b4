/** One short-lived message at the bottom of the window. */
export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: string;
}

/** Toasts holds the messages on screen; each disappears after a few seconds. */
class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(text: string, kind: Toast['kind'] = 'success', ms = 5000): void {
    const id = this.#next++;
    this.items.push({ id, kind, text });
    if (ms > 0) setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

/** The app's toasts. */
export const toasts = new Toasts();
