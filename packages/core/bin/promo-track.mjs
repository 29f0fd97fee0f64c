#!/usr/bin/env node
// The `promo-track` command (`npx promo-track sql --dialect postgres`). This launcher is committed so
// that npm links the command at install time; the command itself is the built code in dist/.
const cli = await import('../dist/cli.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error('promo-track: the package is not built (dist/cli.js is missing): run `npm run build` first.');
  process.exit(1);
});
process.exitCode = await cli.main(process.argv.slice(2));
