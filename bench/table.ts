/** A target a figure should meet. */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

/** One benchmark's figures and the targets some of them have. */
export interface BenchRow {
  name: string;
  figures: Record<string, number>;
  targets: Record<string, Target>;
}

/** Prints every figure as `bench | figure | value | target | met`. */
export function printTable(rows: BenchRow[]): void {
  const lines: string[][] = [['bench', 'figure', 'value', 'target', 'met']];
  for (const row of rows) {
    for (const [figure, value] of Object.entries(row.figures)) {
      const target = row.targets[figure];
      const met =
        target === undefined
          ? ''
          : (target.op === '<=' ? value <= target.value : value >= target.value)
            ? 'yes'
            : 'NO';
      lines.push([
        row.name,
        figure,
        Number.isInteger(value) ? String(value) : value.toFixed(3),
        target ? `${target.op} ${target.value}` : '',
        met,
      ]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}
