// Configuration, read and checked once at start-up. A missing or bad setting stops the
// process with one line that names the variable and says what it expects.
import type { CourseraConfig } from '../services/coursera.js';
import { LOG_LEVELS, type LogLevel } from '../services/log.js';

export interface Config {
  port: number;
  host: string;
  /** Unset: a local database is found or started (tools/localDatabase). */
  mongodbUri?: string;
  /** Where the local database keeps its data between runs. */
  dataDir: string;
  logLevel: LogLevel;
  /** Unset: learning activity comes from reports admins import. */
  coursera?: CourseraConfig;
  /** The Azure Bot registration. Unset: a local run that checks no tokens (never expose it). */
  teams?: TeamsAuthConfig;
  /** Instances of the bot that may deliver notices at the same time; each keeps to its share of the per-app limits. */
  deliveryInstances: number;
  /** The Slack app. Unset: no Slack direct messages for people Teams cannot reach. */
  slack?: SlackConfig;
}

export interface SlackConfig {
  /** The bot token (xoxb-…); never logged. */
  botToken: string;
  /** The Web API base, ending in /api/ (a local fake in development). */
  apiUrl: string;
  /** The admin console (/coursera at /slack/events); unset: no console. */
  console?: SlackConsoleConfig;
}

export interface SlackConsoleConfig {
  /** Checks that requests come from Slack, and signs confirmation buttons; never logged. */
  signingSecret: string;
  /** Slack user ids (U…/W…) allowed to use the console. */
  adminUsers: string[];
  /** A Slack user group (S…) whose members may use it too. */
  adminGroup?: string;
}

export const TEAMS_APP_TYPES = ['SingleTenant', 'UserAssignedMSI', 'MultiTenant'] as const;

/** The identity the bot proves to Teams and checks on incoming requests. */
export interface TeamsAuthConfig {
  appType: (typeof TEAMS_APP_TYPES)[number];
  appId: string;
  /** The client secret (SingleTenant, MultiTenant); a managed identity has none. */
  appPassword?: string;
  tenantId?: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name} must be a port number from 0 to 65535; got "${raw}".`);
  }
  return value;
}

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${raw}".`);
  return raw as T;
}

function mongodbUri(env: Env): string | undefined {
  const raw = optional(env, 'MONGODB_URI');
  if (raw !== undefined && !/^mongodb(\+srv)?:\/\/[^/\s]+/.test(raw)) {
    // The value itself is not echoed: it may hold a password.
    throw new ConfigError('MONGODB_URI must be a MongoDB connection string starting with mongodb:// or mongodb+srv://.');
  }
  return raw;
}

const COURSERA_REQUIRED = ['COURSERA_CLIENT_ID', 'COURSERA_CLIENT_SECRET', 'COURSERA_ORG_ID', 'COURSERA_PROGRAM_ID'] as const;

function httpsUrl(env: Env, name: string, fallback: string): string {
  const raw = optional(env, name) ?? fallback;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) throw new ConfigError(`${name} must be an http(s) URL; got "${raw}".`);
  return raw;
}

