/** What every benchmark module returns: rows to print and the JSON written under bench/results/. */
export interface BenchResult {
  name: string;
  /** Printed with console.table; each row should carry the baseline and the ratio beside the figure. */
  table: Record<string, string | number>[];
  json: unknown;
  /** Targets the issue sets, each met or missed by how much. */
  verdicts?: { target: string; met: boolean; detail: string }[];
}

export interface BenchModule {
  run(): Promise<BenchResult>;
}
