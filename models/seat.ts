import { Schema, type Types } from 'mongoose';

/**
 * A numbered seat in the pool (1..capacity). A person holds a license only while
 * holding a seat: the unique _id is what keeps holders within capacity when
 * invitations race, and the unique personId keeps it to one seat a person.
 */
export interface Seat {
  _id: number;
  personId: Types.ObjectId;
  takenAt: Date;
}

export const seatSchema = new Schema<Seat>(
  {
    _id: { type: Number, required: true },
    personId: { type: Schema.Types.ObjectId, required: true },
    takenAt: { type: Date, required: true },
  },
  { collection: 'seats', versionKey: false, autoIndex: false },
);

seatSchema.index({ personId: 1 }, { unique: true });
