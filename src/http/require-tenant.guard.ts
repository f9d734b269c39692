import { CanActivate, Injectable } from '@nestjs/common';
import { currentTenant } from '../database';
import { fieldsBadRequest } from './field-errors';

/**
 * Lets a request through only when it names its tenant (`X-Tenant-Id`, checked and set by the
 * request-context middleware); otherwise a 400 naming the header, before any statement runs.
 */
@Injectable()
export class RequireTenantGuard implements CanActivate {
  canActivate(): boolean {
    if (currentTenant() === undefined) throw fieldsBadRequest([['X-Tenant-Id', ['is required by this route']]]);
    return true;
  }
}