/** All four Coursera credentials, or none. The secret is never echoed. */
function coursera(env: Env): CourseraConfig | undefined {
  const present = COURSERA_REQUIRED.filter((name) => optional(env, name) !== undefined);
  if (present.length === 0) return undefined;
  if (present.length < COURSERA_REQUIRED.length) {
    const missing = COURSERA_REQUIRED.filter((name) => !present.includes(name));
    throw new ConfigError(`Coursera API access needs ${COURSERA_REQUIRED.join(', ')}; missing ${missing.join(', ')}.`);
  }
  return {
    clientId: optional(env, 'COURSERA_CLIENT_ID')!,
    clientSecret: optional(env, 'COURSERA_CLIENT_SECRET')!,
    orgId: optional(env, 'COURSERA_ORG_ID')!,
    programId: optional(env, 'COURSERA_PROGRAM_ID')!,
    apiUrl: httpsUrl(env, 'COURSERA_API_URL', 'https://api.coursera.com/ent'),
    tokenUrl: httpsUrl(env, 'COURSERA_TOKEN_URL', 'https://api.coursera.com/oauth2/client_credentials/token'),
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function guid(env: Env, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw !== undefined && !GUID.test(raw)) throw new ConfigError(`${name} must be a GUID such as 00000000-0000-0000-0000-000000000000; got "${raw}".`);
  return raw;
}

/**
 * The bot's Azure registration. New registrations are SingleTenant (app id, secret,
 * tenant) or a user-assigned managed identity (app id, tenant); MultiTenant is kept
 * for registrations made before Azure stopped creating them.
 */
function teams(env: Env): TeamsAuthConfig | undefined {
  const appId = guid(env, 'MICROSOFT_APP_ID');
  const appPassword = optional(env, 'MICROSOFT_APP_PASSWORD');
  const tenantId = guid(env, 'MICROSOFT_APP_TENANT_ID');
  const appType = oneOf(env, 'MICROSOFT_APP_TYPE', TEAMS_APP_TYPES, 'SingleTenant');
  if (appId === undefined) {
    if (appPassword !== undefined || tenantId !== undefined || optional(env, 'MICROSOFT_APP_TYPE') !== undefined) {
      throw new ConfigError('MICROSOFT_APP_ID is needed with the other MICROSOFT_APP_* settings: the app id of the Azure Bot registration.');
    }
    return undefined;
  }
  if (appType !== 'UserAssignedMSI' && appPassword === undefined) {
    throw new ConfigError(`MICROSOFT_APP_PASSWORD is needed for a ${appType} bot: the client secret of its app registration.`);
  }
  if (appType === 'UserAssignedMSI' && appPassword !== undefined) {
    throw new ConfigError('MICROSOFT_APP_PASSWORD must be unset for a UserAssignedMSI bot: a managed identity has no secret.');
  }
  if (appType !== 'MultiTenant' && tenantId === undefined) {
    throw new ConfigError(`MICROSOFT_APP_TENANT_ID is needed for a ${appType} bot: the Entra tenant of its registration.`);
  }
  return { appType, appId, ...(appPassword ? { appPassword } : {}), ...(tenantId ? { tenantId } : {}) };
}

function slack(env: Env): SlackConfig | undefined {
  const botToken = optional(env, 'SLACK_BOT_TOKEN');
  if (botToken === undefined) {
    if (optional(env, 'SLACK_SIGNING_SECRET') !== undefined) throw new ConfigError('SLACK_BOT_TOKEN is needed for the admin console (SLACK_SIGNING_SECRET is set).');
    return undefined;
  }
  if (!/^xoxb-[A-Za-z0-9-]+$/.test(botToken)) throw new ConfigError('SLACK_BOT_TOKEN must be a Slack bot token starting with xoxb-.');
  const apiUrl = httpsUrl(env, 'SLACK_API_URL', 'https://slack.com/api/');
  const consoleConfig = slackConsole(env);
  return { botToken, apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`, ...(consoleConfig ? { console: consoleConfig } : {}) };
}

function slackConsole(env: Env): SlackConsoleConfig | undefined {
  const signingSecret = optional(env, 'SLACK_SIGNING_SECRET');
  const users = optional(env, 'SLACK_ADMIN_USERS');
  const group = optional(env, 'SLACK_ADMIN_GROUP');
  if (signingSecret === undefined) {
    if (users !== undefined || group !== undefined) throw new ConfigError('SLACK_SIGNING_SECRET is needed for the admin console that SLACK_ADMIN_USERS / SLACK_ADMIN_GROUP set up.');
    return undefined;
  }
  if (!/^[0-9a-f]{32}$/i.test(signingSecret)) throw new ConfigError('SLACK_SIGNING_SECRET must be the 32-character signing secret from the Slack app\'s Basic Information page.');
  const adminUsers = (users ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  const badUser = adminUsers.find((id) => !/^[UW][A-Z0-9]{2,}$/.test(id));
  if (badUser !== undefined) throw new ConfigError(`SLACK_ADMIN_USERS must be Slack user ids such as U0123ABCD, separated by commas; got "${badUser}".`);
  if (group !== undefined && !/^S[A-Z0-9]{2,}$/.test(group)) throw new ConfigError(`SLACK_ADMIN_GROUP must be a Slack user group id such as S0123ABCD; got "${group}".`);
  if (adminUsers.length === 0 && group === undefined) throw new ConfigError('SLACK_ADMIN_USERS or SLACK_ADMIN_GROUP is needed with SLACK_SIGNING_SECRET: otherwise nobody may use the admin console.');
  return { signingSecret, adminUsers, ...(group ? { adminGroup: group } : {}) };
}

export function readConfig(env: Env = process.env): Config {
  const uri = mongodbUri(env);
  const courseraConfig = coursera(env);
  const teamsAuth = teams(env);
  const slackConfig = slack(env);
  return {
    port: port(env, 'PORT', 3978),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    ...(uri ? { mongodbUri: uri } : {}),
    dataDir: optional(env, 'DATA_DIR') ?? '.data',
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    deliveryInstances: wholeNumber(env, 'DELIVERY_INSTANCES', 1, 1, 50),
    ...(courseraConfig ? { coursera: courseraConfig } : {}),
    ...(teamsAuth ? { teams: teamsAuth } : {}),
    ...(slackConfig ? { slack: slackConfig } : {}),
  };
}
