import { DynamicModule, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { Identity } from '@honnin/identity';
import { Database } from '@honnin/persistence';
import type { Logger } from 'pino';
import { ActionGuard, ApiKeyGuard, SignedInGuard } from './auth/guards';
import { HonninConfig } from './config/honnin-config';
import { createErrorFormatter } from './errors/graphql-errors';
import { createValidationPipe } from './errors/validation';
import { HealthController } from './http/health.controller';
import { oneSensitiveMutationPlugin } from './http/one-sensitive-mutation.plugin';
import { RESOLVERS } from './resolvers';

export interface AppDependencies {
  config: HonninConfig;
  logger: Logger;
  db: Database;
  identity: Identity;
}

@Module({})
export class AppModule {
  static register(deps: AppDependencies): DynamicModule {
    const production = deps.config.nodeEnv === 'production';
    return {
      module: AppModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: !production,
          csrfPrevention: true,
          allowBatchedHttpRequests: false,
          includeStacktraceInErrorResponses: false,
          context: ({ req }: { req: unknown }) => ({ req }),
          formatError: createErrorFormatter(deps.logger),
          plugins: [oneSensitiveMutationPlugin],
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: Identity, useValue: deps.identity },
        { provide: Database, useValue: deps.db },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        SignedInGuard,
        ActionGuard,
        ApiKeyGuard,
        ...RESOLVERS,
      ],
    };
  }
}
