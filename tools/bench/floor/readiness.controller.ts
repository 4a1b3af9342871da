import { Controller, Get } from '@nestjs/common';

/** Lets the bench runner poll the floor the same way it polls the gateway. */
@Controller()
export class ReadinessController {
  @Get('readyz')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}
