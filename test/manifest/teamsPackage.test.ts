// The Teams app package: the manifest against the newest schema @microsoft/app-manifest
// bundles, the icons, and the zip `npm run package:teams` writes. No database needed.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { strFromU8, unzipSync } from 'fflate';
import {
  buildPackage,
  checkIcons,
  fillManifest,
  MANIFEST_DIR,
  newestBundledSchema,
  PackageConfigError,
  PackageError,
  readPackageValues,
  validateManifest,
  type PackageValues,
} from '../../tools/teamsPackage/index.js';
import { readPng } from '../../tools/teamsPackage/png.js';

interface Command {
  title: string;
  description?: string;
}
interface Manifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  name: { short: string; full: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  accentColor?: string;
  developer?: Record<string, string>;
  bots: { botId: string; scopes: string[]; supportsFiles: boolean; isNotificationOnly: boolean; commandLists: { scopes: string[]; commands: Command[] }[] }[];
  validDomains: string[];
  [key: string]: unknown;
}

const COMMANDS = ['apply', 'status', 'pause', 'ready', 'release', 'withdraw', 'merge accounts', 'faq', 'help'];
const APP_ID = '0b7c5a1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b';
const ENV = { MICROSOFT_APP_ID: APP_ID, TEAMS_WEBSITE_URL: 'https://intranet.example.org/license-desk' };
const VALUES: PackageValues = {
  MICROSOFT_APP_ID: APP_ID,
  TEAMS_DEVELOPER_NAME: 'License Desk',
  TEAMS_WEBSITE_URL: 'https://intranet.example.org/license-desk',
  TEAMS_PRIVACY_URL: 'https://intranet.example.org/license-desk/privacy',
  TEAMS_TERMS_URL: 'https://intranet.example.org/license-desk/terms',
  VERSION: '0.1.0',
};

const template = (): Manifest => JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8')) as Manifest;
const filled = (): Manifest => fillManifest(template(), { ...VALUES });

