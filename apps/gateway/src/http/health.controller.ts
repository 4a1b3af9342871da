import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { Database } from '@honnin/persistence';

@Controller()
export class HealthController {
  constructor(private readonly db: Database) {}

  /** Live: the process serves HTTP. */
  @Get('healthz')
  @HttpCode(200)
  live(): { status: string } {
    return { status: 'ok' };
  }

  /** Ready: the database answers and every migration has run. */
  @Get('readyz')
  async ready(): Promise<{ status: string }> {
    if (!(await this.db.isReady())) throw new ServiceUnavailableException({ status: 'unavailable' });
    return { status: 'ready' };
  }
}
