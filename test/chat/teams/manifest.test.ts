import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildTeamsPackage } from '../../../src/chat/teams/package.ts';
import { PROJECT_ROOT } from '../../../src/runtime.ts';
import { HELP_LINES } from '../../../src/domain/command.ts';

const dir = join(PROJECT_ROOT, 'manifests/teams');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

describe('the Teams app package', () => {
  it('manifest.json validates against Microsoft’s published schema, offline', async () => {
    expect(await AppManifestUtils.validateAgainstSchema(manifest)).toEqual([]);
  });

  it('the validation can fail: a bot without scopes is refused', async () => {
    const broken = structuredClone(manifest);
    delete broken.bots[0].scopes;
    expect((await AppManifestUtils.validateAgainstSchema(broken)).length).toBeGreaterThan(0);
  });

  it('declares the /deploy commands in commandLists as the grammar knows them, within Teams’ limit of 10', () => {
    const titles = manifest.bots[0].commandLists[0].commands.map((command: { title: string }) => command.title);
    // One entry per verb: both rollbacks (a run, a finished deployment) share "deploy rollback".
    const verbs = [...new Set(HELP_LINES.map((line) => line.split(' ')[1]))];
    expect(titles.length).toBeLessThanOrEqual(10);
    // Teams lists at most 10; the rarer verbs (resume, locks) are still understood, and `deploy help` lists them.
    expect(verbs.map((verb) => `deploy ${verb}`).filter((title) => !titles.includes(title))).toEqual(['deploy resume', 'deploy locks']);
    expect(titles.filter((title: string) => !verbs.includes(title.replace('deploy ', '')))).toEqual([]);
  });

  it('zips the manifest with the app id filled in and both icons, and the packaged manifest validates', async () => {
    const appId = '11111111-2222-4333-8444-555555555555';
    const { zip } = await buildTeamsPackage(dir, appId);
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const packaged = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    expect(packaged.id).toBe(appId);
    expect(packaged.bots[0].botId).toBe(appId);
    expect(await AppManifestUtils.validateAgainstSchema(packaged)).toEqual([]);
    expect(Buffer.from(files['color.png']!).subarray(16, 24)).toEqual(Buffer.from([0, 0, 0, 192, 0, 0, 0, 192]));
    expect(Buffer.from(files['outline.png']!).subarray(16, 24)).toEqual(Buffer.from([0, 0, 0, 32, 0, 0, 0, 32]));
  });
});
