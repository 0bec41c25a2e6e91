/**
 * The platforms the palette can speak, for the editor and the docs: each one's label and which
 * catalogue operations it carries (the others end `failed` / `unsupported` at once).
 *
 * Start-up: the drivers are loaded when first asked about (the editor's platforms endpoint, an
 * events node checking its gateway's families), not when Node-RED loads the palette; a label
 * needs no driver.
 */
import { OPERATIONS, type EventFamily } from '../protocol/catalogue';
import { carriageTable, type Carriage, type PlatformDriver } from './api';
import type * as CcflowModule from './ccflow/driver';
import type * as EraModule from './era/driver';
import type * as TinetModule from './tinet/driver';

export interface PlatformInfo {
  readonly label: string;
  /** Operation name -> whether the platform carries it (and why not). */
  readonly operations: Record<string, Carriage>;
  /** The event families the platform delivers. */
  readonly families: readonly EventFamily[];
}

/** The families a driver delivers when it does not say. */
const DEFAULT_FAMILIES: readonly EventFamily[] = ['agent', 'dialog', 'ccs'];

/** Each platform's driver options. */
export interface DriverOptions {
  ccflow: CcflowModule.CcflowDriverOptions;
  era: EraModule.EraDriverOptions;
  tinet: TinetModule.TinetDriverOptions;
}

/** A platform's driver, its module loaded on first use (a flow on another platform never loads it). */
export function createDriver<P extends keyof DriverOptions>(
  platform: P,
  options: DriverOptions[P],
): PlatformDriver {
  /* eslint-disable @typescript-eslint/no-require-imports */
  switch (platform) {
    case 'era':
      return new (require('./era/driver') as typeof EraModule).EraDriver(
        options as EraModule.EraDriverOptions,
      );
    case 'tinet':
      return new (require('./tinet/driver') as typeof TinetModule).TinetDriver(
        options as TinetModule.TinetDriverOptions,
      );
    default:
      return new (require('./ccflow/driver') as typeof CcflowModule).CcflowDriver(
        options as CcflowModule.CcflowDriverOptions,
      );
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** One driver of each platform, for what the editor and the nodes ask (never connected). */
const SAMPLES: Readonly<Record<string, { label: string; driver: () => PlatformDriver }>> = {
  ccflow: {
    label: 'ccflow gateway',
    driver: () => createDriver('ccflow', { tenant: '', username: '', password: '' }),
  },
  era: { label: 'Era / Incoplax', driver: () => createDriver('era', { auth: 'token' }) },
  tinet: { label: 'Tinet CTI Cloud', driver: () => createDriver('tinet', { id: '', token: '' }) },
};

/** The event families a platform delivers (unknown platforms: the ccflow defaults). */
export function platformFamilies(platform: string | undefined): readonly EventFamily[] {
  const sample = SAMPLES[platform ?? 'ccflow'] ?? SAMPLES.ccflow;
  return sample.driver().families ?? DEFAULT_FAMILIES;
}

/** The label of a platform, for messages. */
export function platformLabel(platform: string | undefined): string {
  return (SAMPLES[platform ?? 'ccflow'] ?? SAMPLES.ccflow).label;
}

/** Platform id -> what the editor shows about it. */
export function platformsJson(): Record<string, PlatformInfo> {
  const names = OPERATIONS.map((o) => o.name);
  const out: Record<string, PlatformInfo> = {};
  for (const [id, sample] of Object.entries(SAMPLES)) {
    const driver = sample.driver();
    out[id] = {
      label: sample.label,
      operations: carriageTable(driver, names),
      families: driver.families ?? DEFAULT_FAMILIES,
    };
  }
  return out;
}
