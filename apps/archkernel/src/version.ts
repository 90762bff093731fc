/** The app's name and version, fixed at build time (tsup defines them; tests read package.json). */
declare const __APP_VERSION__: string | undefined;

export const APP_NAME = 'archkernel-load';
export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0-dev';
