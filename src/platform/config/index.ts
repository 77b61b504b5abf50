import { isIP } from 'node:net';
import { z } from 'zod';

/** Start-up stops on this: one line naming the variable and what is wrong with it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const intIn = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^\d+$/.test(v)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a whole number from ${min} to ${max}, got "${v}"`,
        });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be from ${min} to ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

const urlOf = (protocols: string[]) =>
  optionalText.superRefine((v, ctx) => {
    if (v === undefined) return;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${v}"`,
        });
      }
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a URL, got "${v}"` });
    }
  });

function isIpOrCidr(item: string): boolean {
  const [addr, bits] = item.split('/');
  const family = isIP(addr ?? '');
  return family !== 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32)));
}

const ipList = optionalText.transform((v, ctx) => {
  if (v === undefined) return [] as string[];
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!isIpOrCidr(item)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${item}" is not an IP address or CIDR range` });
      return z.NEVER;
    }
  }
  return items;
});

/**
 * Proxy address classes proxy-addr (the framework's trust-proxy) understands by name. The default is `none`:
 * every private address is not a proxy until the operator says so, so nobody on a private network can claim an
 * address (AT_ALLOWED_IPS) through X-Forwarded-For.
 */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const proxyList = optionalText.transform((v, ctx) => {
  if (v === undefined) return [] as string[];
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 1 && items[0] === 'none') return [] as string[];
  for (const item of items) {
    if (!PROXY_NAMES.includes(item) && !isIpOrCidr(item)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${item}" is not an IP address, a CIDR range, loopback, linklocal, uniquelocal or none`,
      });
      return z.NEVER;
    }
  }
  return items;
});

const flag = (fallback: boolean) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be "true" or "false", got "${v}"` });
    return z.NEVER;
  });

/** Loopback hosts, where plain http hurts nobody (a local mirror, the tests' fake hub). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** An https URL, or plain http to a loopback host only. */
const secureUrl = optionalText.superRefine((v, ctx) => {
  if (v === undefined) return;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a URL, got "${v}"` });
    return;
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))) return;
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: `must start with https:// (http:// only for a loopback host such as 127.0.0.1), got "${v}"`,
  });
});

const hostList = (fallback: readonly string[]) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return [...fallback];
    const items = v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    for (const item of items) {
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(item)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${item}" is not a host name` });
        return z.NEVER;
      }
    }
    return items;
  });

/**
 * Where the Hugging Face hub sends file downloads (its LFS and Xet CDNs). `models pull` follows a redirect only
 * to MODELS_REMOTE_HOST itself or to one of these.
 */
export const DEFAULT_MODELS_ALLOWED_HOSTS: readonly string[] = Object.freeze([
  'cdn-lfs.huggingface.co',
  'cdn-lfs-us-1.huggingface.co',
  'cdn-lfs-eu-1.huggingface.co',
  'cdn-lfs.hf.co',
  'cdn-lfs-us-1.hf.co',
  'cdn-lfs-eu-1.hf.co',
  'cas-bridge.xethub.hf.co',
]);

