// manifest/slack.yaml as the tests read it: the console and the notice tests run against a
// Slack fake that grants exactly the manifest's scopes, so a missing scope fails a test.
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

export interface SlackManifest {
  features: { slash_commands: { command: string; url: string; should_escape?: boolean; usage_hint?: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
}

export function slackManifest(): SlackManifest {
  return load(readFileSync(new URL('../../manifest/slack.yaml', import.meta.url), 'utf8')) as SlackManifest;
}

export const manifestScopes = (): string[] => slackManifest().oauth_config.scopes.bot;
