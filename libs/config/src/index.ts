export { ConfigError } from './config.error';
export * from './env.schema';
export * from './workers.schema';
export { loadConfig, loadConfigOrExit } from './load-config';
export { FILE_VARIABLES } from './secret-files';
export { APP_CONFIG } from './config.tokens';
