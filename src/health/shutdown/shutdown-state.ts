import { Injectable } from '@nestjs/common';

/** Whether the application is shutting down: readiness reads it to answer 503 first. */
@Injectable()
export class ShutdownState {
  private drainingSince: number | undefined;

  /** True from the start of shutdown. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** @internal Marks the start of shutdown (once). */
  begin(): void {
    this.drainingSince ??= Date.now();
  }
}
