/** The sentence seed 003 quotes, word for word; the first line of the diagnosis panel. */
export const SEED_003_SENTENCE =
  "We're having some trouble connecting to your integration. Please verify that your credentials are correct and up-to-date.";
