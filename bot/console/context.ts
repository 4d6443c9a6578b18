// The console's context, made the same way by both front doors.
import { NOTICE_SWEEP_MS } from '../../jobs/context.js';
import { queueNotices } from '../../services/notices.js';
import type { ConsoleContext } from './command.js';

export type ConsoleBase = Omit<ConsoleContext, 'noticesWaiting' | 'deliverSoon'>;

/**
 * `deliverSoon` starts a delivery run where this process can reach learners (the bot);
 * elsewhere (the terminal) the notices wait for the running bot's next scheduled one.
 */
export function consoleContext(base: ConsoleBase, deliverSoon: () => Promise<void> = async () => undefined): ConsoleContext {
  return {
    ...base,
    deliverSoon,
    async noticesWaiting() {
      await queueNotices(base.models, new Date(base.clock.now().getTime() - NOTICE_SWEEP_MS));
      await deliverSoon();
    },
  };
}
