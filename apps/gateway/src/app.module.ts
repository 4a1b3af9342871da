import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { Identity } from '@honnin/identity';
import { Database } from '@honnin/persistence';
import type { Logger } from 'pino';
import { ActionGuard, ApiKeyGuard, SignedInGuard } from './auth/guards';
import { HONNIN_CONFIG, HonninConfig } from './config/honnin-config';
import { formatGraphqlError, unexpectedErrorsPlugin } from './errors/graphql-errors';
import { IdentityErrorFilter } from './errors/identity-error.filter';
import { createValidationPipe, WellFormedTextPipe } from './errors/validation';
import { DeliveryReceiptsController } from './http/delivery-receipts.controller';
import { graphqlHardening } from './http/graphql-hardening';
import { HealthController } from './http/health.controller';
import { HonninMetrics } from './http/metrics';
import { MetricsController } from './http/metrics.controller';
import { oneSensitiveMutationPlugin } from './http/one-sensitive-mutation.plugin';
import { RESOLVERS } from './resolvers';

export interface AppDependencies {
  config: HonninConfig;
  logger: Logger;
  db: Database;
  identity: Identity;
  metrics: HonninMetrics;
}

@Module({})
export class AppModule {
  static register(deps: AppDependencies): DynamicModule {
    const production = deps.config.nodeEnv === 'production';
    const hardening = graphqlHardening({ production });
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
          validationRules: hardening.validationRules,
          parseOptions: hardening.parseOptions,
          context: ({ req }: { req: unknown }) => ({ req }),
          formatError: formatGraphqlError,
          plugins: [...hardening.plugins, oneSensitiveMutationPlugin, unexpectedErrorsPlugin(deps.logger), deps.metrics.graphqlPlugin()],
        }),
      ],
      controllers: [HealthController, MetricsController, DeliveryReceiptsController],
      providers: [
        { provide: Identity, useValue: deps.identity },
        { provide: Database, useValue: deps.db },
        { provide: HonninMetrics, useValue: deps.metrics },
        { provide: HONNIN_CONFIG, useValue: deps.config },
        { provide: APP_PIPE, useClass: WellFormedTextPipe },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: IdentityErrorFilter },
        SignedInGuard,
        ActionGuard,
        ApiKeyGuard,
        ...RESOLVERS,
      ],
    };
  }
}
