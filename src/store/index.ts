export type { KeyValueStore, SetOptions } from './types.js';
export { getJson, setJson } from './types.js';
export { MemoryStore } from './memory.js';
export { RedisStore, StoreUnavailableError, redisOptions } from './redis.js';
