/** Meta lets a business send free-form messages only within 24 h of the user's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Stop a little early: a reply queued at 23:59:59 may reach Meta after the window has closed. */
const WINDOW_SAFETY_MS = 60 * 1000;

/** True when a free-form message may be sent now; unknown or unreadable times count as closed. */
export function windowOpen(lastInboundAt: string | undefined, now: Date | number): boolean {
  if (!lastInboundAt) return false;
  const last = Date.parse(lastInboundAt);
  if (Number.isNaN(last)) return false;
  const t = typeof now === 'number' ? now : now.getTime();
  return t - last < WHATSAPP_WINDOW_MS - WINDOW_SAFETY_MS;
}
