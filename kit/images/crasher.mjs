// kubekata/crasher [code] [seconds]: writes a line to stderr and exits with the code (default 1)
// after the delay (default 0 seconds).
const [codeArg = '1', secondsArg = '0'] = process.argv.slice(2);
const code = Number(codeArg);
const ms = Number(secondsArg) * 1000;
if (!Number.isInteger(code) || code < 0 || code > 255) {
  console.error(`crasher: "${codeArg}" is not an exit code (0-255)`);
  process.exit(2);
}
if (!Number.isFinite(ms) || ms < 0) {
  console.error(`crasher: "${secondsArg}" is not a number of seconds >= 0`);
  process.exit(2);
}
setTimeout(() => {
  console.error(`crasher: exiting with code ${code}`);
  process.exitCode = code;
}, ms);
