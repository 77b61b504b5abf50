export { MemoryStore } from './memory.js';
export { RedisStore, redisOptions, StoreUnavailableError } from './redis.js';
export type { KeyValueStore, SetOptions } from './types.js';
export { getJson, setJson } from './types.js';
