import { Schema, type Types } from 'mongoose';

/** Someone License Desk has added to the Coursera program (and not removed since). */
export interface ProgramMember {
  /** The person's _id. */
  _id: Types.ObjectId;
  email: string;
  invitedAt: Date;
}

export const programMemberSchema = new Schema<ProgramMember>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    email: { type: String, required: true },
    invitedAt: { type: Date, required: true },
  },
  { collection: 'program_members', versionKey: false, autoIndex: false },
);
