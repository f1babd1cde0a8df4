export { ConfigError } from './config.error';
export * from './env.schema';
export { loadConfig, loadConfigOrExit } from './load-config';
export { APP_CONFIG } from './config.tokens';
