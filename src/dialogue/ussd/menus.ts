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
        action: z.enum(['ask', 'topics', 'language', 'exit']),
        pack: z.string().optional(),
      }),
    )
    .min(1)
    .max(9),
  languages: z
    .array(z.object({ code: z.string().min(2), label: z.string().min(1) }))
    .min(1)
    .max(9),
});

/** Menus are data (src/dialogue/ussd/menu.yaml) so operators can re-order or point items at their own packs. */
export function loadUssdMenus(file = assetPath('src', 'dialogue', 'ussd', 'menu.yaml')): UssdMenus {
  const parsed = menuSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
