/**
 * Shared state of one synthetic rollout: the seeded random stream, the
 * simulated clock, the scheduler, the recorder, and the id factories that mimic
 * the identifiers Codex and the Responses API hand out.
 */
import { RawPayloadKindName, RawPayloadRef } from '../schema/payloadRef';
import { RawTraceEventContext, RawTraceEventPayload } from '../schema/rawEvent';
import { Project, pickProject } from './corpus';
import { Random } from './random';
import { Scheduler, SimClock } from './scheduler';
import { BundleIdentity, BundleRecorder } from './sink';

/** 2026-04-01T09:00:00Z: synthetic rollouts start here, plus a seeded offset within the day. */
const SYNTHETIC_EPOCH_MS = Date.UTC(2026, 3, 1, 9, 0, 0);
/** Simulated time that passes while one event is recorded. */
const EVENT_SPACING_MS = { min: 1, max: 6 } as const;

export const PROVIDER_NAME = 'openai';
export const APPROVAL_POLICY = 'on-request';
export const SANDBOX_POLICY = 'workspace-write';

export class World {
  readonly random: Random;
  readonly clock: SimClock;
  readonly scheduler: Scheduler;
  readonly recorder: BundleRecorder;
  readonly project: Project;
  readonly identity: BundleIdentity;
  readonly startedAtUnixMs: number;
  private inferenceOrdinal = 0;
  private compactionRequestOrdinal = 0;
  private lastProcessId: number;

  constructor(
    seed: number,
    /** Events after which the root agent stops taking new user requests. */
    readonly targetEvents: number,
  ) {
    this.random = new Random(seed);
    this.startedAtUnixMs = SYNTHETIC_EPOCH_MS + this.random.int(0, 86_399) * 1000;
    this.clock = new SimClock(this.startedAtUnixMs);
    this.scheduler = new Scheduler(this.clock);
    this.project = pickProject(this.random);
    const rootThreadId = this.uuid();
    // Upstream names the rollout after the root thread and gives the trace its own UUID.
    this.identity = { traceId: this.uuid(), rolloutId: rootThreadId, rootThreadId };
    this.recorder = new BundleRecorder(this.identity.rolloutId, () => this.clock.now);
    this.lastProcessId = this.random.int(1000, 60_000);
  }

  /** Records one event, letting a few simulated milliseconds pass first. */
  emit(context: RawTraceEventContext, payload: RawTraceEventPayload): void {
    this.clock.advance(this.random.int(EVENT_SPACING_MS.min, EVENT_SPACING_MS.max));
    this.recorder.append(context, payload);
  }

  payload(kind: RawPayloadKindName, value: unknown): RawPayloadRef {
    return this.recorder.writeJsonPayload(kind, value);
  }

  get budgetExhausted(): boolean {
    return this.recorder.eventCount >= this.targetEvents;
  }

  /** UUIDv7 (time-ordered, as Codex thread ids are), lowercase. */
  uuid(): string {
    const time = this.clock.now.toString(16).padStart(12, '0');
    const variant = '89ab'[this.random.int(0, 3)];
    const rest = this.random.hex(18);
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${rest.slice(0, 3)}-${variant}${rest.slice(3, 6)}-${rest.slice(6, 18)}`;
  }

  /** A model-visible call id as the Responses API issues them. */
  callId(): string {
    return `call_${this.random.alnum(24)}`;
  }

  responseId(): string {
    return `resp_${this.random.hex(48)}`;
  }

  /** Opaque `encrypted_content` blob of a reasoning or compaction item. */
  encryptedBlob(): string {
    return `gAAAAAB${this.random.base64(this.random.int(120, 360))}`;
  }

  nextInferenceId(): string {
    return `inference:${++this.inferenceOrdinal}`;
  }

  nextCompactionRequestId(): string {
    return `compaction_request:${++this.compactionRequestOrdinal}`;
  }

  /** Unified-exec session ids are small process-wide counters. */
  nextProcessId(): number {
    this.lastProcessId += this.random.int(1, 40);
    return this.lastProcessId;
  }
}
