// Who may use the admin console: the Slack user ids in SLACK_ADMIN_USERS, and the members
// of the SLACK_ADMIN_GROUP user group. The group's members are asked of Slack at most once
// a minute; when Slack cannot answer, the last known list stands, and with none, nobody
// from the group gets in.
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../../services/clock.js';
import type { Logger } from '../../services/log.js';
import type { SlackConsoleConfig } from '../config.js';

export const GROUP_REFRESH_MS = 60_000;

export class SlackAdmins {
  private members: { users: Set<string>; fetchedAt: number } | undefined;

  constructor(
    private readonly config: Pick<SlackConsoleConfig, 'adminUsers' | 'adminGroup'>,
    private readonly web: WebClient,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async isAdmin(userId: string): Promise<boolean> {
    if (this.config.adminUsers.includes(userId)) return true;
    if (!this.config.adminGroup) return false;
    return (await this.groupMembers()).has(userId);
  }

  private async groupMembers(): Promise<Set<string>> {
    const now = this.clock.now().getTime();
    if (this.members && now - this.members.fetchedAt < GROUP_REFRESH_MS) return this.members.users;
    try {
      const answer = await this.web.usergroups.users.list({ usergroup: this.config.adminGroup! });
      this.members = { users: new Set(answer.users ?? []), fetchedAt: now };
    } catch (error) {
      this.log.warn('slack.admin_group_unavailable', { group: this.config.adminGroup, error });
    }
    return this.members?.users ?? new Set();
  }
}
