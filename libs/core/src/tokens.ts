/** The validated configuration object (platform variables plus the service's own). */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** The running service's name and version (ServiceInfo). */
export const SERVICE_INFO = Symbol('SERVICE_INFO');
/** The service's SecretSource, or null when its secrets come from the environment. */
export const SECRET_SOURCE = Symbol('SECRET_SOURCE');
