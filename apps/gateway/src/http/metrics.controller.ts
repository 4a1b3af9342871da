import { Controller, Get, Header } from '@nestjs/common';
import { HonninMetrics } from './metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: HonninMetrics) {}

  /** Prometheus text format. */
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
