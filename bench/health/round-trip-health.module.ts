import { Controller, Get, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { healthConnectionConfig } from '../../src/database/health/database.probe';

/** One pg Client of its own on the app's server, as the app's health connection is set up. */
@Injectable()
export class RoundTripClient implements OnApplicationShutdown {
  private client: Promise<Client> | undefined;

  constructor(private readonly dataSource: DataSource) {}

  /** `SELECT 1` as a named prepared statement: the least a check that asks the server can do. */
  async selectOne(): Promise<void> {
    this.client ??= this.connect();
    await (await this.client).query({ name: 'bench_round_trip', text: 'SELECT 1' });
  }

  async onApplicationShutdown(): Promise<void> {
    await (await this.client)?.end();
  }

  private async connect(): Promise<Client> {
    const client = new Client(healthConnectionConfig(this.dataSource.options as PostgresDataSourceOptions));
    await client.connect();
    return client;
  }
}

/**
 * `GET /round-trip`: one `SELECT 1` on a connection of its own and a fixed body, through the same
 * app (middleware, routing, JSON) as `/health` and `/health/live`: what one round trip to the
 * server adds to the no-database route, with no check logic. The floor of any database check.
 */
@Controller('round-trip')
export class RoundTripController {
  constructor(private readonly roundTrip: RoundTripClient) {}

  @Get()
  async check(): Promise<{ status: string }> {
    await this.roundTrip.selectOne();
    return { status: 'ok' };
  }
}

/** `GET /round-trip` next to the app's `GET /health`, for the health scenario only. */
@Module({ controllers: [RoundTripController], providers: [RoundTripClient] })
export class RoundTripHealthModule {}
