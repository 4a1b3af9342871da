import { EntityManager } from 'typeorm';
import { SmsProviderConfigEntity } from '../entities/sms-provider-config.entity';

export type NewSmsProviderConfig = Omit<SmsProviderConfigEntity, 'id'>;

export class SmsProviderConfigRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The tenant's providers, in routing order. */
  list(tenantId: string): Promise<SmsProviderConfigEntity[]> {
    return this.manager.find(SmsProviderConfigEntity, { where: { tenantId }, order: { position: 'ASC' } });
  }

  findById(id: string): Promise<SmsProviderConfigEntity | null> {
    return this.manager.findOneBy(SmsProviderConfigEntity, { id });
  }

  /** Replaces the whole ordered list (run inside a transaction). */
  async replaceAll(tenantId: string, configs: NewSmsProviderConfig[]): Promise<SmsProviderConfigEntity[]> {
    await this.manager.delete(SmsProviderConfigEntity, { tenantId });
    if (configs.length > 0) await this.manager.insert(SmsProviderConfigEntity, configs);
    return this.list(tenantId);
  }
}
