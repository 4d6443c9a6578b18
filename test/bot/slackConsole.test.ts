// The Slack admin console over real HTTP on loopback: signed slash commands and button
// clicks into the running app, answers in the acknowledgement or through response_url
// (captured by the Slack fake), files through the fake's Web API, the database real.
import { expect } from 'chai';
import { startApp, type RunningApp } from '../../bot/app.js';
import { readConfig } from '../../bot/config.js';
import { CONFIRMATION_TTL_MS } from '../../bot/slack/confirmation.js';
import type { AuditEvent, Person } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { LOCAL_SLACK_TOKEN, startSlackApi, type SlackApi, type SlackUser } from '../../tools/slackApi/index.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import {
  buttonClickBody,
  confirmValue,
  messageText,
  postToSlackEndpoint,
  SIGNING_SECRET,
  slashCommandBody,
  type Invoker,
  type PostOptions,
} from '../support/slackConsole.js';
import { manifestScopes } from '../support/slackManifest.js';
import { quietLog } from '../support/teams.js';

const START = new Date('2027-03-10T09:00:00Z');

describe('the Slack admin console', function () {
  this.timeout(60_000);
  const db = useTestDatabase();
  const clock = new ManualClock(START);
  let slack: SlackApi;
  let app: RunningApp;
  let admin: SlackUser;
  let otherAdmin: SlackUser;
  let stranger: SlackUser;

  before(async function () {
    slack = await startSlackApi({ clock, scopes: manifestScopes() });
    admin = slack.addUser({ email: 'admin@example.org' });
    otherAdmin = slack.addUser({ email: 'second.admin@example.org' });
    stranger = slack.addUser({ email: 'stranger@example.org' });
    app = await startApp(
      {
        ...readConfig({ PORT: '0' }),
        slack: { botToken: LOCAL_SLACK_TOKEN, apiUrl: slack.apiUrl, console: { signingSecret: SIGNING_SECRET, adminUsers: [admin.id, otherAdmin.id] } },
      },
      { models: db(), scheduler: false, log: quietLog, clock, platformTimeoutMs: 5_000 },
    );
  });
  after(async function () {
    await app?.stop();
    await slack?.close();
  });
  beforeEach(async function () {
    clock.set(START);
    await clearDatabase(db());
    slack.reset();
  });

  const as = (user: SlackUser): Invoker => ({ user: user.id, channel: slack.dmChannelId(user.id), responseUrl: slack.responseUrl() });
  const command = (text: string, who: Invoker = as(admin), options: PostOptions = {}) => postToSlackEndpoint(app.url, slashCommandBody(text, who), options);
  const click = (actionId: string, value: string, who: Invoker) => postToSlackEndpoint(app.url, buttonClickBody(actionId, value, who));
  const person = (email: string) => db().Person.findOne({ email }).lean<Person>();
  const events = () => db().AuditEvent.find().sort({ at: 1, seq: 1 }).lean<AuditEvent[]>();

  describe('who may call it', function () {
    const unsigned = [
      ['a bad signature', { signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000' }],
      ['another app’s secret', { secret: 'ffffffffffffffffffffffffffffffff' }],
      ['a timestamp older than five minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
      ['no signature headers', { unsigned: true }],
    ] as const;
    for (const [label, options] of unsigned) {
      it(`answers 401 to a request with ${label}, and changes nothing`, async function () {
        const response = await command('apply intruder@example.org', as(admin), options);
        expect(response.status).to.equal(401);
        expect(await person('intruder@example.org')).to.equal(null);
        expect(slack.responses()).to.have.length(0);
      });
    }

    it('refuses someone who is not an admin, changes nothing, and writes the attempt in the audit log', async function () {
      const response = await command('capacity 5', as(stranger));
      expect(response.status).to.equal(200);
      expect(response.json()).to.include({ response_type: 'ephemeral' });
      expect(String(response.json().text)).to.match(/Only License Desk admins/);
      expect((await db().Settings.findById('settings').lean())?.capacity).to.equal(undefined);
      const [refusal] = await events();
      expect(refusal).to.deep.include({ subject: `slack-user:${stranger.id}`, action: 'console-refused' });
      expect(refusal!.reason).to.include('/coursera capacity 5');
    });

    it('lets in the members of the admin user group', async function () {
      // A second app whose admins are a user group rather than a list.
      const member = slack.addUser({ email: 'group.member@example.org' });
      const group = slack.addUserGroup({ handle: 'license-admins', users: [member.id] });
      const grouped = await startApp(
        { ...readConfig({ PORT: '0' }), slack: { botToken: LOCAL_SLACK_TOKEN, apiUrl: slack.apiUrl, console: { signingSecret: SIGNING_SECRET, adminUsers: [], adminGroup: group.id } } },
        { models: db(), scheduler: false, log: quietLog, clock },
      );
      try {
        const allowed = await postToSlackEndpoint(grouped.url, slashCommandBody('capacity', as(member)));
        expect(messageText(allowed.json())).to.include('Capacity: 300 licenses');
        const refused = await postToSlackEndpoint(grouped.url, slashCommandBody('capacity', as(stranger)));
        expect(String(refused.json().text)).to.match(/Only License Desk admins/);
      } finally {
        await grouped.stop();
      }
    });
  });

  describe('answers', function () {
    it('lists the commands with examples', async function () {
      const text = messageText((await command('help')).json());
      for (const name of ['stats', 'queue', 'who', 'invite', 'revoke', 'restore', 'pause', 'ready', 'release', 'capacity', 'turnover', 'inactivity', 'yearend', 'import', 'import-queue', 'apply', 'export', 'notices', 'retry', 'settings']) {
        expect(text).to.include(`\`${name}`);
      }
      expect(messageText((await command('help invite')).json())).to.include('Example: `invite alex.doe@example.org');
    });

    it('answers a quick command in the acknowledgement, as Block Kit for the admin alone', async function () {
      await command('apply alex.doe@example.org Alex Doe');
      const response = await command('stats');
      const body = response.json();
      expect(body.response_type).to.equal('ephemeral');
      expect(body.blocks).to.be.an('array').with.length.greaterThan(1);
      expect(messageText(body)).to.include('Licenses held').and.include('0 of 300 (300 free)').and.include('1 in line');
    });
  });

  describe('changes wait for confirmation', function () {
    it('previews an invitation, does it when the admin confirms, and answers through response_url', async function () {
      const who = as(admin);
      const preview = (await command('invite alex.doe@example.org approved by the head of learning', who)).json();
      expect(messageText(preview)).to.include('Invite alex.doe@example.org?').and.include('0 of 300 taken');
      expect(await person('alex.doe@example.org')).to.equal(null);

      const value = confirmValue(preview);
      expect(value).to.be.a('string');
      const clicked = await click('console_confirm', value!, who);
      expect(clicked.status).to.equal(200);
      const [answerPost] = await slack.waitForResponses(1, who.responseUrl);
      expect(answerPost!.body).to.deep.include({ response_type: 'ephemeral', replace_original: true });
      expect(messageText(answerPost!.body)).to.include('alex.doe@example.org invited');

      expect(await person('alex.doe@example.org')).to.include({ state: 'invited' });
      const invite = (await events()).find((e) => e.action === 'admin-invite');
      expect(invite).to.deep.include({ actor: { kind: 'admin', id: `slack:${admin.id}` }, reason: 'approved by the head of learning' });
      expect(await db().Notice.countDocuments({ kind: 'invitation' })).to.equal(1);
    });

    it('binds the confirmation to the admin who asked, and lets it expire', async function () {
      const preview = (await command('capacity 10', as(admin))).json();
      const value = confirmValue(preview)!;

      const other = as(otherAdmin);
      await click('console_confirm', value, other);
      const [refused] = await slack.waitForResponses(1, other.responseUrl);
      expect(messageText(refused!.body)).to.include('belongs to the admin who ran the command');
      expect((await events()).some((e) => e.action === 'console-refused' && e.subject === `slack-user:${otherAdmin.id}`)).to.equal(true);

      clock.advance(CONFIRMATION_TTL_MS + 1000);
      const late = as(admin);
      await click('console_confirm', value, late);
      const [expired] = await slack.waitForResponses(1, late.responseUrl);
      expect(messageText(expired!.body)).to.include('expired');
      expect((await db().Settings.findById('settings').lean())?.capacity).to.equal(undefined);
    });

    it('changes nothing when the admin cancels, or when a button value was tampered with', async function () {
      const value = confirmValue((await command('capacity 10')).json())!;
      const cancel = as(admin);
      await click('console_cancel', value, cancel);
      expect(messageText((await slack.waitForResponses(1, cancel.responseUrl))[0]!.body)).to.include('Cancelled');

      const forged = Buffer.from(JSON.stringify({ line: 'capacity 0', user: admin.id, expiresAt: Date.now() + 60_000 })).toString('base64url');
      const tamper = as(admin);
      await click('console_confirm', `${forged}.${value.split('.')[1]}`, tamper);
      expect(messageText((await slack.waitForResponses(1, tamper.responseUrl))[0]!.body)).to.include('not made by License Desk');
      expect((await db().Settings.findById('settings').lean())?.capacity).to.equal(undefined);
    });
  });

  describe('files', function () {
    const applyOn = async (email: string, day: string) => {
      clock.set(new Date(`${day}T09:00:00Z`));
      await command(`apply ${email}`);
    };
    /** Confirms the preview a message carries, and answers what came back through response_url. */
    const confirm = async (message: unknown) => {
      const who = as(admin);
      await click('console_confirm', confirmValue(message)!, who);
      return (await slack.waitForResponses(1, who.responseUrl))[0]!.body;
    };

    it('sends an export to the admin as a CSV in a direct message', async function () {
      await applyOn('first@example.org', '2027-01-05');
      await applyOn('second@example.org', '2027-01-06');
      const reply = (await command('export queue')).json();
      expect(messageText(reply)).to.include('license-desk-queue-2027-01-06.csv: 2 rows. Sent to you in a direct message.');
      const [file] = slack.files({ channel: slack.dmChannelId(admin.id) });
      expect(file).to.include({ name: 'license-desk-queue-2027-01-06.csv', title: 'License Desk queue export' });
      expect(file!.content.toString('utf8')).to.equal(
        'Position,Email,Name,Applied At,State\r\n1,first@example.org,,2027-01-05T09:00:00.000Z,waiting\r\n2,second@example.org,,2027-01-06T09:00:00.000Z,waiting\r\n',
      );
    });

    it('round-trips the queue: exported, shared back into Slack and imported into an empty database, it is the same queue', async function () {
      await applyOn('first@example.org', '2027-01-05');
      await applyOn('second@example.org', '2027-01-06');
      await applyOn('third@example.org', '2027-01-07');
      await command('export queue');
      const exported = slack.files({ channel: slack.dmChannelId(admin.id) })[0]!.content.toString('utf8');

      await clearDatabase(db());
      slack.addFile({ user: admin.id, channel: admin.id, name: 'old-waitlist.csv', content: exported });
      const preview = (await command('import-queue')).json();
      expect(messageText(preview)).to.include('Import the waitlist in old-waitlist.csv?').and.include('*3* would join the waitlist');
      expect(await db().Person.countDocuments()).to.equal(0);
      expect(messageText(await confirm(preview))).to.include('*3* joined the waitlist');

      slack.reset();
      await command('export queue');
      expect(slack.files({ channel: slack.dmChannelId(admin.id) })[0]!.content.toString('utf8')).to.equal(exported);

      // Importing the same file again changes nothing.
      slack.addFile({ user: admin.id, channel: admin.id, name: 'old-waitlist.csv', content: exported });
      const again = (await command('import-queue')).json();
      expect(messageText(again)).to.include('Nothing to import from old-waitlist.csv').and.include('3 were already known here');
      expect(confirmValue(again)).to.equal(undefined);
    });

    it('answers long work through response_url after acknowledging at once', async function () {
      await applyOn('first@example.org', '2027-01-05');
      clock.set(START);
      await confirm((await command('invite first@example.org approved')).json());
      slack.reset();
      clock.set(new Date('2027-03-12T09:00:00Z'));
      slack.addFile({ user: admin.id, channel: admin.id, name: 'usage.csv', content: 'Email,Last Course Activity Time\nfirst@example.org,2027-03-11 12:00:00\n' });
      // Slack takes its time to list the conversation's files.
      slack.injectFault({ delayMs: 2_500 }, { match: { method: 'files.list' } });
      const who = as(admin);
      const acknowledged = await command('import', who);
      expect(String(acknowledged.json().text)).to.include('Working on it');
      const [later] = await slack.waitForResponses(1, who.responseUrl, 10_000);
      expect(later!.body).to.deep.include({ replace_original: true });
      expect(messageText(later!.body)).to.include('Import usage.csv?').and.include('Activity would be recorded for *1* license holders');

      expect(messageText(await confirm(later!.body))).to.include('Imported usage.csv');
      expect((await person('first@example.org'))?.lastActivityAt?.toISOString()).to.equal('2027-03-11T12:00:00.000Z');
    });

    it('imports the file a link points at, and refuses what is not a CSV', async function () {
      const shared = slack.addFile({ user: admin.id, channel: admin.id, name: 'waitlist.csv', content: 'Email,Name,Applied At\nlinked@example.org,"Doe, Lin",2026-12-01\n' });
      slack.addFile({ user: admin.id, channel: admin.id, name: 'notes.txt', content: 'not a report' });
      const preview = (await command(`import-queue <${shared.permalink}>`)).json();
      expect(messageText(preview)).to.include('Import the waitlist in waitlist.csv?');
      await confirm(preview);
      expect(await person('linked@example.org')).to.deep.include({ state: 'waiting', displayName: 'Doe, Lin' });

      const text = slack.files().find((f) => f.name === 'notes.txt')!;
      expect(messageText((await command(`import ${text.id}`)).json())).to.include('notes.txt is not a CSV file');
    });
  });

  describe('bad input', function () {
    const cases = [
      ['an unknown command', 'frobnicate now', 'There is no command "frobnicate"'],
      ['a bad email', 'invite not-an-email because', '"not-an-email" is not an email address'],
      ['a capacity that is not a number', 'capacity abc', 'The capacity must be a whole number from 0 to 100000; got "abc"'],
      ['a revocation without a reason', 'revoke alex.doe@example.org', 'Give a reason'],
      ['10 KB of text', `apply ${'x'.repeat(10_240)}`, 'a command is at most 1,000'],
    ] as const;
    for (const [label, text, says] of cases) {
      it(`answers ${label} with a clear message and changes nothing`, async function () {
        const before = await events();
        const response = await command(text);
        expect(response.status).to.equal(200);
        expect(messageText(response.json())).to.include(says);
        expect(await events()).to.deep.equal(before);
        expect(await db().Person.countDocuments()).to.equal(0);
        // Still up and answering.
        expect((await command('capacity')).status).to.equal(200);
      });
    }
  });
});
