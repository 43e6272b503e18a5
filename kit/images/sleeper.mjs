// kubekata/sleeper [sleep] [seconds] [--ignore-sigterm]: sleeps, then exits 0. Without seconds it sleeps
// until it is stopped. With --ignore-sigterm only SIGKILL ends it (to see a grace period run out).
// A leading "sleep" is skipped, so `kubectl run x --image=kubekata/sleeper -- sleep 5` works as it
// would with busybox.
const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === 'sleep'));
const ignoreSigterm = args.includes('--ignore-sigterm');
const seconds = args.find((a) => !a.startsWith('--'));
if (ignoreSigterm) process.on('SIGTERM', () => console.log('sleeper: SIGTERM ignored'));
if (seconds !== undefined) {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || ms < 0) {
    console.error(`sleeper: "${seconds}" is not a number of seconds >= 0`);
    process.exit(2);
  }
  setTimeout(() => process.exit(0), ms);
} else {
  setInterval(() => {}, 1 << 30);
}
console.log(`sleeper: sleeping ${seconds === undefined ? 'for ever' : `${seconds}s`}${ignoreSigterm ? ', ignoring SIGTERM' : ''}`);
