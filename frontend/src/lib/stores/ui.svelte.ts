/** UI state shared by the shell and the pages: which dialogs are open. */
class UI {
  /** The Add integration form is open. */
  addOpen = $state(false);
  /** Bumped to ask an open Add form to focus its first field again. */
  addFocusRequest = $state(0);
  /** How many other modal dialogs are open (they block global shortcuts). */
  modals = $state(0);
  /** The keyboard shortcuts help is open. */
  helpOpen = $state(false);

  openAdd(): void {
    if (this.addOpen) this.addFocusRequest++;
    else this.addOpen = true;
  }

  closeAdd(): void {
    this.addOpen = false;
  }
}

/** The app's UI state. */
export const ui = new UI();
