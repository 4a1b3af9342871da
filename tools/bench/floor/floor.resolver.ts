import { Inject } from '@nestjs/common';
import { Int, Query, Resolver } from '@nestjs/graphql';
import type { Pool } from 'pg';

export const FLOOR_POOL = Symbol('FLOOR_POOL');

/** The cheapest useful GraphQL request: one round trip to Postgres through the pool. */
@Resolver()
export class FloorResolver {
  constructor(@Inject(FLOOR_POOL) private readonly pool: Pool) {}

  @Query(() => Int, { description: 'Runs SELECT 1 on the database and returns its value.' })
  async floor(): Promise<number> {
    const result = await this.pool.query<{ one: number }>('SELECT 1 AS one');
    return result.rows[0].one;
  }
}
