// botbuilder Storage on MongoDB, with eTag concurrency, so dialog and conversation state
// survive a restart. The eTag is the item's version; a write inserts the next version
// under a unique _id (an insert is the one write FerretDB cannot let two writers win),
// then drops the older ones.
import type { Storage, StoreItems } from 'botbuilder';
import { isDuplicateKeyError, type BotState, type Models } from '../../models/index.js';
import { systemClock, type Clock } from '../../services/clock.js';

const MAX_ATTEMPTS = 10;

export class MongoStorage implements Storage {
  constructor(
    private readonly models: Models,
    private readonly clock: Clock = systemClock,
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const versions = await this.models.BotState.find({ key: { $in: keys } }).lean<BotState[]>();
    const latest = new Map<string, BotState>();
    for (const version of versions) {
      const known = latest.get(version.key);
      if (!known || version.version > known.version) latest.set(version.key, version);
    }
    const items: StoreItems = {};
    for (const [key, version] of latest) items[key] = { ...JSON.parse(version.json), eTag: String(version.version) };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) await this.writeOne(key, item as Record<string, unknown>);
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.models.BotState.deleteMany({ key: { $in: keys } });
  }

  private async writeOne(key: string, item: Record<string, unknown>): Promise<void> {
    const { eTag, ...state } = item;
    const conditional = typeof eTag === 'string' && eTag !== '*';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = (await this.read([key]))[key] as { eTag: string } | undefined;
      if (conditional && current && current.eTag !== eTag) throw conflict(key);
      const version = current ? Number(current.eTag) + 1 : 1;
      try {
        await this.models.BotState.collection.insertOne({
          _id: `${version}:${key}`,
          key,
          version,
          json: JSON.stringify(state),
          storedAt: this.clock.now(),
        } as never);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        if (conditional) throw conflict(key); // someone else wrote the version we were about to
        continue; // unconditional: last writer wins, so try again on top of theirs
      }
      await this.models.BotState.deleteMany({ key, version: { $lt: version } });
      return;
    }
    throw new Error(`Storage: could not write "${key}": too many writers at once.`);
  }
}

function conflict(key: string): Error {
  return new Error(`Storage: error writing "${key}" due to eTag conflict.`);
}
