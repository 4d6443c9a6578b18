// The Slack app manifest says what the code expects: the command, the one endpoint for
// commands and buttons, and scopes (the console tests run with exactly these).
import { expect } from 'chai';
import { SLACK_EVENTS_PATH, SLASH_COMMAND } from '../../bot/slack/console.js';
import { slackManifest } from '../support/slackManifest.js';

describe('the Slack app manifest', () => {
  const manifest = slackManifest();

  it('declares /coursera, answered at the same endpoint as its buttons', () => {
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).to.have.length(0);
    expect(command).to.include({ command: SLASH_COMMAND, should_escape: false });
    expect(new URL(command!.url).pathname).to.equal(SLACK_EVENTS_PATH);
    expect(manifest.settings.interactivity.is_enabled).to.equal(true);
    expect(manifest.settings.interactivity.request_url).to.equal(command!.url);
    expect(manifest.settings.socket_mode_enabled).to.equal(false);
  });

  it('asks for the scopes the app uses and no others', () => {
    // users:read.email only works together with users:read (Slack's scope reference).
    expect([...manifest.oauth_config.scopes.bot].sort()).to.deep.equal(
      ['chat:write', 'commands', 'files:read', 'files:write', 'im:history', 'im:write', 'usergroups:read', 'users:read', 'users:read.email'].sort(),
    );
  });
});
