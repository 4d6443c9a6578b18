// Who is writing, from Teams: the work email and name come from the Teams roster
// (TeamsInfo), asked at most once a day per user; the conversation reference is saved on
// every turn so proactive messages can reach the person later.
import { TeamsInfo, TurnContext, type TeamsChannelAccount } from 'botbuilder';
import type { Learner } from '../../dialogs/learner.js';
import type { Contact, Models, Person } from '../../models/index.js';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import { findOrCreatePerson, getPerson, normaliseEmail, saveTeamsContact } from '../../services/people.js';

const REFRESH_MS = 24 * 60 * 60 * 1000;

/** The address Coursera should invite: the member's email, else a UPN shaped like one. */
function workEmail(member: TeamsChannelAccount): string | undefined {
  for (const candidate of [member.email, member.userPrincipalName]) {
    try {
      return normaliseEmail(candidate);
    } catch {
      // not an address; try the next
    }
  }
  return undefined;
}

export class TeamsIdentity {
  constructor(
    private readonly models: Models,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The learner behind this turn (undefined when Teams does not say), with the contact saved. */
  async identify(context: TurnContext): Promise<Learner | undefined> {
    const userId = context.activity.from?.id;
    if (!userId) return undefined;
    const now = this.clock.now();
    const known = await this.models.Contact.findOne({ 'teams.userId': userId }).lean<Contact>();
    const fresh = known?.teams?.identifiedAt && now.getTime() - known.teams.identifiedAt.getTime() < REFRESH_MS;

    let person: Person | undefined;
    let name: string | undefined;
    let identifiedAt = known?.teams?.identifiedAt;
    if (known && fresh) {
      person = await getPerson(this.models, known._id);
    } else {
      const member = await this.member(context, userId);
      const email = member && workEmail(member);
      if (email) {
        name = member.name;
        person = await findOrCreatePerson(this.models, email, now, member.name);
        identifiedAt = now;
      } else if (known) {
        person = await getPerson(this.models, known._id);
      }
    }
    if (!person) return undefined;

    const { activity } = context;
    const tenantId = activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    await saveTeamsContact(
      this.models,
      person._id,
      {
        userId,
        ...(activity.from.aadObjectId ? { aadObjectId: activity.from.aadObjectId } : {}),
        ...(tenantId ? { tenantId } : {}),
        conversationReference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as Record<string, unknown>,
        ...(identifiedAt ? { identifiedAt } : {}),
      },
      now,
    );
    if (known && !known._id.equals(person._id)) {
      // The Teams user now has another email: the old person is no longer reachable this way.
      await this.models.Contact.updateOne({ _id: known._id }, { $unset: { teams: 1 } });
    }
    const displayName = name ?? person.displayName ?? activity.from.name;
    return { personId: person._id, email: person.email, ...(displayName ? { name: displayName } : {}) };
  }

  private async member(context: TurnContext, userId: string): Promise<TeamsChannelAccount | undefined> {
    try {
      return await TeamsInfo.getMember(context, userId);
    } catch (error) {
      this.log.warn('teams.member_lookup_failed', { error });
      return undefined;
    }
  }
}
