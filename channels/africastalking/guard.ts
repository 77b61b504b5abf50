import { BlockList, isIP } from 'node:net';
import type { RequestHandler } from 'express';
import type { AppContext } from '../../src/platform/context.js';
import { sameSecret } from '../../src/platform/secrets.js';
import { limitProviderAccount } from '../shared/account-limit.js';
import { ForbiddenError } from '../shared/errors.js';
import { markAuthenticated } from '../shared/http.js';

/**
 * Africa's Talking does not sign its callbacks. When AT_WEBHOOK_TOKEN is set, every AT route requires
 * `?token=<it>`; when AT_ALLOWED_IPS is set, only those addresses or CIDR ranges may call.
 */
function allowedAddresses(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

function addressAllowed(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const addr = mapped ?? ip;
  const type = isIP(addr);
  if (type === 0) return false;
  return list.check(addr, type === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The embedded default (simulator on, no live credentials) accepts unauthenticated AT callbacks so README's quick
 * start (`curl .../channels/africastalking/ussd`) works; start-up says so (startupWarnings). Nothing real can be
 * reached that way: every reply goes to the simulator outbox.
 */
function atOpenForSimulator(config: AppContext['config']): boolean {
  return config.africasTalking.inboundAuth === 'refuse' && config.simulator && config.liveCredentials.length === 0;
}

/** Middleware in front of every Africa's Talking route (`route` labels its rejections in the metrics). */
export function atGuard(ctx: AppContext, route: string): RequestHandler {
  const { webhookToken, allowedIps, inboundAuth } = ctx.config.africasTalking;
  const allowed = allowedAddresses(allowedIps);
  const refuseAll = inboundAuth === 'refuse' && !atOpenForSimulator(ctx.config);
  // One AT account per deployment: its callbacks carry no account id, so the budget is AT_USERNAME's.
  const account = ctx.config.africasTalking.username ?? 'default';
  return async function africasTalkingGuard(req, _res, next) {
    if (refuseAll) {
      return next(
        new ForbiddenError(
          "Africa's Talking routes are closed: set AT_WEBHOOK_TOKEN or AT_ALLOWED_IPS (or AT_ALLOW_UNAUTHENTICATED=true for a trial)",
          { route, reason: 'unconfigured' },
        ),
      );
    }
    if (allowed && !addressAllowed(allowed, req.ip ?? '')) {
      ctx.log.warn({ route }, "Africa's Talking callback from an address outside AT_ALLOWED_IPS");
      return next(new ForbiddenError('source address is not in AT_ALLOWED_IPS', { route, reason: 'ip' }));
    }
    if (webhookToken !== undefined) {
      const token = (req.query as Record<string, unknown> | undefined)?.token;
      if (typeof token !== 'string' || token === '') {
        return next(new ForbiddenError("query parameter 'token' is required", { route, reason: 'token' }));
      }
      if (!sameSecret(token, webhookToken)) {
        return next(new ForbiddenError("query parameter 'token' is wrong", { route, reason: 'token' }));
      }
    }
    // Open by choice (or the simulator default) authenticates nobody: the per-IP limit still counts those.
    if (allowed || webhookToken !== undefined) {
      markAuthenticated(req);
      await limitProviderAccount(ctx, route, 'africastalking', account);
    }
    next();
  };
}
