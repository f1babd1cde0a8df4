export { aPolicy } from './policy.factory';
export { within } from './within';
