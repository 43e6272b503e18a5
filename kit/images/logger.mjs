// kubekata/logger [lines] [interval ms] [--no-newline]: writes "line 1", "line 2", ... alternately
// to stdout (odd) and stderr (even), one every interval, then exits 0. With --no-newline the last
// line has no newline (the runtime logs it as a partial line, tag P).
const args = process.argv.slice(2);
const noNewline = args.includes('--no-newline');
const [linesArg = '10', intervalArg = '0'] = args.filter((a) => !a.startsWith('--'));
const lines = Number(linesArg);
const interval = Number(intervalArg);
if (!Number.isInteger(lines) || lines < 0 || !Number.isFinite(interval) || interval < 0) {
  console.error(`logger: usage: [lines >= 0] [interval ms >= 0] [--no-newline], got ${args.join(' ')}`);
  process.exit(2);
}
let n = 0;
function next() {
  if (n === lines) return;
  n++;
  const end = noNewline && n === lines ? '' : '\n';
  (n % 2 === 1 ? process.stdout : process.stderr).write(`line ${n}${end}`);
  if (n < lines) setTimeout(next, interval);
}
next();
