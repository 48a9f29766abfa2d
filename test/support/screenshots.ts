import type { Browser } from 'playwright-core';

/** A PNG's size from its IHDR chunk (bytes 16–23), and a check that it is one. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export interface ColourSpread {
  /** Pixels close to the colour. */
  count: number;
  /** Their highest and lowest rows (0 at the top), or null when there are none. */
  top: number | null;
  bottom: number | null;
}

/**
 * Where colours appear in a screenshot: the PNG is decoded by the browser itself (a canvas in a page with
 * JavaScript on), so a test can say "the red limit line is above the blue readings" of what was drawn.
 */
export async function colourSpread(browser: Browser, png: Buffer, colours: Record<string, string>): Promise<Record<string, ColourSpread>> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(
      async ({ base64, colours }) => {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const draw = canvas.getContext('2d')!;
        draw.drawImage(bitmap, 0, 0);
        const { data, width } = draw.getImageData(0, 0, bitmap.width, bitmap.height);
        const result: Record<string, { count: number; top: number | null; bottom: number | null }> = {};
        for (const [name, hex] of Object.entries(colours)) {
          const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [number, number, number];
          const spread = { count: 0, top: null as number | null, bottom: null as number | null };
          for (let i = 0; i < data.length; i += 4) {
            // Close to the colour, allowing for anti-aliasing at a line's edges.
            if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) > 60) continue;
            const row = Math.floor(i / 4 / width);
            spread.count++;
            spread.top = spread.top === null ? row : Math.min(spread.top, row);
            spread.bottom = spread.bottom === null ? row : Math.max(spread.bottom, row);
          }
          result[name] = spread;
        }
        return result;
      },
      { base64: png.toString('base64'), colours },
    );
  } finally {
    await context.close();
  }
}
