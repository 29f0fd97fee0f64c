import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';

/** The host's own routes, as any Nest app has them. */
@Controller()
export class ShopController {
  @Get()
  index() {
    return { name: 'nest-host', try: ['GET /api/tracks/1/1', 'POST /api/tracks', 'GET /api/stats?user_id=1'] };
  }

  @Post('orders')
  @HttpCode(201)
  order(@Body() body: { item?: string } | undefined) {
    return { ordered: body?.item ?? null };
  }

  @Get('api/health')
  health() {
    return { ok: true };
  }
}

@Module({ controllers: [ShopController] })
export class ShopModule {}
