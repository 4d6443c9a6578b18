// Keeps the Coursera program's members in step with who holds a license: holders who
// are not members yet are invited, members who no longer hold one are removed. Each
// step is recorded as it succeeds and both calls tolerate "already so", so a failed or
// interrupted run is simply finished by the next one.
import type { Models, Person, ProgramMember } from '../models/index.js';
import { CourseraError, type CourseraClient } from './coursera.js';
import { SEAT_HOLDER_STATES } from './policy.js';

export interface MembershipReport {
  invited: string[];
  removed: string[];
  failed: { email: string; reason: string }[];
}

export async function syncProgramMembers(models: Models, coursera: CourseraClient, now: Date): Promise<MembershipReport> {
  const report: MembershipReport = { invited: [], removed: [], failed: [] };
  const [holders, members] = await Promise.all([
    models.Person.find({ state: { $in: [...SEAT_HOLDER_STATES] } }).lean<Person[]>(),
    models.ProgramMember.find().lean<ProgramMember[]>(),
  ]);
  const memberIds = new Set(members.map((member) => member._id.toString()));
  const holderIds = new Set(holders.map((holder) => holder._id.toString()));

  const attempt = async (email: string, work: () => Promise<void>) => {
    try {
      await work();
      return true;
    } catch (error) {
      if (!(error instanceof CourseraError)) throw error;
      report.failed.push({ email, reason: error.message });
      return false;
    }
  };

  for (const holder of holders) {
    if (memberIds.has(holder._id.toString())) continue;
    const done = await attempt(holder.email, async () => {
      await coursera.inviteLearner({ email: holder.email, ...(holder.displayName ? { fullName: holder.displayName } : {}) });
      await models.ProgramMember.updateOne({ _id: holder._id }, { $setOnInsert: { email: holder.email, invitedAt: now } }, { upsert: true });
    });
    if (done) report.invited.push(holder.email);
  }
  for (const member of members) {
    if (holderIds.has(member._id.toString())) continue;
    const done = await attempt(member.email, async () => {
      await coursera.removeLearner({ email: member.email });
      await models.ProgramMember.deleteOne({ _id: member._id });
    });
    if (done) report.removed.push(member.email);
  }
  return report;
}
