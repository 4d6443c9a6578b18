import { Schema, type Types } from 'mongoose';

/** A place in the queue, handed out in order; the unique _id means no two people share one. */
export interface QueueTicket {
  _id: number;
  personId: Types.ObjectId;
  issuedAt: Date;
}

export const queueTicketSchema = new Schema<QueueTicket>(
  {
    _id: { type: Number, required: true },
    personId: { type: Schema.Types.ObjectId, required: true },
    issuedAt: { type: Date, required: true },
  },
  { collection: 'queue_tickets', versionKey: false, autoIndex: false },
);