const envSchema = z.object({
  PORT: intIn(0, 65535, 3000),
  HOST: optionalText.default('0.0.0.0'),
  METRICS_PORT: intIn(1, 65535, 0),
  REDIS_URL: urlOf(['redis:', 'rediss:']),
  REDIS_PASSWORD: optionalText,
  REDIS_PREFIX: optionalText
    .transform((v) => v ?? 'baraza:')
    .pipe(
      z.string().regex(/^[A-Za-z0-9:_.{}-]{1,64}$/, 'must be 1 to 64 letters, digits or : _ . - { } (e.g. baraza:)'),
    ),
  PACKS_DIR: optionalText.default('packs'),
  INDEX_DIR: optionalText.default('.baraza/index'),
  MODELS_DIR: optionalText.default('models'),
  MODELS_REMOTE_HOST: secureUrl.default('https://huggingface.co'),
  MODELS_ALLOWED_HOSTS: hostList(DEFAULT_MODELS_ALLOWED_HOSTS),
  EMBEDDING_MODEL: optionalText,
  GENERATION_MODEL: optionalText,
  TRANSLATION_MODEL: optionalText,
  PUBLIC_BASE_URL: urlOf(['http:', 'https:']),
  USSD_DEADLINE_MS: intIn(200, 15000, 8000),
  USSD_MAX_CHARS: intIn(40, 182, 160),
  SMS_MAX_SEGMENTS: intIn(1, 10, 3),
  RATE_LIMIT_PER_MINUTE: intIn(1, 1000, 6),
  IP_RATE_LIMIT_PER_MINUTE: intIn(10, 1_000_000, 600),
  PROVIDER_RATE_LIMIT_PER_MINUTE: intIn(100, 10_000_000, 60_000),
  BODY_LIMIT_BYTES: intIn(1024, 10 * 1024 * 1024, 64 * 1024),
  EMBEDDED_QUEUE_LIMIT: intIn(100, 1_000_000, 10_000),
  AT_USERNAME: optionalText,
  AT_API_KEY: optionalText,
  AT_SHORTCODE: optionalText,
  AT_WEBHOOK_TOKEN: optionalText,
  AT_PREMIUM_KEYWORD: optionalText,
  AT_ALLOWED_IPS: ipList,
  AT_ALLOW_UNAUTHENTICATED: flag(false),
  TRUSTED_PROXIES: proxyList,
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_SMS_FROM: optionalText,
  TWILIO_WHATSAPP_FROM: optionalText,
  WHATSAPP_TOKEN: optionalText,
  WHATSAPP_PHONE_NUMBER_ID: optionalText,
  WHATSAPP_APP_SECRET: optionalText,
  WHATSAPP_VERIFY_TOKEN: optionalText,
  WHATSAPP_TEMPLATE_NAME: optionalText,
  WHATSAPP_TEMPLATE_LANG: optionalText.default('en'),
  WHATSAPP_GRAPH_URL: urlOf(['http:', 'https:']).default('https://graph.facebook.com/v21.0'),
  ADMIN_USER: optionalText,
  ADMIN_PASSWORD: optionalText,
  PII_SALT: optionalText,
  SEND_MODE: optionalText
    .default('live')
    .pipe(z.enum(['live', 'simulator'], { errorMap: () => ({ message: 'must be "live" or "simulator"' }) })),
  SIMULATOR: optionalText.pipe(
    z.enum(['on', 'off'], { errorMap: () => ({ message: 'must be "on" or "off"' }) }).optional(),
  ),
  DEFAULT_COUNTRY: optionalText
    .default('KE')
    .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 two-letter country code such as KE')),
  LOG_LEVEL: optionalText.default('info').pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
});

type Env = z.infer<typeof envSchema>;

/**
 * Test hooks, never deployment settings (so not in CONFIG_VARIABLES, .env.example or the manifests): the
 * reliability tests use them to make a job slow enough to kill mid-way and a dead worker's job reclaimable quickly.
 */
const testOnlySchema = z.object({
  /** Sleep this long before each inbound job's answer step (default 0: off). */
  BARAZA_TEST_ANSWER_DELAY_MS: intIn(0, 60_000, 0),
  /** BullMQ job lock; a killed worker's job is reclaimed after about 1.5 times this (default 10 s). */
  BARAZA_TEST_WORKER_LOCK_MS: intIn(1000, 600_000, 10_000),
});

/** Every environment variable Baraza reads, in schema order (docs, infra checks, `.env.example`). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

/**
 * How Africa's Talking callbacks are authenticated (AT does not sign them): a `?token=` (AT_WEBHOOK_TOKEN), the
 * source address (AT_ALLOWED_IPS), both, nothing because the operator said so for a trial
 * (AT_ALLOW_UNAUTHENTICATED=true), or nothing at all, in which case AT routes refuse every request.
 */
export type AtInboundAuth = 'token' | 'ip' | 'token+ip' | 'open-by-choice' | 'refuse';

/** The rule behind `config.africasTalking.inboundAuth` (pure): any check configured wins over the opt-out. */
export function atInboundAuth(at: {
  webhookToken?: string;
  allowedIps: readonly string[];
  allowUnauthenticated: boolean;
}): AtInboundAuth {
  const token = at.webhookToken !== undefined && at.webhookToken !== '';
  const ip = at.allowedIps.length > 0;
  if (token && ip) return 'token+ip';
  if (token) return 'token';
  if (ip) return 'ip';
  return at.allowUnauthenticated ? 'open-by-choice' : 'refuse';
}

