import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';

/**
 * `flightdeck teams package`: the uploadable Teams app package (manifest.json and the two icons,
 * zipped at the root), with the configured app id filled in as the app id and the bot id.
 */
export async function buildTeamsPackage(
  manifestDir: string,
  appId: string,
  options: { domain?: string } = {},
): Promise<{ zip: Uint8Array; manifest: Record<string, unknown> }> {
  const manifest = JSON.parse(await readFile(join(manifestDir, 'manifest.json'), 'utf8')) as Record<string, any>;
  manifest.id = appId;
  for (const bot of manifest.bots ?? []) bot.botId = appId;
  if (options.domain) manifest.validDomains = [options.domain];
  const files: Record<string, Uint8Array> = { 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest, null, 2)) };
  for (const icon of [manifest.icons.color, manifest.icons.outline] as string[]) files[icon] = new Uint8Array(await readFile(join(manifestDir, icon)));
  return { zip: zipSync(files, { level: 9 }), manifest };
}
