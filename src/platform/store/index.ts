export { MemoryStore } from './memory.js';
export { RedisStore, StoreUnavailableError } from './redis.js';
export type { KeyValueStore } from './types.js';
export { getJson, setJson } from './types.js';
