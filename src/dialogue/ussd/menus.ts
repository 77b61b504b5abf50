import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { assetPath } from '../../platform/paths.js';
import type { UssdMenus } from './machine.js';

const menuSchema = z.object({
  main: z
    .array(
      z.object({
        label: z.string().min(1),
        action: z.enum(['ask', 'browse', 'language', 'exit']),
      }),
    )
    .min(1)
    .max(9)
    .refine((items) => items.filter((i) => i.action === 'browse').length <= 1, 'at most one "browse" item'),
  languages: z
    .array(z.object({ code: z.string().min(2), label: z.string().min(1) }))
    .min(1)
    .max(9),
});

/** The menu frame is data (src/dialogue/ussd/menu.yaml) so operators can re-order it; the packs fill `browse`. */
export function loadUssdMenus(file = assetPath('src', 'dialogue', 'ussd', 'menu.yaml')): UssdMenus {
  const parsed = menuSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
