/** Progress for humans on stderr: redrawn in place on a terminal, one line per 10% otherwise; silent when quiet. */
export interface Progress {
  update(label: string, done: number, total: number): void;
  line(text: string): void;
  done(): void;
}

export function makeProgress(quiet = false, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  const lastDecile = new Map<string, number>();
  let drawn = false;
  return {
    update(label, done, total) {
      if (quiet) return;
      const frac = total > 0 ? done / total : 1;
      if (tty) {
        const width = 24;
        const fill = Math.round(frac * width);
        stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total}\x1b[K`);
        drawn = true;
      } else {
        const decile = Math.floor(frac * 10);
        if (decile !== lastDecile.get(label)) {
          lastDecile.set(label, decile);
          stream.write(`${label}: ${done}/${total}\n`);
        }
      }
    },
    line(text) {
      if (quiet) return;
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
      stream.write(`${text}\n`);
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
