import { All, Controller, HttpCode, HttpException, Inject, Param, Req } from '@nestjs/common';
import { Identity, ReceiptAnswer } from '@honnin/identity';
import type { Request } from 'express';
import { HONNIN_CONFIG, HonninConfig } from '../config/honnin-config';

const STATUS: Record<ReceiptAnswer, number> = { accepted: 200, ignored: 200, not_found: 404, forbidden: 403, malformed: 400 };

/** Status callbacks from SMS providers (Twilio, Vonage, Karaden, WEBHOOK) on a per-provider secret path. */
@Controller('sms/receipts')
export class DeliveryReceiptsController {
  constructor(
    private readonly identity: Identity,
    @Inject(HONNIN_CONFIG) private readonly config: HonninConfig,
  ) {}

  @All(':configId/:token')
  @HttpCode(200)
  async receive(@Param('configId') configId: string, @Param('token') token: string, @Req() req: Request & { rawBody?: Buffer }): Promise<{ status: string }> {
    const base = this.config.publicUrl ? new URL(this.config.publicUrl).origin : `${req.protocol}://${req.get('host')}`;
    const answer = await this.identity.deliveryReceipts.handle(configId, token, {
      // Providers sign the URL they called: behind a proxy that is PUBLIC_URL's, not ours.
      url: `${base}${req.originalUrl}`,
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v])),
      rawBody: req.rawBody?.toString('utf8') ?? '',
      params: flatten({ ...(req.query as Record<string, unknown>), ...(typeof req.body === 'object' && req.body ? req.body : {}) }),
    });
    if (STATUS[answer] !== 200) throw new HttpException({ status: answer }, STATUS[answer]);
    return { status: answer };
  }
}

function flatten(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : typeof v === 'number' || typeof v === 'boolean' ? [[k, String(v)]] : [])),
  );
}
