/** A coarse clock so relative times ("5 minutes ago") stay current. */
class Clock {
  now = $state(new Date());
  #timer: ReturnType<typeof setInterval> | undefined;

  start(everyMs = 30_000): () => void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => (this.now = new Date()), everyMs);
    return () => clearInterval(this.#timer);
  }
}

/** The app's clock. */
export const clock = new Clock();
