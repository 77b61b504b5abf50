/**
 * Markdown of pack entries rendered per channel. Entry bodies use a small subset (paragraphs, headings, "-",
 * "*", "+" and "1." list items, bold, italics, links, code); a full CommonMark parser would bring a tree and a
 * dependency to flatten it back into the few lines a phone shows, so this subset is read line by line here.
 *
 * - `plain` (USSD, SMS): every block on a line of its own; list items without their dash, numbered ones keep
 *   "1."; bold, italics and code markers dropped; a link keeps its text.
 * - `whatsapp`: WhatsApp's own formatting: *bold*, _italics_, "•" bullets, blank lines between blocks.
 */

export type MarkdownTarget = 'plain' | 'whatsapp';

/** One block of an entry body, inline markup still in place. */
export interface MarkdownBlock {
  kind: 'heading' | 'item' | 'text';
  /** The number of an ordered list item ("3." → 3). */
  ordinal?: number;
  text: string;
}

const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+•]\s+(.*)$/;
const ORDERED = /^\s*(\d{1,3})[.)]\s+(.*)$/;
const RULE = /^\s{0,3}(?:[-*_]\s*){3,}$/;
const FENCE = /^\s*(```|~~~)/;

/** The blocks of a Markdown text, in order: soft-wrapped lines joined, quotes and rules dropped. */
export function markdownBlocks(md: string): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  let open: MarkdownBlock | undefined;
  let inFence = false;
  for (const raw of md.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(raw)) {
      inFence = !inFence;
      open = undefined;
      continue;
    }
    const line = inFence ? raw.trim() : raw.replace(/^\s{0,3}(?:>\s?)+/, '');
    if (line.trim() === '' || (!inFence && RULE.test(line))) {
      open = undefined;
      continue;
    }
    const heading = inFence ? null : HEADING.exec(line);
    const bullet = inFence ? null : BULLET.exec(line);
    const ordered = inFence ? null : ORDERED.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', text: heading[1]! });
      open = undefined;
    } else if (bullet) {
      open = { kind: 'item', text: bullet[1]!.trim() };
      blocks.push(open);
    } else if (ordered) {
      open = { kind: 'item', ordinal: Number(ordered[1]), text: ordered[2]!.trim() };
      blocks.push(open);
    } else if (open && !inFence) {
      // A soft-wrapped line continues its paragraph or list item.
      open.text = `${open.text} ${line.trim()}`;
    } else {
      open = { kind: 'text', text: line.trim() };
      blocks.push(open);
      if (inFence) open = undefined;
    }
  }
  return blocks.filter((b) => b.text !== '');
}

const BOLD_OPEN = '\u0001';
const BOLD_CLOSE = '\u0002';

/** Inline markup of one block for a target: emphasis, code, links and images. */
export function renderInline(text: string, target: MarkdownTarget): string {
  let s = text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g, target === 'whatsapp' ? '$1 ($2)' : '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, `${BOLD_OPEN}$1${BOLD_CLOSE}`)
    .replace(/(^|[^\p{L}\p{N}_])__(?=\S)(.+?)(?<=\S)__(?![\p{L}\p{N}_])/gu, `$1${BOLD_OPEN}$2${BOLD_CLOSE}`)
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, target === 'whatsapp' ? '~$1~' : '$1');
  // Italics: *x* and _x_ (an underscore inside a word, snake_case, is not markup).
  const italic = target === 'whatsapp' ? '$1_$2_' : '$1$2';
  s = s
    .replace(/(^|[^*\p{L}\p{N}])\*(?=[^\s*])([^*]*?[^\s*])\*(?![*\p{L}\p{N}])/gu, italic)
    .replace(/(^|[^\p{L}\p{N}_])_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])/gu, italic);
  const bold = target === 'whatsapp' ? ['*', '*'] : ['', ''];
  return s.replaceAll(BOLD_OPEN, bold[0]!).replaceAll(BOLD_CLOSE, bold[1]!);
}

/** One block as a line of the target: a bullet or number for items, headings bold on WhatsApp. */
function renderBlock(block: MarkdownBlock, target: MarkdownTarget): string {
  const text = renderInline(block.text, target);
  if (block.kind === 'item') {
    if (block.ordinal !== undefined) return `${block.ordinal}. ${text}`;
    return target === 'whatsapp' ? `• ${text}` : text;
  }
  if (block.kind === 'heading' && target === 'whatsapp') return `*${text.replace(/\*/g, '')}*`;
  return text;
}

/**
 * A Markdown text for a channel: `plain` puts each block on its own line (USSD, SMS); `whatsapp` separates
 * paragraphs with a blank line and keeps a list's items together.
 */
export function renderMarkdown(md: string, target: MarkdownTarget): string {
  const blocks = markdownBlocks(md);
  if (target === 'plain') return blocks.map((b) => renderBlock(b, target)).join('\n');
  let out = '';
  blocks.forEach((b, i) => {
    if (i > 0) out += b.kind === 'item' && blocks[i - 1]!.kind === 'item' ? '\n' : '\n\n';
    out += renderBlock(b, target);
  });
  return out;
}
