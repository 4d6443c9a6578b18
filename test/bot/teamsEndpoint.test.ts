import { expect } from 'chai';
import { startApp } from '../../bot/app.js';
import { readConfig } from '../../bot/config.js';
import type { Contact, Person } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { cardText, quietLog, startTeamsHarness, type TeamsHarness } from '../support/teams.js';

describe('the Teams endpoint, end to end over HTTP', function () {
  this.timeout(20_000);
  const db = useTestDatabase();
  const clock = new ManualClock(new Date('2027-02-10T09:00:00Z'));
  let teams: TeamsHarness;

  before(async () => {
    teams = await startTeamsHarness(db(), { clock });
  });
  after(async () => {
    await teams.stop();
  });
  beforeEach(async () => {
    await clearDatabase(db());
    teams.connector.reset();
  });

  it('answers a message with a card, through the Bot Connector named as serviceUrl', async () => {
    const alex = teams.user('alex@example.org', 'Alex Doe');
    const posted = await alex.say('help');
    expect(posted.status).to.equal(200);
    expect(posted.cards).to.have.length(1);
    expect(cardText(posted.cards[0]!)).to.include('What I can do');
    expect(posted.replies[0]!.activity?.replyToId, 'a reply to the message').to.be.a('string');
  });

  it('stores the conversation reference and the Teams identity on every turn', async () => {
    const alex = teams.user('Alex@Example.org', 'Alex Doe');
    await alex.say('hello');
    const person = await db().Person.findOne({ email: 'alex@example.org' }).lean<Person>();
    expect(person, 'the person behind the Teams user').to.include({ displayName: 'Alex Doe', state: 'none' });
    const contact = await db().Contact.findById(person!._id).lean<Contact>();
    expect(contact?.teams).to.include({ userId: alex.member.id, aadObjectId: alex.member.aadObjectId, tenantId: alex.member.tenantId });
    expect(contact?.teams?.conversationReference).to.deep.include({
      serviceUrl: alex.chat.serviceUrl,
      channelId: 'msteams',
    });
    expect((contact?.teams?.conversationReference as { conversation: { id: string } }).conversation.id).to.equal(alex.chat.conversationId);
  });

  it('asks Teams who the user is once a day, not on every turn', async () => {
    const alex = teams.user('alex@example.org');
    await alex.say('help');
    await alex.say('help');
    const lookups = () => teams.connector.requests().filter((request) => request.operation === 'getConversationMember').length;
    expect(lookups()).to.equal(1);
    clock.advance(25 * 60 * 60 * 1000);
    await alex.say('help');
    expect(lookups()).to.equal(2);
  });

  it('greets once on install, whether Teams sends installationUpdate, conversationUpdate or both', async () => {
    const sam = teams.user('sam@example.org', 'Sam Lee');
    const installed = await sam.install();
    expect(installed.status).to.equal(200);
    expect(cardText(installed.cards[0]!)).to.include("Hi Sam, I'm License Desk");
    const added = await sam.post({
      ...(await import('../../tools/chat/teamsActivity.js')).textMessage(sam.chat, ''),
      type: 'conversationUpdate',
      text: undefined,
      membersAdded: [{ id: (installed.replies[0]!.activity?.from as { id: string }).id }],
    });
    expect(added.status).to.equal(200);
    expect(added.replies, 'no second greeting').to.have.length(0);
    const person = await db().Person.findOne({ email: 'sam@example.org' }).lean<Person>();
    expect(await db().Contact.findById(person!._id).lean<Contact>()).to.have.nested.property('teams.conversationReference');
  });

  it('applies through card buttons: consent, then the place in line', async () => {
    const alex = teams.user('alex@example.org', 'Alex Doe');
    const asked = await alex.say('I want to apply');
    const consent = cardText(asked.cards[0]!);
    expect(consent).to.include('alex@example.org').and.include('Alex Doe').and.include('calendar year');
    const joined = await alex.clickButton('Yes, add me to the waitlist');
    expect(joined.status).to.equal(200);
    expect(cardText(joined.cards[0]!)).to.include("You're on the waitlist").and.include('Your place in line\n1');
    expect(await db().Person.findOne({ email: 'alex@example.org' }).lean<Person>()).to.include({ state: 'waiting' });
  });

  it('treats a repeated click as harmless', async () => {
    const alex = teams.user('alex@example.org');
    await alex.say('apply');
    await alex.clickButton('Yes, add me to the waitlist');
    const again = await alex.clickButton('Yes, add me to the waitlist');
    expect(again.status).to.equal(200);
    expect(cardText(again.cards[0]!)).to.include('That question is closed');
    expect(await db().AuditEvent.countDocuments({ action: 'apply' })).to.equal(1);
  });

  it('reads an Action.Execute invoke like a submit and answers the invoke', async () => {
    const alex = teams.user('alex@example.org');
    const posted = await alex.execute({ action: 'status' });
    expect(posted.status).to.equal(200);
    expect(posted.body).to.deep.include({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(cardText(posted.cards[0]!)).to.include("You haven't applied yet");
  });

  it('says so when Teams cannot tell who the user is', async () => {
    const alex = teams.user('alex@example.org');
    teams.connector.injectFault({ status: 404 }, { match: { operation: 'getConversationMember' } });
    const posted = await alex.say('status');
    expect(cardText(posted.cards[0]!)).to.include('I could not tell who you are');
    expect(await db().Person.countDocuments()).to.equal(0);
  });

  it('resumes the apply conversation after a restart, where the user was', async () => {
    const alex = teams.user('alex@example.org');
    await alex.say('apply');
    await teams.restart();
    const joined = await alex.clickButton('Yes, add me to the waitlist');
    expect(cardText(joined.cards[0]!)).to.include("You're on the waitlist");
    expect(await db().Person.findOne({ email: 'alex@example.org' }).lean<Person>()).to.include({ state: 'waiting' });
  });

  describe('bad requests', () => {
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${teams.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': contentType }, body });

    for (const [name, body, status] of [
      ['malformed JSON', '{"type": "message", ', 400],
      ['a JSON array', '[1, 2]', 400],
      ['an object without a type', '{"text": "hi"}', 400],
      ['a body over 256 KB', JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) }), 413],
    ] as const) {
      it(`refuses ${name} with ${status} and stays up`, async () => {
        const response = await post(body);
        expect(response.status).to.equal(status);
        expect((await fetch(`${teams.app.url}/healthz`)).status).to.equal(200);
        expect(teams.connector.activities()).to.have.length(0);
      });
    }

    it('refuses a body that is not JSON with 415', async () => {
      expect((await post('type=message', 'application/x-www-form-urlencoded')).status).to.equal(415);
    });
  });

  describe('with a bot registration configured', () => {
    it('refuses requests without a valid Bot Framework token with 401, changing nothing', async () => {
      const app = await startApp(
        {
          ...readConfig({}),
          port: 0,
          teams: {
            appType: 'SingleTenant',
            appId: '11111111-2222-3333-4444-555555555555',
            appPassword: 'not-a-real-secret',
            tenantId: '66666666-7777-8888-9999-000000000000',
          },
        },
        { models: db(), clock, scheduler: false, log: quietLog },
      );
      try {
        const alex = teams.user('alex@example.org');
        const { textMessage } = await import('../../tools/chat/teamsActivity.js');
        for (const authorization of [undefined, 'Bearer not-a-token']) {
          const response = await fetch(`${app.url}/api/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
            body: JSON.stringify(textMessage(alex.chat, 'apply')),
          });
          expect(response.status, `with authorization ${authorization ?? 'missing'}`).to.equal(401);
          expect(JSON.stringify(await response.json())).not.to.include('not-a-real-secret');
        }
        expect(teams.connector.activities()).to.have.length(0);
        expect(await db().Person.countDocuments()).to.equal(0);
      } finally {
        await app.stop();
      }
    });
  });
});
