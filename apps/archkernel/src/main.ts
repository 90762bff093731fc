/** Placeholder until the app lands. */
export {};
