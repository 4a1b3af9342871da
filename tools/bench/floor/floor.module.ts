import { DynamicModule, Module } from '@nestjs/common';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { Pool } from 'pg';
import { FLOOR_POOL, FloorResolver } from './floor.resolver';
import { ReadinessController } from './readiness.controller';

/** The gateway's GraphQL setup (apps/gateway/src/app.module.ts) with none of its features. */
@Module({})
export class FloorModule {
  static register(pool: Pool): DynamicModule {
    return {
      module: FloorModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: false,
          csrfPrevention: true,
          allowBatchedHttpRequests: false,
          includeStacktraceInErrorResponses: false,
          context: ({ req }: { req: unknown }) => ({ req }),
        }),
      ],
      controllers: [ReadinessController],
      providers: [{ provide: FLOOR_POOL, useValue: pool }, FloorResolver],
    };
  }
}