/**
 * Variables whose presence means real provider traffic: send keys, and the secrets that check inbound webhooks.
 * Beside any of them, start-up refuses the development PII_SALT and the simulator stays off unless
 * SEND_MODE=simulator.
 */
const LIVE_CREDENTIAL_VARIABLES = [
  'AT_API_KEY',
  'AT_WEBHOOK_TOKEN',
  'TWILIO_AUTH_TOKEN',
  'WHATSAPP_TOKEN',
  'WHATSAPP_APP_SECRET',
] as const;

export interface Config {
  port: number;
  host: string;
  /**
   * METRICS_PORT: serve `/metrics` on its own listener at this port (same HOST) and not on PORT; undefined (the
   * default) keeps `/metrics` on PORT behind ADMIN_USER/ADMIN_PASSWORD.
   */
  metricsPort: number | undefined;
  /** REDIS_URL, with REDIS_PASSWORD put in when that is set. */
  redisUrl: string | undefined;
  /** Key prefix of the store, the queues (`<prefix>q`) and the per-IP limiter: several deployments can share one Redis. */
  redisPrefix: string;
  packsDirs: string[];
  indexDir: string;
  modelsDir: string;
  /** https (or loopback http) hub `models pull` fetches from. */
  modelsRemoteHost: string;
  /** Hosts besides MODELS_REMOTE_HOST's own that `models pull` may follow a redirect to (the hub's CDNs). */
  modelsAllowedHosts: string[];
  models: { embedding?: string; generation?: string; translation?: string };
  publicBaseUrl: string | undefined;
  ussd: { deadlineMs: number; maxChars: number };
  sms: { maxSegments: number };
  limits: {
    questionsPerMinute: number;
    requestsPerMinutePerIp: number;
    /** Authenticated callbacks per provider account (AT username, Twilio AccountSid, Meta phone_number_id) and minute. */
    requestsPerMinutePerAccount: number;
    bodyLimitBytes: number;
  };
  /**
   * Jobs the embedded (no-Redis) queue holds per queue before `add` throws QueueFullError (503, busy screen).
   * @defaultValue 10000
   */
  embeddedQueueLimit: number;
  /**
   * Proxies whose X-Forwarded-For the gateway believes (IPs, CIDRs, or loopback/linklocal/uniquelocal); the
   * client IP behind any other peer is the peer itself, so a caller on the internet cannot claim an address.
   */
  trustedProxies: string[];
  africasTalking: {
    username?: string;
    apiKey?: string;
    shortcode?: string;
    webhookToken?: string;
    /** Keyword of a premium (on-demand) SMS product: replies carrying a linkId are sent as premium. */
    premiumKeyword?: string;
    allowedIps: string[];
    /** AT_ALLOW_UNAUTHENTICATED=true: a trial without token or address checks, logged loudly at start-up. */
    allowUnauthenticated: boolean;
    /** What AT routes require of a callback (see atInboundAuth). */
    inboundAuth: AtInboundAuth;
  };
  twilio: { accountSid?: string; authToken?: string; smsFrom?: string; whatsappFrom?: string };
  whatsapp: {
    token?: string;
    phoneNumberId?: string;
    appSecret?: string;
    verifyToken?: string;
    templateName?: string;
    templateLang: string;
    /** Graph API base including the version, e.g. https://graph.facebook.com/v21.0 (overridable for loopback fakes). */
    graphUrl: string;
  };
  admin: { user?: string; password?: string };
  piiSalt: string;
  piiSaltIsDefault: boolean;
  sendMode: 'live' | 'simulator';
  /** Names of the live credential variables that are set (LIVE_CREDENTIAL_VARIABLES); empty for a trial. */
  liveCredentials: string[];
  /**
   * `/simulator` page and its API (incl. the WhatsApp signing helper). Default on in SEND_MODE=simulator, or
   * without Redis and without live credentials; never on beside live credentials unless SEND_MODE=simulator.
   */
  simulator: boolean;
  defaultCountry: string;
  logLevel: Env['LOG_LEVEL'];
  /** Test hooks (BARAZA_TEST_*): zero/defaults in any real deployment. */
  testing: { answerDelayMs: number; workerLockMs: number };
}