/** The Teams schema versions in the installed package, found here independently of the tool. */
function bundledTeamsVersions(): { dir: string; versions: string[] } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@microsoft/app-manifest')), 'json-schemas', 'teams');
  const versions = readdirSync(dir)
    .map((name) => /^v(\d+)\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [Number(match[1]), Number(match[2])])
    .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
    .map(([major, minor]) => `${major}.${minor}`);
  return { dir, versions };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('the Teams app package', function () {
  // Ajv compiles the (large) Teams schema on each validation.
  this.timeout(60_000);

  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'license-desk-teams-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  describe('the manifest', () => {
    it('is on the newest Teams schema the installed @microsoft/app-manifest bundles', () => {
      const { versions } = bundledTeamsVersions();
      const newest = versions[versions.length - 1]!;
      expect(versions.length).to.be.greaterThan(1);
      expect(template().manifestVersion).to.equal(newest);
      expect(template().$schema).to.equal(`https://developer.microsoft.com/json-schemas/teams/v${newest}/MicrosoftTeams.schema.json`);
      expect(newestBundledSchema().version).to.equal(newest);
    });

    it('validates, once filled, against that bundled schema', async () => {
      const manifest = filled();
      expect(await validateManifest(manifest)).to.deep.equal([]);
      // And straight through the library, with the schema file read here.
      const { dir, versions } = bundledTeamsVersions();
      const schema = JSON.parse(readFileSync(join(dir, `v${versions[versions.length - 1]}`, 'MicrosoftTeams.schema.json'), 'utf8')) as Parameters<
        typeof AppManifestUtils.validateAgainstSchema
      >[1];
      expect(await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema)).to.deep.equal([]);
    });

    it('is a personal-scope bot with the nine commands, within Teams limits', () => {
      const manifest = template();
      expect(manifest.bots).to.have.length(1);
      const [bot] = manifest.bots;
      expect(bot!.botId).to.equal('{{MICROSOFT_APP_ID}}');
      expect(bot!.scopes).to.deep.equal(['personal']);
      expect(bot!.supportsFiles).to.equal(false);
      expect(bot!.isNotificationOnly).to.equal(false);
      expect(bot!.commandLists).to.have.length(1);
      const [list] = bot!.commandLists;
      expect(list!.scopes).to.deep.equal(['personal']);
      expect(list!.commands.length).to.be.at.most(10);
      expect(list!.commands.map((command) => command.title)).to.deep.equal(COMMANDS);
      for (const command of list!.commands) {
        expect(command.title.length, command.title).to.be.at.most(32);
        expect(command.description, command.title).to.be.a('string').and.not.equal('');
        expect(command.description!.length, command.title).to.be.at.most(128);
      }
      expect(manifest.staticTabs).to.equal(undefined);
      expect(manifest.composeExtensions).to.equal(undefined);
      expect(manifest.validDomains).to.deep.equal([]);
    });

    it('names and describes the app within the limits', () => {
      const manifest = template();
      expect(manifest.name).to.deep.equal({ short: 'License Desk', full: 'License Desk — Coursera licenses' });
      expect(manifest.description.short.length).to.be.at.most(80);
      expect(manifest.description.full.length).to.be.at.most(4000);
      expect(manifest.description.full).to.include('Coursera for Business');
      expect(manifest.accentColor).to.match(/^#[0-9a-fA-F]{6}$/);
      expect(manifest.id).to.match(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/);
    });

    it('is reported invalid without a required field or with a bad value', async () => {
      const noAccent = filled();
      delete noAccent.accentColor;
      const problems = await validateManifest(noAccent);
      expect(problems.some((problem) => problem.includes("required property 'accentColor'")), problems.join('\n')).to.equal(true);

      const badBot = filled();
      badBot.bots[0]!.botId = 'not-a-guid';
      expect((await validateManifest(badBot)).some((problem) => problem.startsWith('/bots/0/botId'))).to.equal(true);

      const tooMany = filled();
      tooMany.bots[0]!.commandLists[0]!.commands.push({ title: 'one' }, { title: 'two' });
      expect((await validateManifest(tooMany)).some((problem) => problem.includes('at most 10'))).to.equal(true);

      expect((await validateManifest(template())).some((problem) => problem.includes('{{MICROSOFT_APP_ID}}'))).to.equal(true);
    });

    it('refuses to fill a placeholder it has no value for', () => {
      expect(() => fillManifest({ a: '{{NOPE}}' }, { ...VALUES })).to.throw('{{NOPE}}');
    });
  });

  describe('the icons', () => {
    it('are 192×192 (colour) and 32×32 (outline), the outline white on transparent', async () => {
      const color = readPng(await readFile(join(MANIFEST_DIR, 'color.png')));
      expect([color.width, color.height]).to.deep.equal([192, 192]);
      const outline = readPng(await readFile(join(MANIFEST_DIR, 'outline.png')));
      expect([outline.width, outline.height]).to.deep.equal([32, 32]);
      let visible = 0;
      for (let i = 0; i < outline.rgba.length; i += 4) {
        const [r, g, b, a] = outline.rgba.subarray(i, i + 4);
        if (a === 0) continue;
        visible++;
        expect([r, g, b], `pixel ${i / 4}`).to.deep.equal([255, 255, 255]);
      }
      expect(visible).to.be.greaterThan(0);
      expect(visible).to.be.lessThan(32 * 32);
      expect(await checkIcons(MANIFEST_DIR, template())).to.deep.equal([]);
    });

    it('are refused at the wrong size or, for the outline, in colour', async () => {
      const dir = await mkdtemp(join(scratch, 'icons-'));
      await copyFile(join(MANIFEST_DIR, 'outline.png'), join(dir, 'color.png'));
      await copyFile(join(MANIFEST_DIR, 'color.png'), join(dir, 'outline.png'));
      const problems = await checkIcons(dir, template());
      expect(problems.some((problem) => problem.startsWith('color.png must be 192×192'))).to.equal(true);
      expect(problems.some((problem) => problem.startsWith('outline.png must be 32×32'))).to.equal(true);
      expect(problems.some((problem) => problem.startsWith('outline.png must be white on a transparent background'))).to.equal(true);
    });
  });

  describe('buildPackage', () => {
    it('writes a zip of the filled manifest and the two icons', async () => {
      const outPath = join(scratch, 'out', 'license-desk-teams.zip');
      const built = await buildPackage({ env: ENV, outPath });
      expect(built.outPath).to.equal(outPath);

      const entries = unzipSync(await readFile(outPath));
      expect(Object.keys(entries).sort()).to.deep.equal(['color.png', 'manifest.json', 'outline.png']);
      const text = strFromU8(entries['manifest.json']!);
      expect(text).not.to.include('{{');
      const manifest = JSON.parse(text) as Manifest;
      const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
      expect(manifest.version).to.equal(pkg.version);
      expect(manifest.bots[0]!.botId).to.equal(APP_ID);
      expect(manifest.developer).to.deep.equal({
        name: 'License Desk',
        websiteUrl: ENV.TEAMS_WEBSITE_URL,
        privacyUrl: ENV.TEAMS_WEBSITE_URL,
        termsOfUseUrl: ENV.TEAMS_WEBSITE_URL,
      });
      expect(await validateManifest(manifest)).to.deep.equal([]);
      expect(Buffer.from(entries['color.png']!).equals(await readFile(join(MANIFEST_DIR, 'color.png')))).to.equal(true);
      expect(Buffer.from(entries['outline.png']!).equals(await readFile(join(MANIFEST_DIR, 'outline.png')))).to.equal(true);
    });

    it('refuses a missing or bad MICROSOFT_APP_ID, naming the variable, and writes nothing', async () => {
      const outPath = join(scratch, 'refused.zip');
      for (const appId of [undefined, '', 'not-a-guid', '0b7c5a1e2f3d4e5f8a9b0c1d2e3f4a5b']) {
        const error = await rejection(buildPackage({ env: { ...ENV, MICROSOFT_APP_ID: appId }, outPath }));
        expect(error, String(appId)).to.be.instanceOf(PackageConfigError);
        expect(error.message).to.match(/^MICROSOFT_APP_ID must be .*GUID/);
      }
      expect(existsSync(outPath)).to.equal(false);
    });

    it('requires an https website URL and defaults the privacy and terms pages to it', () => {
      expect(() => readPackageValues({ MICROSOFT_APP_ID: APP_ID }, '1.0.0')).to.throw(PackageConfigError, /^TEAMS_WEBSITE_URL/);
      expect(() => readPackageValues({ ...ENV, TEAMS_WEBSITE_URL: 'http://example.org' }, '1.0.0')).to.throw(PackageConfigError, /^TEAMS_WEBSITE_URL must be an https URL/);
      expect(() => readPackageValues({ ...ENV, TEAMS_TERMS_URL: 'terms' }, '1.0.0')).to.throw(PackageConfigError, /^TEAMS_TERMS_URL/);
      expect(() => readPackageValues({ ...ENV, TEAMS_DEVELOPER_NAME: 'x'.repeat(33) }, '1.0.0')).to.throw(PackageConfigError, /^TEAMS_DEVELOPER_NAME/);
      const values = readPackageValues({ ...ENV, TEAMS_PRIVACY_URL: VALUES.TEAMS_PRIVACY_URL }, '1.0.0');
      expect(values.TEAMS_PRIVACY_URL).to.equal(VALUES.TEAMS_PRIVACY_URL);
      expect(values.TEAMS_TERMS_URL).to.equal(ENV.TEAMS_WEBSITE_URL);
    });

    it('refuses an invalid manifest, listing the problems, and writes nothing', async () => {
      const sourceDir = await mkdtemp(join(scratch, 'broken-'));
      const broken = template();
      delete broken.developer;
      await writeFile(join(sourceDir, 'manifest.json'), JSON.stringify(broken));
      for (const icon of ['color.png', 'outline.png']) await copyFile(join(MANIFEST_DIR, icon), join(sourceDir, icon));
      const outPath = join(scratch, 'broken.zip');
      const error = await rejection(buildPackage({ env: ENV, outPath, sourceDir }));
      expect(error).to.be.instanceOf(PackageError);
      expect((error as PackageError).problems.some((problem) => problem.includes("required property 'developer'"))).to.equal(true);
      expect(existsSync(outPath)).to.equal(false);
    });
  });

  describe('npm run package:teams', () => {
    const run = (env: Record<string, string>, ...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'tools/teamsPackage/main.ts', ...args],
          { env: { ...process.env, ...env }, timeout: 60_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });

    it('exits with 2 and one line naming MICROSOFT_APP_ID when it is not a GUID', async () => {
      const outPath = join(scratch, 'cli-refused.zip');
      const result = await run({ ...ENV, MICROSOFT_APP_ID: 'bot-app-id' }, '--out', outPath);
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.match(/^MICROSOFT_APP_ID must be .*GUID.*"bot-app-id"/);
      expect(existsSync(outPath)).to.equal(false);
    });

    it('writes the zip where --out says', async () => {
      const outPath = join(scratch, 'cli', 'teams.zip');
      const result = await run(ENV, '--out', outPath);
      expect(result.code, result.stderr).to.equal(0);
      expect(Object.keys(unzipSync(await readFile(outPath))).sort()).to.deep.equal(['color.png', 'manifest.json', 'outline.png']);
    });
  });
});
