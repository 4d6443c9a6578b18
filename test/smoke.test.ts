import { expect } from 'chai';
import { useTestDatabase } from './support/database.js';

describe('smoke', () => {
  const db = useTestDatabase();
  it('talks to the database', async () => {
    const { Person } = db();
    await Person.collection.insertOne({ email: 'a@b.org', state: 'none', version: 0, createdAt: new Date() });
    expect(await Person.countDocuments()).to.equal(1);
  });
});
