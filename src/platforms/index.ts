/**
 * The platforms the palette can speak, for the editor and the docs: each one's label and which
 * catalogue operations it carries (the others end `failed` / `unsupported` at once).
 */
import { OPERATIONS } from '../protocol/catalogue';
import { carriageTable, type Carriage } from './api';
import { CcflowDriver } from './ccflow/driver';
import { EraDriver } from './era/driver';
import { TinetDriver } from './tinet/driver';

export interface PlatformInfo {
  readonly label: string;
  /** Operation name -> whether the platform carries it (and why not). */
  readonly operations: Record<string, Carriage>;
}

/** Platform id -> what the editor shows about it. */
export function platformsJson(): Record<string, PlatformInfo> {
  const names = OPERATIONS.map((o) => o.name);
  return {
    ccflow: {
      label: 'ccflow gateway',
      operations: carriageTable(
        new CcflowDriver({ tenant: '', username: '', password: '' }),
        names,
      ),
    },
    era: {
      label: 'Era / Incoplax',
      operations: carriageTable(new EraDriver({ auth: 'token' }), names),
    },
    tinet: {
      label: 'Tinet CTI Cloud',
      operations: carriageTable(new TinetDriver({ id: '', token: '' }), names),
    },
  };
}
