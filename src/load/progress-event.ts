/**
 * The phases of long work, in the order a reset runs them. `connect` and `validation` are
 * reported by the caller (the CLI), the others by the workflows and the loader.
 */
export type ProgressPhase = 'connect' | 'migrate' | 'legacy rows' | 'load' | 'keys' | 'validation' | 'generate';

/**
 * One step of long work: a phase began, or went on. Phases that go table by table (legacy
 * rows, load, generate) name the table, and count that table's rows; the keys phase counts the
 * keys and indexes rebuilt; a phase without counts (migrate, connect) has 0 of 0.
 */
export interface Progress {
  readonly phase: ProgressPhase;
  readonly table?: string;
  /** Done so far in this phase (of this table), out of `totalRows`. */
  readonly rowsDone: number;
  readonly totalRows: number;
  /** What is counted: rows unless said otherwise. */
  readonly unit?: 'rows' | 'keys and indexes';
}

/** Where progress events go: a function the caller passes in (the CLI's display), never the console. */
export type ProgressListener = (progress: Progress) => void;
