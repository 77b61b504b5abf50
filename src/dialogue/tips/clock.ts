import ct from 'countries-and-timezones';
import { countryOf } from '../../core/messages/index.js';

/** Tips go out between 07:00 and 21:00 in the subscriber's time zone; 21:00–07:00 is quiet. */
const DELIVERY_HOURS = { start: 7, end: 21 } as const;

/** The subscriber's IANA time zone from the number's country (the first listed zone), else the default country's. */
export function timeZoneFor(phone: string, defaultCountry: string): string {
  for (const country of [countryOf(phone), defaultCountry]) {
    const zone = country ? ct.getCountry(country)?.timezones[0] : undefined;
    if (zone) return zone;
  }
  return 'UTC';
}

export interface LocalClock {
  /** YYYY-MM-DD in the zone: one tip per local date. */
  date: string;
  hour: number;
  minute: number;
}

export function localClock(now: Date, timeZone: string): LocalClock {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
}

export function inDeliveryHours(clock: Pick<LocalClock, 'hour'>): boolean {
  return clock.hour >= DELIVERY_HOURS.start && clock.hour < DELIVERY_HOURS.end;
}
