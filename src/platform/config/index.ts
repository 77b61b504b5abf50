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
 * Proxy address classes proxy-addr (Express's 'trust proxy') understands by name; all three together, the
 * default, are proxies on the host or a private network (a load balancer, an Ingress, a container network).
 */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const proxyList = optionalText.transform((v, ctx) => {
  if (v === undefined) return [...PROXY_NAMES];
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

const envSchema = z.object({
  PORT: intIn(0, 65535, 3000),
  HOST: optionalText.default('0.0.0.0'),
  REDIS_URL: urlOf(['redis:', 'rediss:']),
  REDIS_PREFIX: optionalText
    .transform((v) => v ?? 'baraza:')
    .pipe(
      z.string().regex(/^[A-Za-z0-9:_.{}-]{1,64}$/, 'must be 1 to 64 letters, digits or : _ . - { } (e.g. baraza:)'),
    ),
  PACKS_DIR: optionalText.default('packs'),
  INDEX_DIR: optionalText.default('.baraza/index'),
  MODELS_DIR: optionalText.default('models'),
  MODELS_REMOTE_HOST: urlOf(['http:', 'https:']).default('https://huggingface.co'),
  EMBEDDING_MODEL: optionalText,
  GENERATION_MODEL: optionalText,
  TRANSLATION_MODEL: optionalText,
  PUBLIC_BASE_URL: urlOf(['http:', 'https:']),
  USSD_DEADLINE_MS: intIn(200, 15000, 8000),
  USSD_MAX_CHARS: intIn(40, 182, 160),
  SMS_MAX_SEGMENTS: intIn(1, 10, 3),
  RATE_LIMIT_PER_MINUTE: intIn(1, 1000, 6),
  IP_RATE_LIMIT_PER_MINUTE: intIn(10, 1_000_000, 600),
  BODY_LIMIT_BYTES: intIn(1024, 10 * 1024 * 1024, 64 * 1024),
  AT_USERNAME: optionalText,
  AT_API_KEY: optionalText,
  AT_SHORTCODE: optionalText,
  AT_WEBHOOK_TOKEN: optionalText,
  AT_PREMIUM_KEYWORD: optionalText,
  AT_ALLOWED_IPS: ipList,
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

export interface Config {
  port: number;
  host: string;
  redisUrl: string | undefined;
  /** Key prefix of the store, the queues (`<prefix>q`) and the per-IP limiter: several deployments can share one Redis. */
  redisPrefix: string;
  packsDirs: string[];
  indexDir: string;
  modelsDir: string;
  modelsRemoteHost: string;
  models: { embedding?: string; generation?: string; translation?: string };
  publicBaseUrl: string | undefined;
  ussd: { deadlineMs: number; maxChars: number };
  sms: { maxSegments: number };
  limits: { questionsPerMinute: number; requestsPerMinutePerIp: number; bodyLimitBytes: number };
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
  /** `/simulator` page and its API (incl. the WhatsApp signing helper). Default on without Redis or in SEND_MODE=simulator. */
  simulator: boolean;
  defaultCountry: string;
  logLevel: Env['LOG_LEVEL'];
  /** Test hooks (BARAZA_TEST_*): zero/defaults in any real deployment. */
  testing: { answerDelayMs: number; workerLockMs: number };
}

/** Used only when PII_SALT is unset (local trials); start-up warns when it is used with Redis. */
export const DEV_PII_SALT = 'baraza-development-salt-change-me';

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
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    packsDirs: e.PACKS_DIR.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    indexDir: e.INDEX_DIR,
    modelsDir: e.MODELS_DIR,
    modelsRemoteHost: e.MODELS_REMOTE_HOST,
    models: { embedding: e.EMBEDDING_MODEL, generation: e.GENERATION_MODEL, translation: e.TRANSLATION_MODEL },
    publicBaseUrl: e.PUBLIC_BASE_URL,
    ussd: { deadlineMs: e.USSD_DEADLINE_MS, maxChars: e.USSD_MAX_CHARS },
    sms: { maxSegments: e.SMS_MAX_SEGMENTS },
    limits: {
      questionsPerMinute: e.RATE_LIMIT_PER_MINUTE,
      requestsPerMinutePerIp: e.IP_RATE_LIMIT_PER_MINUTE,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
    },
    trustedProxies: e.TRUSTED_PROXIES,
    africasTalking: {
      username: e.AT_USERNAME,
      apiKey: e.AT_API_KEY,
      shortcode: e.AT_SHORTCODE,
      webhookToken: e.AT_WEBHOOK_TOKEN,
      premiumKeyword: e.AT_PREMIUM_KEYWORD,
      allowedIps: e.AT_ALLOWED_IPS,
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
    piiSaltIsDefault: e.PII_SALT === undefined,
    sendMode: e.SEND_MODE,
    simulator: e.SIMULATOR ? e.SIMULATOR === 'on' : e.REDIS_URL === undefined || e.SEND_MODE === 'simulator',
    defaultCountry: e.DEFAULT_COUNTRY,
    logLevel: e.LOG_LEVEL,
    testing: {
      answerDelayMs: testOnly.data.BARAZA_TEST_ANSWER_DELAY_MS,
      workerLockMs: testOnly.data.BARAZA_TEST_WORKER_LOCK_MS,
    },
  };
}
