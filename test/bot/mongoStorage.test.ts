import { expect } from 'chai';
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import { MongoStorage } from '../../bot/teams/mongoStorage.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';

describe('bot state in MongoDB', () => {
  const db = useTestDatabase();
  beforeEach(() => clearDatabase(db()));

  it('reads back what it wrote, with an eTag, and nothing for unknown keys', async () => {
    const storage = new MongoStorage(db());
    expect(await storage.read(['nothing'])).to.deep.equal({});
    await storage.write({ 'msteams/conversations/19:a.b$c/': { dialogStack: [{ id: 'apply', state: { 'a.b': 1, $x: 2 } }] } });
    const items = await storage.read(['msteams/conversations/19:a.b$c/', 'nothing']);
    expect(Object.keys(items)).to.deep.equal(['msteams/conversations/19:a.b$c/']);
    expect(items['msteams/conversations/19:a.b$c/']).to.deep.equal({ dialogStack: [{ id: 'apply', state: { 'a.b': 1, $x: 2 } }], eTag: '1' });
  });

  it('behaves like botbuilder’s MemoryStorage on eTags', async () => {
    for (const storage of [new MemoryStorage(), new MongoStorage(db())]) {
      await storage.write({ k: { n: 1 } });
      const first = (await storage.read(['k'])).k;
      await storage.write({ k: { ...first, n: 2 } }); // matching eTag: written
      let stale: unknown;
      await storage.write({ k: { ...first, n: 3 } }).catch((error: unknown) => (stale = error)); // stale eTag: refused
      expect((stale as Error)?.message, storage.constructor.name).to.equal('Storage: error writing "k" due to eTag conflict.');
      expect((await storage.read(['k'])).k.n).to.equal(2);
      await storage.write({ k: { n: 4, eTag: '*' } }); // '*': written whatever is stored
      expect((await storage.read(['k'])).k.n).to.equal(4);
      await storage.delete(['k']);
      expect(await storage.read(['k'])).to.deep.equal({});
    }
  });

  it('lets exactly one of twenty writers holding the same eTag win', async () => {
    const storage = new MongoStorage(db());
    await storage.write({ k: { n: 0 } });
    const seen = (await storage.read(['k'])).k;
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => storage.write({ k: { ...seen, n: n + 1 } })));
    expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(1);
    expect(await db().BotState.countDocuments({ key: 'k' })).to.equal(1);
    expect((await storage.read(['k'])).k.eTag).to.equal('2');
  });

  it('keeps a conversation’s state across a restart', async () => {
    const run = async (text: string) => {
      // A new adapter, state and storage each time: as after a process restart.
      const state = new ConversationState(new MongoStorage(db()));
      const count = state.createProperty<number>('count');
      const replies: string[] = [];
      const adapter = new TestAdapter(async (context: TurnContext) => {
        if (context.activity.type !== ActivityTypes.Message) return;
        const next = ((await count.get(context, 0)) ?? 0) + 1;
        await count.set(context, next);
        await context.sendActivity(`${context.activity.text} #${next}`);
        await state.saveChanges(context);
      });
      await adapter.send(text).assertReply((reply) => {
        replies.push(String(reply.text));
      });
      return replies;
    };
    expect(await run('hello')).to.deep.equal(['hello #1']);
    expect(await run('again')).to.deep.equal(['again #2']);
  });
});
