import type { Config } from '../config/settings';
import { programPackage, type PackageInfo } from './package-json';

export interface ServiceIdentity {
  readonly name: string;
  readonly version?: string;
}

/**
 * service.name: OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else the name in
 * the program's nearest package.json, else `unknown_service:node`. service.version likewise.
 */
export function serviceIdentity(config: Config, pkg: PackageInfo | undefined = programPackage()): ServiceIdentity {
  const attrs = config.OTEL_RESOURCE_ATTRIBUTES ?? {};
  const name = config.OTEL_SERVICE_NAME ?? attrs['service.name'] ?? pkg?.name ?? 'unknown_service:node';
  const version = attrs['service.version'] ?? pkg?.version;
  return version === undefined ? { name } : { name, version };
}
