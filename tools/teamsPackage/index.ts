// The Teams app package: manifest/teams/manifest.json with its placeholders filled from the
// environment, checked offline against the newest Teams schema that @microsoft/app-manifest
// bundles, zipped with the two icons. See manifest/teams/README.md.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { strToU8, zipSync } from 'fflate';
import { PngError, readPng, type PngImage } from './png.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MANIFEST_DIR = join(ROOT, 'manifest', 'teams');
export const DEFAULT_OUT = join(ROOT, 'dist', 'license-desk-teams.zip');

/** A missing or bad environment variable: the message names it and says what it expects. */
export class PackageConfigError extends Error {}

/** The manifest or the icons are not fit to ship; `problems` lists every one. */
export class PackageError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

type Env = Record<string, string | undefined>;

/** What fills the manifest's `{{NAME}}` placeholders. */
export interface PackageValues {
  MICROSOFT_APP_ID: string;
  TEAMS_DEVELOPER_NAME: string;
  TEAMS_WEBSITE_URL: string;
  TEAMS_PRIVACY_URL: string;
  TEAMS_TERMS_URL: string;
  VERSION: string;
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function httpsUrl(name: string, raw: string | undefined): string {
  if (raw === undefined) throw new PackageConfigError(`${name} must be an https URL (e.g. https://intranet.example.org/license-desk); it is not set.`);
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || raw.length > 2048) {
    throw new PackageConfigError(`${name} must be an https URL of at most 2048 characters; got "${raw}".`);
  }
  return raw;
}

/**
 * The placeholder values from the environment. MICROSOFT_APP_ID and TEAMS_WEBSITE_URL are
 * required; the privacy and terms pages default to the website.
 */
export function readPackageValues(env: Env, version: string): PackageValues {
  const appId = optional(env, 'MICROSOFT_APP_ID');
  if (appId === undefined) {
    throw new PackageConfigError("MICROSOFT_APP_ID must be the bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000; it is not set.");
  }
  if (!GUID.test(appId)) {
    throw new PackageConfigError(`MICROSOFT_APP_ID must be the bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000; got "${appId}".`);
  }
  const developer = optional(env, 'TEAMS_DEVELOPER_NAME') ?? 'License Desk';
  if (developer.length > 32) throw new PackageConfigError(`TEAMS_DEVELOPER_NAME must be at most 32 characters; got ${developer.length}.`);
  const website = httpsUrl('TEAMS_WEBSITE_URL', optional(env, 'TEAMS_WEBSITE_URL'));
  return {
    MICROSOFT_APP_ID: appId,
    TEAMS_DEVELOPER_NAME: developer,
    TEAMS_WEBSITE_URL: website,
    TEAMS_PRIVACY_URL: httpsUrl('TEAMS_PRIVACY_URL', optional(env, 'TEAMS_PRIVACY_URL') ?? website),
    TEAMS_TERMS_URL: httpsUrl('TEAMS_TERMS_URL', optional(env, 'TEAMS_TERMS_URL') ?? website),
    VERSION: version,
  };
}

/**
 * A copy of the template with every `{{NAME}}` in its strings replaced. Values are put in
 * after parsing, so no value can break the JSON. An unknown placeholder throws.
 */
export function fillManifest<T>(template: T, values: Readonly<Record<string, string>>): T {
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (_, name: string) => {
        const value = values[name];
        if (value === undefined) throw new Error(`The manifest has a placeholder {{${name}}} that nothing fills.`);
        return value;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)]));
    return node;
  };
  return fill(template) as T;
}

// ---- the schemas bundled with @microsoft/app-manifest ----------------------------------

export interface BundledSchema {
  /** As in manifestVersion: "1.30". */
  version: string;
  /** The file in node_modules. */
  path: string;
  /** The URL that goes in the manifest's $schema. */
  url: string;
}

function teamsSchemasDir(): string {
  const entry = createRequire(import.meta.url).resolve('@microsoft/app-manifest');
  return join(dirname(entry), 'json-schemas', 'teams');
}

