// An outbox full of notices for people reachable in different ways, written straight to
// the database: Teams members with a saved conversation reference pointing at the Bot
// Connector fake, people only the Slack fake knows, and people nobody can reach.
import { Types } from 'mongoose';
import type { Models, NoticeKind } from '../../models/index.js';
import type { Clock } from '../../services/clock.js';
import { startBotConnector, type BotConnector } from '../../tools/botConnector/index.js';
import { startSlackApi, type SlackApi } from '../../tools/slackApi/index.js';
import { clearDatabase } from './database.js';

/**
 * The Bot Connector and Slack fakes, with the platforms' rate limits on, for the calling
 * `describe` block; before each test they and the database are emptied.
 */
export function usePlatformFakes(db: () => Models, clock?: Clock): { connector(): BotConnector; slack(): SlackApi } {
  let connector: BotConnector | undefined;
  let slack: SlackApi | undefined;
  before(async function () {
    connector = await startBotConnector({ rateLimits: { perConversation: 7, global: 50 } });
    slack = await startSlackApi(clock ? { clock } : {});
  });
  after(async function () {
    await connector?.close();
    await slack?.close();
  });
  beforeEach(async function () {
    await clearDatabase(db());
    connector!.reset();
    slack!.reset();
  });
  return { connector: () => connector!, slack: () => slack! };
}

export type Route = 'teams' | 'slack' | 'nowhere';

export interface OutboxPlan {
  teams: number;
  slackOnly?: number;
  nowhere?: number;
  kind?: NoticeKind;
  /** Prefix of the made-up addresses, so two seedings in one database do not collide. */
  prefix?: string;
}

export interface SeededNotice {
  noticeId: string;
  email: string;
  route: Route;
  /** Teams: the personal conversation; Slack: the user id. */
  conversationId?: string;
  slackUserId?: string;
}

const BATCH = 1_000;

async function insertInBatches(collection: { insertMany(docs: object[], options: object): Promise<unknown> }, docs: object[]): Promise<void> {
  for (let start = 0; start < docs.length; start += BATCH) await collection.insertMany(docs.slice(start, start + BATCH), { ordered: false });
}

export async function seedOutbox(models: Models, connector: BotConnector, slack: SlackApi | undefined, plan: OutboxPlan, now: Date): Promise<SeededNotice[]> {
  const prefix = plan.prefix ?? 'learner';
  const routes: Route[] = [
    ...Array<Route>(plan.teams).fill('teams'),
    ...Array<Route>(plan.slackOnly ?? 0).fill('slack'),
    ...Array<Route>(plan.nowhere ?? 0).fill('nowhere'),
  ];
  const people: object[] = [];
  const contacts: object[] = [];
  const notices: object[] = [];
  const seeded: SeededNotice[] = [];
  const kind = plan.kind ?? 'invitation';
  routes.forEach((route, n) => {
    const _id = new Types.ObjectId();
    const email = `${prefix}${n}.${route}@example.org`;
    people.push({ _id, email, displayName: `Learner ${n}`, state: 'invited', version: 1, createdAt: now, invitedAt: now, licenseEndsAt: new Date('2027-12-31T23:59:59Z') });
    const noticeId = `${kind}:${_id.toString()}:1`;
    notices.push({ _id: noticeId, personId: _id, kind, seq: 1, createdAt: new Date(now.getTime() + n), facts: { licenseEndsAt: new Date('2027-12-31T23:59:59Z') }, status: 'pending', attempts: 0 });
    const entry: SeededNotice = { noticeId, email, route };
    if (route === 'teams') {
      const member = connector.addMember({ email });
      const conversationId = connector.personalConversationId(member.id);
      contacts.push({
        _id,
        teams: {
          userId: member.id,
          aadObjectId: member.aadObjectId,
          tenantId: member.tenantId,
          conversationReference: {
            channelId: 'msteams',
            serviceUrl: `${connector.url}/`,
            conversation: { id: conversationId, conversationType: 'personal', tenantId: member.tenantId },
            user: { id: member.id, name: member.name, aadObjectId: member.aadObjectId },
            bot: { id: '28:license-desk', name: 'License Desk' },
          },
        },
        updatedAt: now,
      });
      entry.conversationId = conversationId;
    } else if (route === 'slack') {
      if (!slack) throw new Error('a Slack-only learner needs the Slack fake');
      entry.slackUserId = slack.addUser({ email }).id;
    }
    seeded.push(entry);
  });
  await insertInBatches(models.Person.collection, people);
  await insertInBatches(models.Contact.collection, contacts);
  await insertInBatches(models.Notice.collection, notices);
  return seeded;
}
