/** The most units one take holds ahead, and the share of what is left under the limit it may hold. */
const MAX_UNITS_PER_TAKE = 64;
const SHARE_OF_HEADROOM = 16;

interface Lease {
  /** Units counted in the shared store and not spent yet by this process. */
  units: number;
  /** The shared count after this process's last take: every replica's spent and held units. */
  count: number;
  /** When the window the units were counted in ends (epoch ms). */
  expiresAt: number;
  /** A take of more than one unit on its way (others take one at a time meanwhile, or wait for it): settles when it lands. */
  taking: { landed: Promise<void>; land: () => void } | null;
}

/** A take from the shared store for one counter, on its way. */
export interface LeaseTake {
  readonly id: string;
  readonly units: number;
}

/**
 * Units of a busy shared counter (a tenant's SMS budget for the hour or the day, a calling code's
 * 10-minute bucket) counted in the shared store ahead of the sends that spend them, so a replica's
 * sends do not all queue on one hot row. A take holds at most 1/16 of what the store said was left
 * under the limit, at most 64 units and at least 1, so near the limit every send is counted on its own
 * and the limit holds exactly; the cost is that units held by one replica can make another refuse
 * up to that many sends early. Units belong to one window and die with it.
 */
export class CounterLeases {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Spends one unit held for `id`; false when none is held, and the send must take from the store. */
  spend(id: string): boolean {
    const lease = this.live(id);
    if (!lease || lease.units === 0) return false;
    lease.units -= 1;
    return true;
  }

  /** What to take from the store for one send: one unit until the store's count is known, or while another take is on its way. */
  take(id: string, limit: number): LeaseTake {
    const lease = this.live(id);
    if (!lease || lease.taking) return { id, units: 1 };
    const units = Math.max(1, Math.min(MAX_UNITS_PER_TAKE, Math.floor((limit - lease.count) / SHARE_OF_HEADROOM)));
    if (units > 1) {
      let land = () => undefined as void;
      const landed = new Promise<void>((resolve) => (land = resolve));
      lease.taking = { landed, land };
    }
    return { id, units };
  }

  /**
   * The take of several units on its way for `id`, if any: a send that found nothing to spend can wait
   * for it and spend what it brings, instead of counting itself in the store (one more write to a hot row).
   */
  landing(id: string): Promise<void> | null {
    return this.live(id)?.taking?.landed ?? null;
  }

  /**
   * The take came back: the store's count is `count` with it, in a window ending at `expiresAt`. With
   * `spending`, whether the send it was for fits under `limit` (its own units, or units held here);
   * the units it took beyond the send's are held for the next sends. Without, the send was refused
   * for another reason and every unit that fitted is held.
   */
  settle(take: LeaseTake, count: number, limit: number, expiresAt: number, spending: boolean): boolean {
    const held = this.live(take.id);
    const lease = held ?? { units: 0, count, expiresAt, taking: null };
    if (!held) this.leases.set(take.id, lease);
    if (take.units > 1) this.landed(lease);
    lease.count = Math.max(lease.count, count);
    lease.expiresAt = expiresAt;
    let fitted = Math.max(0, take.units - Math.max(0, count - limit));
    if (spending && fitted === 0) {
      if (lease.units === 0) return false;
      lease.units -= 1;
      return true;
    }
    if (spending) fitted -= 1;
    lease.units += fitted;
    return true;
  }

  /** The take failed before the store counted it. */
  abandon(take: LeaseTake): void {
    const lease = this.leases.get(take.id);
    if (lease && take.units > 1) this.landed(lease);
  }

  /** A spent unit whose send another limit refused goes back. */
  giveBack(id: string): void {
    const lease = this.live(id);
    if (lease) lease.units += 1;
  }

  /** Forgets every lease; the units they held unspent, by lease id, for the caller to give back to the store. */
  drain(): Map<string, number> {
    const unspent = new Map<string, number>();
    for (const [id, lease] of this.leases) if (lease.units > 0) unspent.set(id, lease.units);
    this.forgetWhere(() => true);
    return unspent;
  }

  /** Forgets the leases whose id starts with `prefix` (a hold was put on them). */
  forget(prefix: string): void {
    this.forgetWhere((id) => id.startsWith(prefix));
  }

  private forgetWhere(matches: (id: string) => boolean): void {
    for (const [id, lease] of this.leases) {
      if (!matches(id)) continue;
      this.leases.delete(id);
      this.landed(lease);
    }
  }

  /** The lease's take landed (or failed, or the lease is gone): who waited for it tries again. */
  private landed(lease: Lease): void {
    lease.taking?.land();
    lease.taking = null;
  }

  private live(id: string): Lease | null {
    const lease = this.leases.get(id);
    if (!lease) return null;
    if (lease.expiresAt > this.now()) return lease;
    this.leases.delete(id);
    this.landed(lease);
    return null;
  }
}
