/**
 * Cuts text to at most `max` UTF-16 units (what Slack and Teams count), ellipsis included, at a grapheme
 * boundary: never through a surrogate pair, a flag, a skin tone or a ZWJ emoji (👩‍💻), which a platform
 * would show as a broken glyph or refuse.
 */
const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const budget = max - ELLIPSIS.length;
  let kept = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (kept + segment.length > budget) break;
    kept += segment.length;
  }
  return text.slice(0, kept) + ELLIPSIS;
}