function bundled(version: string): BundledSchema {
  return {
    version,
    path: join(teamsSchemasDir(), `v${version}`, 'MicrosoftTeams.schema.json'),
    url: `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`,
  };
}

/** Every released Teams schema version bundled (not devPreview), oldest first. */
export function bundledSchemaVersions(): string[] {
  return readdirSync(teamsSchemasDir())
    .map((name) => /^v(\d+)\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [Number(match[1]), Number(match[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([major, minor]) => `${major}.${minor}`)
    .filter((version) => existsSync(bundled(version).path));
}

export function newestBundledSchema(): BundledSchema {
  const versions = bundledSchemaVersions();
  const newest = versions[versions.length - 1];
  if (newest === undefined) throw new Error(`No Teams schema found in ${teamsSchemasDir()}.`);
  return bundled(newest);
}

// ---- checks ------------------------------------------------------------------------------

/** Limits Teams applies to bot commands beyond the schema's own. */
export const COMMAND_LIMITS = { commands: 10, title: 32, description: 128 } as const;

interface BotCommand {
  title?: unknown;
  description?: unknown;
}
interface ManifestShape {
  $schema?: unknown;
  manifestVersion?: unknown;
  version?: unknown;
  icons?: { color?: unknown; outline?: unknown };
  bots?: { commandLists?: { commands?: BotCommand[] }[] }[];
}

function teamsRules(manifest: ManifestShape): string[] {
  const problems: string[] = [];
  if (typeof manifest.version === 'string' && !/^\d+\.\d+\.\d+$/.test(manifest.version)) {
    problems.push(`/version must be MAJOR.MINOR.PATCH for Teams; got "${manifest.version}".`);
  }
  (manifest.bots ?? []).forEach((bot, b) =>
    (bot.commandLists ?? []).forEach((list, l) => {
      const at = `/bots/${b}/commandLists/${l}`;
      const commands = list.commands ?? [];
      if (commands.length > COMMAND_LIMITS.commands) problems.push(`${at}/commands has ${commands.length} commands; Teams shows at most ${COMMAND_LIMITS.commands}.`);
      commands.forEach((command, c) => {
        if (typeof command.title === 'string' && command.title.length > COMMAND_LIMITS.title) {
          problems.push(`${at}/commands/${c}/title must be at most ${COMMAND_LIMITS.title} characters for Teams.`);
        }
        if (typeof command.description === 'string' && command.description.length > COMMAND_LIMITS.description) {
          problems.push(`${at}/commands/${c}/description must be at most ${COMMAND_LIMITS.description} characters for Teams.`);
        }
      });
    }),
  );
  const leftover = JSON.stringify(manifest).match(PLACEHOLDER);
  if (leftover) problems.push(`placeholders left unfilled: ${[...new Set(leftover)].join(', ')}.`);
  return problems;
}

type Schema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

/**
 * Every problem with a filled manifest, offline: the JSON schema bundled for its
 * manifestVersion (validated by @microsoft/app-manifest, which runs Ajv), then the limits
 * Teams adds. An empty list means it is fit to ship.
 */
export async function validateManifest(manifest: unknown): Promise<string[]> {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) return ['the manifest is not a JSON object.'];
  const shape = manifest as ManifestShape;
  const version = shape.manifestVersion;
  if (typeof version !== 'string') return ['/manifestVersion is missing.'];
  const schema = bundled(version);
  if (!existsSync(schema.path)) {
    return [`/manifestVersion "${version}" has no schema bundled with @microsoft/app-manifest (newest: ${newestBundledSchema().version}).`];
  }
  const problems: string[] = [];
  if (shape.$schema !== undefined && shape.$schema !== schema.url) problems.push(`/$schema should be ${schema.url} for manifestVersion ${version}.`);
  const json = JSON.parse(await readFile(schema.path, 'utf8')) as Schema;
  const failures = await AppManifestUtils.validateAgainstSchema(manifest as AppManifest, json);
  problems.push(...failures.map((failure) => (failure.startsWith(' ') ? `(root)${failure}` : failure)));
  problems.push(...teamsRules(shape));
  return problems;
}

export const ICON_SIZES = { color: 192, outline: 32 } as const;

/**
 * Problems with the icons the manifest names, looked for in `dir`: each must be a plain
 * file name (the package is flat), a PNG of the right size; the outline must be white on
 * transparent (every pixel white or fully transparent).
 */
export async function checkIcons(dir: string, manifest: unknown): Promise<string[]> {
  const icons = (manifest as ManifestShape | null)?.icons;
  const problems: string[] = [];
  for (const kind of ['color', 'outline'] as const) {
    const name = icons?.[kind];
    if (typeof name !== 'string') {
      problems.push(`icons.${kind} is not set.`);
      continue;
    }
    if (basename(name) !== name || name === '..' || name === '.') {
      problems.push(`icons.${kind} must be a file name at the package root; got "${name}".`);
      continue;
    }
    const file = join(dir, name);
    if (!existsSync(file)) {
      problems.push(`icons.${kind}: no file ${file}.`);
      continue;
    }
    let image: PngImage;
    try {
      image = readPng(await readFile(file));
    } catch (error) {
      if (!(error instanceof PngError)) throw error;
      problems.push(`${name}: ${error.message}.`);
      continue;
    }
    const size = ICON_SIZES[kind];
    if (image.width !== size || image.height !== size) {
      problems.push(`${name} must be ${size}×${size} pixels; it is ${image.width}×${image.height}.`);
    }
    if (kind === 'outline') {
      const { rgba } = image;
      let offending = 0;
      for (let i = 0; i < rgba.length; i += 4) {
        if (rgba[i + 3] !== 0 && (rgba[i] !== 255 || rgba[i + 1] !== 255 || rgba[i + 2] !== 255)) offending++;
      }
      if (offending > 0) problems.push(`${name} must be white on a transparent background; ${offending} pixels are visible and not white.`);
    }
  }
  return problems;
}

// ---- the package -------------------------------------------------------------------------

export interface BuildOptions {
  env: Env;
  /** Where the zip goes; its folder is created. */
  outPath: string;
  /** Where manifest.json and the icons are; manifest/teams by default. */
  sourceDir?: string;
  /** The app version; package.json's by default. */
  version?: string;
}

export interface BuiltPackage {
  outPath: string;
  manifest: Record<string, unknown>;
  entries: string[];
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version.');
  return pkg.version;
}

/**
 * Fills, validates and zips. Throws PackageConfigError for a bad environment and
 * PackageError (listing every problem) for a manifest or icons unfit to ship; in either
 * case nothing is written.
 */
export async function buildPackage(options: BuildOptions): Promise<BuiltPackage> {
  const sourceDir = options.sourceDir ?? MANIFEST_DIR;
  const values = readPackageValues(options.env, options.version ?? (await packageVersion()));
  const templateFile = join(sourceDir, 'manifest.json');
  let template: Record<string, unknown>;
  try {
    template = JSON.parse(await readFile(templateFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PackageError(`Cannot read ${templateFile}.`, [(error as Error).message]);
  }
  let manifest: Record<string, unknown>;
  try {
    manifest = fillManifest(template, { ...values });
  } catch (error) {
    throw new PackageError('The manifest cannot be filled.', [(error as Error).message]);
  }
  const problems = [...(await validateManifest(manifest)), ...(await checkIcons(sourceDir, manifest))];
  if (problems.length > 0) throw new PackageError(`The Teams package was not written: ${problems.length} problem(s).`, problems);

  const icons = manifest.icons as { color: string; outline: string };
  const files: Record<string, Uint8Array> = { 'manifest.json': strToU8(`${JSON.stringify(manifest, null, 2)}\n`) };
  for (const name of [icons.color, icons.outline]) files[name] = await readFile(join(sourceDir, name));
  await mkdir(dirname(options.outPath), { recursive: true });
  await writeFile(options.outPath, zipSync(files, { level: 9 }));
  return { outPath: options.outPath, manifest, entries: Object.keys(files) };
}
