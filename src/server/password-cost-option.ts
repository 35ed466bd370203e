// `--password-cost` of `dchat server` and `dchat rpc-server`: the scrypt cost of NEW password
// hashes. 'test' makes registering and logging in thousands of users cheap for benchmarks and
// test deployments; its hashes are weak, so the command says so on stderr whenever it is chosen.
import type { Options } from 'yargs';
import { DchatError } from '../base/dchat-error.js';
import { passwordCostNames, passwordCosts, type PasswordCostName, type ScryptCost } from '../store/password-hash.js';

export const passwordCostOption: Options = {
  type: 'string',
  choices: passwordCostNames,
  default: process.env['DCHAT_PASSWORD_COST'] || 'production',
  describe: 'scrypt cost of new password hashes (env DCHAT_PASSWORD_COST); "test" is cheap and weak: for benchmarks and tests only, NEVER production',
};

/** The named cost; throws (for a yargs check) when the name is not one of passwordCosts. */
export function passwordCostNamed(name: string): ScryptCost {
  if (passwordCostNames.includes(name as PasswordCostName)) return passwordCosts[name as PasswordCostName];
  throw new DchatError('DCHAT_SERVER_BAD_PASSWORD_COST', `password cost "${name}" (--password-cost or DCHAT_PASSWORD_COST) is not one of ${passwordCostNames.join(', ')}; leave it unset for production`);
}

/** The cost to hash with; warns on stderr when it is not the production one. */
export function chosenPasswordCost(name: string, command: string): ScryptCost {
  const cost = passwordCostNamed(name);
  if (name !== 'production') {
    process.stderr.write(`dchat ${command}: --password-cost ${name}: new password hashes use scrypt N=${cost.N} r=${cost.r} p=${cost.p}, far too cheap for real passwords; for benchmarks and tests only\n`);
  }
  return cost;
}
