// How the cost of a waitlist-position query grows with the queue: the same query at
// 1,000 and at 100,000 waiting people, and the plan the database chose for it.
// An index-backed count keeps the ratio near 1; a collection scan makes it near 100.
//
//   npm run bench:position                 (the local database, as npm test finds it)
//   MONGODB_URI=mongodb://… npm run bench:position
import type { Models, Person } from '../models/index.js';
import { waitlistPosition } from '../services/queue.js';
import { DEFAULT_SETTINGS } from '../services/settings.js';
import { withScratchDatabase } from '../tools/localDatabase/scratch.js';

const SIZES = [1_000, 100_000];
const REPEATS = 5;

async function fill(models: Models, from: number, to: number): Promise<void> {
  const createdAt = new Date();
  for (let start = from; start < to; start += 5_000) {
    const batch = [];
    for (let n = start; n < Math.min(to, start + 5_000); n += 1) {
      batch.push({ email: `waiting${n}@example.org`, state: 'waiting', version: 1, createdAt, ticket: n + 1 });
    }
    await models.Person.collection.insertMany(batch, { ordered: false });
  }
}

async function medianMs(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let n = 0; n < REPEATS; n += 1) {
    const started = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)]!;
}

async function plan(models: Models, person: Person): Promise<string> {
  const explained = await models.connection.db!.command({
    explain: { count: 'people', query: { state: 'waiting', ticket: { $lt: person.ticket } } },
    verbosity: 'queryPlanner',
  });
  const planner = explained.queryPlanner ?? {};
  // MongoDB names its stages (COUNT_SCAN, IXSCAN, COLLSCAN); FerretDB shows SQLite's plan.
  if (planner.winningPlan) return JSON.stringify(planner.winningPlan).match(/[A-Z]+_?SCAN|COUNT/g)?.join(' > ') ?? 'unknown';
  return Array.isArray(planner.Plan) ? planner.Plan.join('; ') : 'unknown';
}

async function main(): Promise<void> {
  await withScratchDatabase(
    'bench',
    async (models) => {
      const results: number[] = [];
      let filled = 0;
      for (const size of SIZES) {
        await fill(models, filled, size);
        filled = size;
        const last = (await models.Person.findOne({ ticket: size }).lean<Person>())!;
        const ms = await medianMs(() => waitlistPosition(models, last, DEFAULT_SETTINGS));
        results.push(ms);
        console.log(`waiting ${size}: position of the last in line in ${ms.toFixed(1)} ms; plan: ${await plan(models, last)}`);
      }
      console.log(`ratio 100k/1k: ${(results[1]! / results[0]!).toFixed(1)} (index-backed ≈ 1, collection scan ≈ 100)`);
    },
    console.log,
  );
}

await main();
