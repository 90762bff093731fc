/**
 * The bookkeeping around the member walk, written once for every reader (scan.ts in memory,
 * open-source.ts by position, node/read-initrd.ts from a file): padding becomes a segment, each
 * member the reader reads gets its index and segment, and its length goes back to the walk.
 */
import type { InitrdMember, InitrdSegment } from './member.js';
import { type MemberStep, type PayloadReader, walkMembers } from './member-walk.js';

/** A member to read: an uncompressed archive or a compressed member, at `offset` in the payload. */
export type MemberToRead = Exclude<MemberStep, { kind: 'padding' }>;

/** What a reader found in a member: everything but where it is, which the list knows. */
export type MemberRead = Omit<InitrdMember, 'index' | 'offset'>;

/**
 * Members and segments of a payload in walk order. Call `next()` for the member to read and
 * `add(read)` once it is read, until `next()` gives undefined.
 */
export class MemberList {
  readonly members: InitrdMember[] = [];
  readonly segments: InitrdSegment[] = [];
  private readonly walk: Generator<MemberStep, void, number | undefined>;
  private current: MemberToRead | undefined;
  /** The length of the member just added, which the walk takes when it resumes. */
  private length: number | undefined;

  constructor(payload: PayloadReader, baseOffset: number) {
    this.walk = walkMembers(payload, baseOffset);
  }

  /** The next member to read (the padding before it recorded), or undefined after the last. */
  next(): MemberToRead | undefined {
    if (this.current !== undefined) throw new TypeError('MemberList: add() the member read before next()');
    const length = this.length;
    this.length = undefined;
    for (let step = this.walk.next(length); !step.done; step = this.walk.next()) {
      if (step.value.kind !== 'padding') {
        this.current = step.value;
        return step.value;
      }
      this.segments.push(step.value);
    }
    return undefined;
  }

  /** Records the member `next()` gave as read, and tells the walk where it ends. */
  add(read: MemberRead): InitrdMember {
    const at = this.current;
    if (at === undefined) throw new TypeError('MemberList: add() without a member from next()');
    this.current = undefined;
    const index = this.members.length;
    const member: InitrdMember = { index, offset: at.offset, ...read };
    this.members.push(member);
    this.segments.push({ kind: 'member', offset: at.offset, length: member.length, member: index });
    this.length = member.length;
    return member;
  }
}
