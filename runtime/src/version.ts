/** The package version, fixed at build time from package.json. */
export const VERSION: string = typeof __X0_VERSION__ === 'string' ? __X0_VERSION__ : '0.0.0-dev';
