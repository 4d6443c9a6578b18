import { expect } from 'chai';
import { findContact, findOrCreatePerson, findPersonIdByTeamsUser, normaliseEmail, saveTeamsContact } from '../../services/people.js';
import { ManualClock } from '../../services/clock.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';

describe('people', () => {
  describe('email addresses', () => {
    it('are trimmed and lower-cased', () => {
      expect(normaliseEmail('  Ada.Lovelace@Example.ORG\t')).to.equal('ada.lovelace@example.org');
      expect(normaliseEmail('ａｄａ@example.org')).to.equal('ada@example.org'); // full-width letters
    });

    it('keep plus addressing and subdomains', () => {
      expect(normaliseEmail('ada+coursera@mail.example.org')).to.equal('ada+coursera@mail.example.org');
    });
  });

  describe('in the database', () => {
    const db = useTestDatabase();
    const clock = new ManualClock('2027-06-15T10:00:00Z');
    beforeEach(() => clearDatabase(db()));

    it('creating the same person from ten requests at once makes one', async () => {
      const people = await Promise.all(
        Array.from({ length: 10 }, () => findOrCreatePerson(db(), 'same@example.org', clock.now(), '  Same   Person ')),
      );
      expect(new Set(people.map((person) => person._id.toString())).size).to.equal(1);
      expect(await db().Person.countDocuments()).to.equal(1);
      expect(people[0]).to.include({ state: 'none', version: 0, displayName: 'Same Person' });
    });

    it('remembers how to reach someone in Teams and finds them by their Teams id', async () => {
      const person = await findOrCreatePerson(db(), 'teams@example.org', clock.now());
      const reference = { serviceUrl: 'https://smba.example/emea/', conversation: { id: 'a:1' }, user: { id: '29:abc' } };
      await saveTeamsContact(db(), person._id, { userId: '29:abc', aadObjectId: 'aad-1', conversationReference: reference }, clock.now());
      // Saved on every turn: the second save replaces the first.
      clock.advance(60_000);
      const moved = { ...reference, serviceUrl: 'https://smba.example/amer/' };
      await saveTeamsContact(db(), person._id, { userId: '29:abc', aadObjectId: 'aad-1', conversationReference: moved }, clock.now());

      expect((await findPersonIdByTeamsUser(db(), '29:abc'))?.toString()).to.equal(person._id.toString());
      expect(await findPersonIdByTeamsUser(db(), '29:someone-else')).to.equal(undefined);
      const contact = await findContact(db(), person._id);
      expect(contact?.teams?.conversationReference).to.deep.equal(moved);
      expect(contact?.updatedAt.toISOString()).to.equal('2027-06-15T10:01:00.000Z');
      expect(await db().Contact.countDocuments()).to.equal(1);
    });
  });
});