/**
 * Used only when PII_SALT is unset (local trials): it is public, so pseudonyms made with it are reversible.
 * Start-up refuses it beside live credentials and warns when it is used with Redis.
 */
export const DEV_PII_SALT = 'baraza-development-salt-change-me';

/** REDIS_URL with REDIS_PASSWORD in it (percent-encoded by the URL API), so every client gets one URL. */
function redisUrlWithPassword(url: string | undefined, password: string | undefined): string | undefined {
  if (url === undefined) {
    if (password !== undefined) throw new ConfigError('REDIS_PASSWORD: set REDIS_URL too (the password is for it)');
    return undefined;
  }
  if (password === undefined) return url;
  const u = new URL(url);
  if (u.password !== '') {
    throw new ConfigError('REDIS_PASSWORD: REDIS_URL already carries a password; give it in one place only');
  }
  u.password = password;
  return u.toString();
}

/** Parse the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PACKS_DIR=`) means "unset", so its default applies.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const testOnly = testOnlySchema.safeParse(env);
  if (!testOnly.success) {
    const issue = testOnly.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  if ((e.ADMIN_USER === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('ADMIN_PASSWORD: ADMIN_USER and ADMIN_PASSWORD must be set together');
  }
  const liveCredentials = LIVE_CREDENTIAL_VARIABLES.filter((name) => e[name] !== undefined);
  const piiSaltIsDefault = e.PII_SALT === undefined || e.PII_SALT === DEV_PII_SALT;
  if (liveCredentials.length > 0 && piiSaltIsDefault) {
    throw new ConfigError(
      `PII_SALT: must be set to a long random value (openssl rand -hex 32) beside live credentials (${liveCredentials.join(', ')}); the public development salt makes phone pseudonyms reversible`,
    );
  }
  if (e.SIMULATOR === 'on' && liveCredentials.length > 0 && e.SEND_MODE !== 'simulator') {
    throw new ConfigError(
      `SIMULATOR: cannot be "on" beside live credentials (${liveCredentials.join(', ')}) unless SEND_MODE=simulator: its API signs webhooks and lists replies for anyone`,
    );
  }
  if (e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(`METRICS_PORT: must differ from PORT (${e.PORT}): metrics get their own listener`);
  }
  if (e.TWILIO_AUTH_TOKEN !== undefined && e.SEND_MODE === 'live' && e.PUBLIC_BASE_URL === undefined) {
    throw new ConfigError(
      "PUBLIC_BASE_URL: must be set beside TWILIO_AUTH_TOKEN in live mode (the https URL Twilio calls, e.g. https://baraza.example.org): Twilio signs that URL, and rebuilding it from the caller's Host header would accept a request signed for another address",
    );
  }
  const simulator = e.SIMULATOR
    ? e.SIMULATOR === 'on'
    : e.SEND_MODE === 'simulator' || (e.REDIS_URL === undefined && liveCredentials.length === 0);
  return {
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT === 0 ? undefined : e.METRICS_PORT,
    redisUrl: redisUrlWithPassword(e.REDIS_URL, e.REDIS_PASSWORD),
    redisPrefix: e.REDIS_PREFIX,
    packsDirs: e.PACKS_DIR.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    indexDir: e.INDEX_DIR,
    modelsDir: e.MODELS_DIR,
    // An empty value skips the default (optionalText turns it into undefined), hence the fallback.
    modelsRemoteHost: e.MODELS_REMOTE_HOST ?? 'https://huggingface.co',
    modelsAllowedHosts: e.MODELS_ALLOWED_HOSTS,
    models: { embedding: e.EMBEDDING_MODEL, generation: e.GENERATION_MODEL, translation: e.TRANSLATION_MODEL },
    publicBaseUrl: e.PUBLIC_BASE_URL,
    ussd: { deadlineMs: e.USSD_DEADLINE_MS, maxChars: e.USSD_MAX_CHARS },
    sms: { maxSegments: e.SMS_MAX_SEGMENTS },
    limits: {
      questionsPerMinute: e.RATE_LIMIT_PER_MINUTE,
      requestsPerMinutePerIp: e.IP_RATE_LIMIT_PER_MINUTE,
      requestsPerMinutePerAccount: e.PROVIDER_RATE_LIMIT_PER_MINUTE,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
    },
    embeddedQueueLimit: e.EMBEDDED_QUEUE_LIMIT,
    trustedProxies: e.TRUSTED_PROXIES,
    africasTalking: {
      username: e.AT_USERNAME,
      apiKey: e.AT_API_KEY,
      shortcode: e.AT_SHORTCODE,
      webhookToken: e.AT_WEBHOOK_TOKEN,
      premiumKeyword: e.AT_PREMIUM_KEYWORD,
      allowedIps: e.AT_ALLOWED_IPS,
      allowUnauthenticated: e.AT_ALLOW_UNAUTHENTICATED,
      inboundAuth: atInboundAuth({
        webhookToken: e.AT_WEBHOOK_TOKEN,
        allowedIps: e.AT_ALLOWED_IPS,
        allowUnauthenticated: e.AT_ALLOW_UNAUTHENTICATED,
      }),
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      smsFrom: e.TWILIO_SMS_FROM,
      whatsappFrom: e.TWILIO_WHATSAPP_FROM,
    },
    whatsapp: {
      token: e.WHATSAPP_TOKEN,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
      appSecret: e.WHATSAPP_APP_SECRET,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
      templateName: e.WHATSAPP_TEMPLATE_NAME,
      templateLang: e.WHATSAPP_TEMPLATE_LANG,
      // An empty value skips the default (optionalText turns it into undefined), hence the fallback.
      graphUrl: (e.WHATSAPP_GRAPH_URL ?? 'https://graph.facebook.com/v21.0').replace(/\/+$/, ''),
    },
    admin: { user: e.ADMIN_USER, password: e.ADMIN_PASSWORD },
    piiSalt: e.PII_SALT ?? DEV_PII_SALT,
    piiSaltIsDefault,
    sendMode: e.SEND_MODE,
    liveCredentials,
    simulator,
    defaultCountry: e.DEFAULT_COUNTRY,
    logLevel: e.LOG_LEVEL,
    testing: {
      answerDelayMs: testOnly.data.BARAZA_TEST_ANSWER_DELAY_MS,
      workerLockMs: testOnly.data.BARAZA_TEST_WORKER_LOCK_MS,
    },
  };
}

/**
 * What start-up must say out loud about a configuration it accepts but that weakens a check: one line each,
 * logged as warnings by every process.
 */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.africasTalking.inboundAuth === 'open-by-choice') {
    warnings.push(
      "AT_ALLOW_UNAUTHENTICATED=true: Africa's Talking routes accept callbacks from anyone (no AT_WEBHOOK_TOKEN, no AT_ALLOWED_IPS); anyone can opt numbers out, subscribe them to tips and make this gateway send SMS. For trials only.",
    );
  }
  if (config.africasTalking.inboundAuth === 'refuse' && config.simulator && config.liveCredentials.length === 0) {
    warnings.push(
      "simulator mode without AT_WEBHOOK_TOKEN or AT_ALLOWED_IPS: Africa's Talking routes accept unauthenticated callbacks (every reply goes to the simulator outbox); with live credentials they refuse instead",
    );
  }
  if (config.simulator && config.liveCredentials.length > 0) {
    warnings.push(
      `the simulator API is on beside live credentials (${config.liveCredentials.join(', ')}) because SEND_MODE=simulator: anyone who reaches /simulator can post as the providers and read replies`,
    );
  }
  if (config.twilio.authToken && !config.twilio.accountSid) {
    warnings.push(
      'TWILIO_ACCOUNT_SID is unset: Twilio webhooks are checked by signature only, not also by the account they name',
    );
  }
  if (config.piiSaltIsDefault && config.redisUrl) {
    warnings.push('PII_SALT is unset: phone pseudonyms use the public development salt, so they are reversible');
  }
  return warnings;
}
