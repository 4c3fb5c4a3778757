/** The validated configuration object (platform variables plus the service's own). */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** The running service's name and version. */
export const SERVICE_INFO = Symbol('SERVICE_INFO');
