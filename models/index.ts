// The models bound to one connection. Everything that touches the database gets a
// `Models` rather than importing global mongoose models, so tests can give each file
// its own database and the simulator can use a scratch one.
import mongoose, { type Connection } from 'mongoose';
import { auditEventSchema } from './auditEvent.js';
import { botStateSchema } from './botState.js';
import { contactSchema } from './contact.js';
import { deliveryAttemptSchema } from './deliveryAttempt.js';
import { noticeSchema } from './notice.js';
import { personSchema } from './person.js';
import { programMemberSchema } from './programMember.js';
import { queueTicketSchema } from './queueTicket.js';
import { seatSchema } from './seat.js';
import { settingsSchema } from './settings.js';
import { turnoverRunSchema } from './turnoverRun.js';

export * from './auditEvent.js';
export * from './botState.js';
export * from './contact.js';
export * from './deliveryAttempt.js';
export * from './notice.js';
export * from './person.js';
export * from './programMember.js';
export * from './queueTicket.js';
export * from './seat.js';
export * from './settings.js';
export * from './turnoverRun.js';

export function createModels(connection: Connection) {
  return {
    connection,
    Person: connection.model('Person', personSchema),
    AuditEvent: connection.model('AuditEvent', auditEventSchema),
    Seat: connection.model('Seat', seatSchema),
    QueueTicket: connection.model('QueueTicket', queueTicketSchema),
    Settings: connection.model('Settings', settingsSchema),
    TurnoverRun: connection.model('TurnoverRun', turnoverRunSchema),
    Contact: connection.model('Contact', contactSchema),
    Notice: connection.model('Notice', noticeSchema),
    DeliveryAttempt: connection.model('DeliveryAttempt', deliveryAttemptSchema),
    ProgramMember: connection.model('ProgramMember', programMemberSchema),
    BotState: connection.model('BotState', botStateSchema),
  };
}
export type Models = ReturnType<typeof createModels>;

/** Opens a connection to `dbName` and makes sure every index exists. */
export async function openDatabase(uri: string, dbName?: string): Promise<Models> {
  const connection = mongoose.createConnection(uri, {
    ...(dbName ? { dbName } : {}),
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: 10_000,
  });
  await connection.asPromise();
  const models = createModels(connection);
  for (const model of Object.values(connection.models)) await model.createIndexes();
  return models;
}

/** True for the error every MongoDB-compatible server returns when a unique index refuses a write. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
