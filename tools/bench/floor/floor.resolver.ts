import { Inject } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Pool } from 'pg';

export const FLOOR_POOL = Symbol('FLOOR_POOL');

/** The table the floor mutation writes to; main.ts creates it at start. */
export const FLOOR_EVENTS_DDL =
  'CREATE TABLE IF NOT EXISTS floor_events (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), note text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())';

/** The cheapest useful GraphQL requests: one round trip to Postgres through the pool. */
@Resolver()
export class FloorResolver {
  constructor(@Inject(FLOOR_POOL) private readonly pool: Pool) {}

  @Query(() => Int, { description: 'Runs SELECT 1 on the database and returns its value.' })
  async floor(): Promise<number> {
    const result = await this.pool.query<{ one: number }>('SELECT 1 AS one');
    return result.rows[0].one;
  }

  @Mutation(() => ID, { description: 'Inserts one floor_events row (its own implicit transaction) and returns its id.' })
  async floorInsert(@Args('note') note: string): Promise<string> {
    const result = await this.pool.query<{ id: string }>('INSERT INTO floor_events (note) VALUES ($1) RETURNING id', [note]);
    return result.rows[0].id;
  }
}
